// Scheduled game days: the due-time logic (pure, clock injected), then the loop with fake calls —
// a start runs once on the leader, is skipped when not leading or busy, stop interrupts a run,
// and interrupted runs are resumed at start.
#include "watchdog/gameday/gameday_scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "config/loader.h"
#include "config/time_text.h"
#include "config/time_zone.h"
#include "tests/support/temp_dir.h"
#include "watchdog/plan.h"

namespace watchdog::gameday {
namespace {

using namespace std::chrono_literals;

TimePoint at(const char* text) { return *config::parse_rfc3339(text); }

config::ZonedCron cron(const char* text, const char* zone = "UTC") {
  return {std::make_shared<const config::CronSchedule>(config::CronSchedule::parse(text)),
          std::string(zone) == "UTC" ? config::TimeZone::utc() : config::TimeZone::load(zone)};
}

config::ScheduledGamedaySpec entry(const char* scenario, const char* schedule,
                                   const char* zone = "UTC") {
  return {scenario, "postgres", schedule, cron(schedule, zone)};
}

TEST(GamedaySchedule, DueStartInTheWindow) {
  const auto weekly = cron("0 10 * * 3");  // Wednesdays 10:00; 2026-12-09 is one
  const struct {
    const char* after;
    const char* now;
    std::optional<const char*> latest;
    int passed_over;
  } cases[] = {
      {"2026-12-09T09:59:55Z", "2026-12-09T10:00:00Z", "2026-12-09T10:00:00Z", 0},  // on the dot
      {"2026-12-09T09:59:55Z", "2026-12-09T10:00:03Z", "2026-12-09T10:00:00Z", 0},
      {"2026-12-09T10:00:00Z", "2026-12-09T10:00:05Z", std::nullopt, 0},  // handled already
      {"2026-12-09T09:59:50Z", "2026-12-09T09:59:55Z", std::nullopt, 0},
      {"2026-12-01T00:00:00Z", "2026-12-16T10:30:00Z", "2026-12-16T10:00:00Z", 2},  // slept
      {"2026-12-09T10:00:05Z", "2026-12-09T10:00:00Z", std::nullopt, 0},  // clock stepped back
  };
  for (const auto& c : cases) {
    const auto due = due_start(weekly, at(c.after), at(c.now));
    if (c.latest) {
      EXPECT_EQ(due.latest, at(*c.latest)) << c.after << " " << c.now;
    } else {
      EXPECT_FALSE(due.latest.has_value()) << c.after << " " << c.now;
    }
    EXPECT_EQ(due.passed_over, c.passed_over) << c.after << " " << c.now;
  }
  // Local minutes in the schedule's zone: 10:00 in Berlin is 09:00 UTC in winter.
  const auto berlin = cron("0 10 * * 3", "Europe/Berlin");
  EXPECT_EQ(due_start(berlin, at("2026-12-09T08:59:58Z"), at("2026-12-09T09:00:01Z")).latest,
            at("2026-12-09T09:00:00Z"));
}

TEST(GamedaySchedule, DecideStart) {
  const auto start = at("2026-12-09T10:00:00Z");
  const struct {
    std::chrono::seconds late;
    bool leader;
    bool busy;
    StartDecision decision;
  } cases[] = {
      {0s, true, false, StartDecision::Run},       {119s, true, false, StartDecision::Run},
      {121s, true, false, StartDecision::TooLate}, {0s, false, false, StartDecision::NotLeader},
      {0s, true, true, StartDecision::Busy},       {0s, false, true, StartDecision::NotLeader},
      {300s, false, true, StartDecision::TooLate},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(decide_start(start, start + c.late, c.leader, c.busy), c.decision)
        << c.late.count() << " " << c.leader << " " << c.busy;
  }
  EXPECT_STREQ(skip_reason(StartDecision::NotLeader), "not the leader");
  EXPECT_STREQ(skip_reason(StartDecision::Run), "");
}

TEST(GamedaySchedule, NextStartOfAnyEntry) {
  const std::vector<config::ScheduledGamedaySpec> entries = {entry("a", "0 10 * * *"),
                                                             entry("b", "30 9 * * *")};
  EXPECT_EQ(next_start(entries, at("2026-12-09T09:00:00Z")), at("2026-12-09T09:30:00Z"));
  EXPECT_EQ(next_start(entries, at("2026-12-09T09:30:00Z")), at("2026-12-09T10:00:00Z"));
  EXPECT_FALSE(next_start({}, at("2026-12-09T09:00:00Z")).has_value());
}

TEST(GamedayConfig, RebuiltFromTheRunningPlan) {
  const auto plan = core::build_plan(
      config::load_config_text("components:\n"
                               "  - name: postgres\n"
                               "    rto: 15m\n"
                               "    probes:\n"
                               "      - {name: p, kind: tcp, host: 127.0.0.1, port: 1, interval: "
                               "10s, failure_threshold: 2}\n"
                               "alerts:\n"
                               "  - {name: ops, kind: webhook, url: \"http://127.0.0.1:9/hook\"}\n",
                               "test.yaml"));
  ASSERT_TRUE(plan.config.components.empty());  // why it is rebuilt
  const auto config = gameday_config(plan);
  ASSERT_EQ(config.components.size(), 1u);
  EXPECT_EQ(config.components[0].name, "postgres");
  EXPECT_EQ(config.components[0].rto, 15min);
  ASSERT_EQ(config.components[0].probes.size(), 1u);
  EXPECT_EQ(config.components[0].probes[0].timing.interval, 10s);
  EXPECT_EQ(config.components[0].probes[0].timing.failure_threshold, 2);
  ASSERT_EQ(config.alerts.size(), 1u);
  EXPECT_EQ(config.alerts[0].name, "ops");
  EXPECT_EQ(config.alerts[0].kind, "webhook");
}

// The loop, with a clock the test moves and calls that record what they were asked.
class GamedaySchedulerLoop : public ::testing::Test {
 protected:
  GamedaySchedulerLoop() {
    calls_.run = [this](const config::Config&, const config::ScheduledGamedaySpec& e,
                        const std::function<bool()>& interrupted) {
      {
        std::lock_guard lock(mutex_);
        runs_.push_back(e.scenario);
      }
      while (hold_runs_ && !interrupted()) std::this_thread::sleep_for(10ms);
      Result r;
      r.scenario = e.scenario;
      r.passed = !interrupted();
      if (interrupted()) interrupted_runs_++;
      return r;
    };
    calls_.resume = [this](const config::Config&, const std::function<bool()>&) {
      resumes_++;
      return 0;
    };
    calls_.refresh = [this](const config::Config&, const std::set<std::string>&) { refreshes_++; };
  }

