// The per-component DR figures (watchdog/engine/incident_metrics.h) as the incident recorder
// moves them, and their restore from a real incident journal (SQLite in a temp dir) after a
// restart.
#include "watchdog/engine/incident_metrics.h"

#include <gtest/gtest.h>

#include "tests/support/prometheus_text.h"
#include "tests/support/temp_dir.h"
#include "watchdog/engine/incident_recorder.h"
#include "watchdog/store/state_store.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
using testing::metric_sum;

TimePoint at(int s) { return TimePoint(std::chrono::seconds(1'800'000'000 + s)); }
double unix_at(int s) { return 1'800'000'000.0 + s; }

std::optional<double> value(Metrics& metrics, const std::string& name,
                            const std::string& component) {
  return metric_sum(metrics.render(), name, {{"component", component}});
}

TEST(IncidentMetrics, EveryComponentHasItsSeriesFromTheStart) {
  Metrics metrics;
  IncidentMetrics incidents(metrics);
  incidents.add_component("db", 5min);
  incidents.add_component("cache", 0ms);
  EXPECT_EQ(value(metrics, "watchdog_component_rto_seconds", "db"), 300);
  EXPECT_EQ(value(metrics, "watchdog_component_rto_seconds", "cache"), 0);
  EXPECT_EQ(value(metrics, "watchdog_incident_open_since_timestamp_seconds", "db"), 0);
  EXPECT_EQ(value(metrics, "watchdog_incidents_total", "db"), 0);
  EXPECT_FALSE(value(metrics, "watchdog_incident_last_time_to_recover_seconds", "db"));
  EXPECT_FALSE(value(metrics, "watchdog_incident_last_rto_met", "db"));

  incidents.add_component("db", 1min);  // a reload with a new rto
  EXPECT_EQ(value(metrics, "watchdog_component_rto_seconds", "db"), 60);
  incidents.forget_component("db");
  EXPECT_FALSE(value(metrics, "watchdog_component_rto_seconds", "db"));
  EXPECT_FALSE(value(metrics, "watchdog_incidents_total", "db"));
}

TEST(IncidentMetrics, RtoMetOnlyWhenAnRtoIsConfigured) {
  Metrics metrics;
  IncidentMetrics incidents(metrics);
  incidents.set_last_recovery("db", 90s, 2min);
  EXPECT_EQ(value(metrics, "watchdog_incident_last_time_to_recover_seconds", "db"), 90);
  EXPECT_EQ(value(metrics, "watchdog_incident_last_rto_met", "db"), 1);
  incidents.set_last_recovery("db", 121s, 2min);
  EXPECT_EQ(value(metrics, "watchdog_incident_last_rto_met", "db"), 0);
  incidents.set_last_recovery("db", 2min, 2min);  // exactly on target counts as met
  EXPECT_EQ(value(metrics, "watchdog_incident_last_rto_met", "db"), 1);
  incidents.set_last_recovery("db", 10s, 0ms);
  EXPECT_EQ(value(metrics, "watchdog_incident_last_time_to_recover_seconds", "db"), 10);
  EXPECT_FALSE(value(metrics, "watchdog_incident_last_rto_met", "db")) << "no rto: no verdict";
}

// Drives a recorder through incidents the way the engine does.
struct RecorderRun {
  explicit RecorderRun(store::StateStore* store)
      : recovery(metrics),
        incidents(metrics),
        health(metrics),
        recorder(store, recovery, incidents, health) {
    for (const char* component : {"db", "api"}) incidents.add_component(component, 2min);
  }
  void move(const std::string& component, State from, State to, const std::string& id, int s) {
    recorder.transition(component, Transition{from, to, "test", id, 1}, at(s), Hold{}, 2min,
                        std::nullopt);
  }
  void action_done(const std::string& id, const std::string& action, bool ok, bool started) {
    recorder.note(id, at(0), "action_done", action,
                  {{"action", action}, {"ok", ok}, {"started", started}});
  }
  Metrics metrics;
  RecoveryMetrics recovery;
  IncidentMetrics incidents;
  StoreHealth health;
  IncidentRecorder recorder;
};

TEST(IncidentRecorder, MovesTheDrFiguresAndARestartRestoresThem) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  {
    RecorderRun run(store.get());
    run.recorder.load({"db", "api"});
    run.move("db", State::Healthy, State::Critical, "db-1", 10);
    EXPECT_EQ(value(run.metrics, "watchdog_incident_open_since_timestamp_seconds", "db"),
              unix_at(10));
    EXPECT_EQ(value(run.metrics, "watchdog_incidents_total", "db"), 1);
    run.action_done("db-1", "restart", false, true);
    run.action_done("db-1", "restart", true, true);
    run.action_done("db-1", "failover", true, false);              // queued, never ran: not counted
    run.move("db", State::Critical, State::Healthy, "db-1", 100);  // 90 s: met
    EXPECT_EQ(value(run.metrics, "watchdog_incident_open_since_timestamp_seconds", "db"), 0);
    EXPECT_EQ(value(run.metrics, "watchdog_incident_last_time_to_recover_seconds", "db"), 90);
    EXPECT_EQ(value(run.metrics, "watchdog_incident_last_rto_met", "db"), 1);

    run.move("db", State::Healthy, State::Degraded, "db-2", 200);  // never CRITICAL
    EXPECT_EQ(value(run.metrics, "watchdog_incident_open_since_timestamp_seconds", "db"), 0)
        << "the RTO clock starts at CRITICAL";
    EXPECT_EQ(value(run.metrics, "watchdog_incidents_open", "db"), 1);
    run.move("db", State::Degraded, State::Healthy, "db-2", 210);
    EXPECT_EQ(value(run.metrics, "watchdog_incidents_total", "db"), 2);
    EXPECT_EQ(value(run.metrics, "watchdog_incident_last_time_to_recover_seconds", "db"), 90)
        << "an incident that never was CRITICAL has no time to recover";

    run.move("api", State::Healthy, State::Critical, "api-1", 300);
    run.move("api", State::Critical, State::Healthy, "api-1", 500);  // 200 s: missed
    run.move("api", State::Healthy, State::Degraded, "api-2", 590);
    run.move("api", State::Degraded, State::Critical, "api-2", 600);  // left open
    EXPECT_EQ(value(run.metrics, "watchdog_incident_open_since_timestamp_seconds", "api"),
              unix_at(600));
    run.move("gone", State::Healthy, State::Critical, "gone-1", 0);  // removed from the config
  }

  RecorderRun restarted(store.get());
  restarted.recorder.load({"db", "api"});
  restarted.recorder.resume("api", "api-2", State::Critical);
  restarted.recorder.resume("db", "", State::Healthy);
  auto& m = restarted.metrics;
  EXPECT_EQ(value(m, "watchdog_incidents_open", "api"), 1);
  EXPECT_EQ(value(m, "watchdog_incidents_open", "db"), 0);
  EXPECT_FALSE(value(m, "watchdog_incidents_open", "gone")) << "not configured: no series";
  EXPECT_EQ(value(m, "watchdog_incidents_total", "db"), 2);
  EXPECT_EQ(value(m, "watchdog_incidents_total", "api"), 2);
  EXPECT_FALSE(value(m, "watchdog_incidents_total", "gone"));
  EXPECT_EQ(value(m, "watchdog_incident_last_time_to_recover_seconds", "db"), 90);
  EXPECT_EQ(value(m, "watchdog_incident_last_rto_met", "db"), 1);
  EXPECT_EQ(value(m, "watchdog_incident_last_time_to_recover_seconds", "api"), 200);
  EXPECT_EQ(value(m, "watchdog_incident_last_rto_met", "api"), 0);
  EXPECT_EQ(value(m, "watchdog_incident_open_since_timestamp_seconds", "api"), unix_at(600));
  EXPECT_EQ(value(m, "watchdog_incident_open_since_timestamp_seconds", "db"), 0);
  const auto text = m.render();
  EXPECT_EQ(metric_sum(text, "watchdog_recovery_actions_total",
                       {{"component", "db"}, {"action", "restart"}, {"result", "success"}}),
            1);
  EXPECT_EQ(metric_sum(text, "watchdog_recovery_actions_total",
                       {{"component", "db"}, {"action", "restart"}, {"result", "failure"}}),
            1);
  EXPECT_FALSE(metric_sum(text, "watchdog_recovery_actions_total", {{"action", "failover"}}));

  // The restored open incident closes normally and counts on from the restored figures.
  restarted.move("api", State::Critical, State::Healthy, "api-2", 630);
  EXPECT_EQ(value(m, "watchdog_incident_last_time_to_recover_seconds", "api"), 30);
  EXPECT_EQ(value(m, "watchdog_incident_last_rto_met", "api"), 1);
  restarted.move("api", State::Healthy, State::Critical, "api-3", 700);
  EXPECT_EQ(value(m, "watchdog_incidents_total", "api"), 3);
}

// After a restart only the incident the restored state machine is in continues: not an older
// one the journal also holds open, and none when the component came back HEALTHY (its snapshot
// was lost, or it healed between the journal write and the snapshot).
TEST(IncidentRecorder, ResumesOnlyTheIncidentTheMachineIsIn) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  {
    RecorderRun run(store.get());
    run.recorder.load({"db", "api"});
    run.move("db", State::Healthy, State::Critical, "db-1", 10);
    run.move("db", State::Failed, State::Critical, "db-2", 20);  // db-1 stays open in the journal
    run.move("api", State::Healthy, State::Critical, "api-1", 30);
  }
  RecorderRun restarted(store.get());
  restarted.recorder.load({"db", "api"});
  restarted.recorder.resume("db", "db-2", State::Critical);
  restarted.recorder.resume("api", "api-1", State::Healthy);
  auto& m = restarted.metrics;
  EXPECT_EQ(value(m, "watchdog_incidents_open", "db"), 1);
  EXPECT_EQ(value(m, "watchdog_incident_open_since_timestamp_seconds", "db"), unix_at(20));
  EXPECT_EQ(value(m, "watchdog_incidents_open", "api"), 0);
  EXPECT_EQ(value(m, "watchdog_incident_open_since_timestamp_seconds", "api"), 0);

  restarted.move("db", State::Critical, State::Healthy, "db-2", 50);
  EXPECT_EQ(value(m, "watchdog_incident_last_time_to_recover_seconds", "db"), 30)
      << "measured from db-2's CRITICAL, not db-1's";
  EXPECT_EQ(value(m, "watchdog_incidents_total", "db"), 2);
}

}  // namespace
}  // namespace watchdog::core
