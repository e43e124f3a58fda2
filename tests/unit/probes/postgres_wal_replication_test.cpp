// The `postgres` probe's replication evaluation (probes/postgres_wal.h): the standby and slot
// thresholds, standbys hidden without pg_monitor, the figures' row and query, and the WAL keys.
// Pure: figures in, verdicts out; the real servers are in tests/integration/postgres_wal_test.cpp.
#include <gtest/gtest.h>

#include "probes/postgres_wal.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes::postgres_wal {
namespace {

using namespace std::chrono_literals;
using testing::measurement;
constexpr std::uint64_t MiB = 1024 * 1024;

TEST(PostgresWalReplication, ThresholdsInOrderAndMeasurements) {
  const Standby caught_up{"replica1", "streaming", 0.01, 0.02, std::nullopt, 0};
  const Standby behind{"replica2", "streaming", 0.5, 0.6, 12.3, 3 * MiB};
  const Slot idle{"idle_slot", false, 48 * MiB};
  const Slot used{"used_slot", true, 1 * MiB};
  const Standby hidden{"", "", {}, {}, {}, {}};  // what a user without pg_monitor sees
  struct Case {
    std::string what;
    Settings settings;
    std::vector<Standby> standbys;
    std::vector<Slot> slots;
    std::string detail;  // "" = healthy
  };
  auto with = [](auto change) {
    Settings settings;
    change(settings);
    return settings;
  };
  const std::vector<Case> cases = {
      {"too few",
       with([](Settings& s) { s.min_standbys = 2; }),
       {behind},
       {},
       "1 standby(s) streaming, expected at least 2"},
      {"catching up is not streaming",
       with([](Settings& s) { s.min_standbys = 1; }),
       {{"replica3", "catchup", {}, {}, {}, {}}},
       {},
       "0 standby(s) streaming, expected at least 1"},
      {"enough", with([](Settings& s) { s.min_standbys = 2; }), {caught_up, behind}, {}, ""},
      {"lag seconds",
       with([](Settings& s) { s.replication_lag_warn = 5s; }),
       {caught_up, behind},
       {},
       "standby replica2 (streaming): write 0.5 s, flush 0.6 s, replay 12.3 s, 3 MiB behind "
       "(replay lag warning at 5s)"},
      {"lag seconds under",
       with([](Settings& s) { s.replication_lag_warn = 20s; }),
       {behind},
       {},
       ""},
      {"lag bytes",
       with([](Settings& s) { s.replication_lag_bytes_warn = 1 * MiB; }),
       {caught_up, behind},
       {},
       "standby replica2 (streaming): write 0.5 s, flush 0.6 s, replay 12.3 s, 3 MiB behind "
       "(byte lag warning at 1 MiB)"},
      {"slot",
       with([](Settings& s) { s.slot_retained_warn = 16 * MiB; }),
       {},
       {used, idle},
       "slot idle_slot (inactive) retains 48 MiB of WAL (warning at 16 MiB)"},
      {"slot under", with([](Settings& s) { s.slot_retained_warn = 64 * MiB; }), {}, {idle}, ""},
      // Without pg_monitor another user's standby shows state NULL: not "0 streaming".
      {"hidden",
       with([](Settings& s) { s.min_standbys = 1; }),
       {hidden},
       {},
       "cannot see the state of 1 standby(s): grant pg_monitor to this user (0 streaming seen)"},
      {"hidden before lag",
       with([](Settings& s) { s.replication_lag_bytes_warn = 1 * MiB; }),
       {behind, hidden},
       {},
       "cannot see the state of 1 standby(s): grant pg_monitor to this user (1 streaming seen)"},
      {"hidden does not matter to slots",
       with([](Settings& s) { s.slot_retained_warn = 64 * MiB; }),
       {hidden},
       {idle},
       ""},
  };
  for (const auto& c : cases) {
    Figures figures;
    figures.standbys = c.standbys;
    figures.slots = c.slots;
    Memory memory;
    auto out = evaluate(c.settings, figures, memory);
    EXPECT_EQ(out.replication ? out.replication->detail : "", c.detail) << c.what;
    if (out.replication) {
      EXPECT_EQ(out.replication->status, ProbeStatus::Degraded) << c.what;
      EXPECT_EQ(out.replication->failure,
                c.what.starts_with("hidden") ? FailureKind::Error : FailureKind::Threshold)
          << c.what;
    }
    EXPECT_FALSE(out.archive);
  }

  Settings settings;
  settings.slot_retained_warn = 1 * MiB;
  Figures figures;
  Memory memory;
  auto none = evaluate(settings, figures, memory);
  EXPECT_EQ(measurement(none.measurements, "postgres_standbys_streaming"), 0);
  EXPECT_EQ(measurement(none.measurements, "postgres_replication_slots_inactive"), 0);
  EXPECT_EQ(measurement(none.measurements, "postgres_standby_replay_lag_seconds"), -1);
  EXPECT_EQ(measurement(none.measurements, "postgres_standby_replay_lag_bytes"), -1);
  EXPECT_EQ(measurement(none.measurements, "postgres_replication_slot_retained_bytes"), -1);

  figures.standbys = {caught_up, behind};
  figures.slots = {idle, used};
  auto some = evaluate(settings, figures, memory);
  EXPECT_EQ(measurement(some.measurements, "postgres_standbys_streaming"), 2);
  EXPECT_EQ(measurement(some.measurements, "postgres_standby_replay_lag_seconds"), 12.3);
  EXPECT_EQ(measurement(some.measurements, "postgres_standby_replay_lag_bytes"), 3.0 * MiB);
  EXPECT_EQ(measurement(some.measurements, "postgres_replication_slots_inactive"), 1);
  EXPECT_EQ(measurement(some.measurements, "postgres_replication_slot_retained_bytes"), 48.0 * MiB);

  figures.in_recovery = true;  // replication is judged on the primary only
  auto standby = evaluate(settings, figures, memory);
  EXPECT_FALSE(standby.replication);
  EXPECT_TRUE(standby.measurements.empty());
}

TEST(PostgresWalFigures, RowParsesAndTheQueryAsksOnlyWhatIsNeeded) {
  std::vector<std::optional<std::string>> row = {
      "1700000000.5",
      "f",
      "on",
      "16777216",
      "67109120",
      "000000010000000000000003",
      "1699999000",
      std::nullopt,
      std::nullopt,
      "0",
      "42",
      R"([{"name":"replica1","state":"streaming","write_lag":0.1,"flush_lag":null,)"
      R"("replay_lag":null,"replay_bytes":2048}])",
      R"([{"name":"idle_slot","active":false,"retained":50331648},)"
      R"({"name":"new_slot","active":true,"retained":null}])"};
  auto figures = parse_figures(row);
  EXPECT_EQ(figures.now, 1700000000.5);
  EXPECT_FALSE(figures.in_recovery);
  EXPECT_EQ(figures.segment_size, 16 * MiB);
  EXPECT_EQ(figures.current_lsn, 0x4000000u + 256);
  EXPECT_EQ(figures.last_archived_wal, "000000010000000000000003");
  EXPECT_EQ(figures.last_archived_time, 1699999000);
  EXPECT_FALSE(figures.last_failed_time);
  EXPECT_EQ(figures.rows_written, 42u);
  ASSERT_EQ(figures.standbys.size(), 1u);
  EXPECT_EQ(figures.standbys[0].name, "replica1");
  EXPECT_EQ(figures.standbys[0].write_lag, 0.1);
  EXPECT_FALSE(figures.standbys[0].replay_lag);
  EXPECT_EQ(figures.standbys[0].replay_bytes, 2048u);
  ASSERT_EQ(figures.slots.size(), 2u);
  EXPECT_FALSE(figures.slots[0].active);
  EXPECT_EQ(figures.slots[0].retained_bytes, 48 * MiB);
  EXPECT_FALSE(figures.slots[1].retained_bytes);
  EXPECT_THROW(parse_figures({"1", "f"}), std::runtime_error);

  Settings archive_only;
  archive_only.archive_rpo = 1min;
  EXPECT_EQ(figures_sql(archive_only).find("pg_stat_replication"), std::string::npos);
  Settings replication;
  replication.min_standbys = 1;
  EXPECT_NE(figures_sql(replication).find("pg_replication_slots"), std::string::npos);
}

TEST(PostgresWalSettings, KeysAreReadAndChecked) {
  auto probe = testing::probe_from_yaml("postgres",
                                        "host: 127.0.0.1\narchive_rpo: 5m\nmin_standbys: 1\n"
                                        "replication_lag_warn: 30s\n"
                                        "replication_lag_bytes_warn: 64MiB\n"
                                        "slot_retained_warn: 1GiB\n");
  EXPECT_EQ(probe->kind(), "postgres");
  EXPECT_THROW(testing::probe_from_yaml("postgres", "host: h\narchive_rpo: 0s\n"),
               config::ConfigError);
  EXPECT_THROW(testing::probe_from_yaml("postgres", "host: h\nmin_standbys: -1\n"),
               config::ConfigError);
  EXPECT_THROW(testing::probe_from_yaml("postgres", "host: h\nslot_retained_warn: lots\n"),
               config::ConfigError);
  // A warning at 0 would always warn; the error names the key.
  for (const char* key :
       {"replication_lag_warn: 0s", "replication_lag_bytes_warn: 0KiB", "slot_retained_warn: 0B"}) {
    try {
      testing::probe_from_yaml("postgres", std::string("host: h\n") + key + "\n");
      ADD_FAILURE() << key << " was accepted";
    } catch (const config::ConfigError& error) {
      const std::string name = std::string(key).substr(0, std::string(key).find(':'));
      EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
    }
  }
}

}  // namespace
}  // namespace watchdog::probes::postgres_wal