  std::unique_ptr<GamedayScheduler> scheduler(bool leader = true) {
    leader_ = leader;
    return std::make_unique<GamedayScheduler>(
        calls_, [this] { return leader_.load(); },
        [this] { return TimePoint(std::chrono::milliseconds(now_ms_.load())); });
  }

  void set_now(TimePoint now) { now_ms_ = config::epoch_ms(now); }
  std::vector<std::string> runs() {
    std::lock_guard lock(mutex_);
    return runs_;
  }

  config::Config config_;
  GamedayScheduler::Calls calls_;
  std::atomic<std::int64_t> now_ms_{0};
  std::atomic<bool> leader_{true};
  std::atomic<bool> hold_runs_{false};
  std::atomic<int> resumes_{0};
  std::atomic<int> refreshes_{0};
  std::atomic<int> interrupted_runs_{0};
  std::mutex mutex_;
  std::vector<std::string> runs_;
};

TEST_F(GamedaySchedulerLoop, RunsEachStartOnceAndResumesAtStart) {
  config_.gamedays = {entry("database-stopped", "0 10 * * *"), entry("redis-down", "0 10 * * *")};
  set_now(at("2026-12-09T09:59:59.500Z"));
  auto s = scheduler();
  s->start(config_);
  ASSERT_TRUE(testing::wait_until([&] { return resumes_ == 1 && refreshes_ >= 1; }, 5s));
  EXPECT_TRUE(runs().empty());
  // The first game day still runs when the loop looks at the second (a fake run that returned
  // at once could end first on a slow machine, e.g. under TSan, and let the second start).
  hold_runs_ = true;
  set_now(at("2026-12-09T10:00:00.200Z"));
  ASSERT_TRUE(testing::wait_until([&] { return !runs().empty(); }, 5s));
  std::this_thread::sleep_for(300ms);
  // Both were due at 10:00: one game day at a time, the second start is skipped, not queued.
  EXPECT_EQ(runs(), std::vector<std::string>{"database-stopped"});
  set_now(at("2026-12-09T10:00:30Z"));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(runs().size(), 1u);
  s->stop();
  EXPECT_EQ(resumes_, 1);  // the periodic resume waits kResumeEvery of real time
}

TEST_F(GamedaySchedulerLoop, NotTheLeaderSkipsTheStart) {
  config_.gamedays = {entry("database-stopped", "0 10 * * *")};
  set_now(at("2026-12-09T09:59:59.800Z"));
  auto s = scheduler(/*leader=*/false);
  s->start(config_);
  ASSERT_TRUE(testing::wait_until([&] { return resumes_ == 1; }, 5s));  // every replica reverts
  set_now(at("2026-12-09T10:00:00.100Z"));
  std::this_thread::sleep_for(500ms);
  leader_ = true;  // leadership won after the start: that start stays skipped
  set_now(at("2026-12-09T10:00:02Z"));
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(runs().empty());
  s->stop();
}

TEST_F(GamedaySchedulerLoop, StopInterruptsARunningGameDay) {
  hold_runs_ = true;
  config_.gamedays = {entry("database-stopped", "0 10 * * *")};
  set_now(at("2026-12-09T09:59:59.800Z"));
  auto s = scheduler();
  s->start(config_);
  set_now(at("2026-12-09T10:00:00.100Z"));
  ASSERT_TRUE(testing::wait_until([&] { return !runs().empty(); }, 5s));
  EXPECT_TRUE(s->busy());
  s->stop();  // returns once the run saw interrupted() and returned
  EXPECT_EQ(interrupted_runs_, 1);
  EXPECT_FALSE(s->busy());
}

TEST_F(GamedaySchedulerLoop, AReloadReplacesTheSchedule) {
  config_.gamedays = {entry("database-stopped", "0 10 * * *")};
  set_now(at("2026-12-09T09:59:59Z"));
  auto s = scheduler();
  s->start(config_);
  ASSERT_TRUE(testing::wait_until([&] { return resumes_ == 1; }, 5s));
  config_.gamedays = {entry("redis-down", "0 10 * * *")};
  s->start(config_);
  std::this_thread::sleep_for(100ms);
  set_now(at("2026-12-09T10:00:00.100Z"));
  ASSERT_TRUE(testing::wait_until([&] { return !runs().empty(); }, 7s));
  EXPECT_EQ(runs(), std::vector<std::string>{"redis-down"});
  s->stop();
}

}  // namespace
}  // namespace watchdog::gameday
