#include "watchdog/gameday/gameday_scheduler.h"

#include <spdlog/spdlog.h>

#include "config/time_text.h"
#include "config/time_zone.h"
#include "watchdog/logging.h"
#include "watchdog/plan.h"
#include "watchdog/thread_name.h"

namespace watchdog::gameday {
namespace {

using logging::kv;

// Bounds the walk over starts that passed at once (a minutely schedule after a long suspend).
constexpr int kMaxStartsCounted = 10000;

std::string start_text(TimePoint at) { return config::format_rfc3339(at); }

}  // namespace

DueStart due_start(const config::ZonedCron& schedule, TimePoint after, TimePoint now) {
  DueStart due;
  if (now <= after) return due;
  const auto gap = std::chrono::ceil<std::chrono::days>(now - after) + std::chrono::days(1);
  auto start = schedule.first_after(after, gap);
  int seen = 0;
  while (start && start->at <= now && seen < kMaxStartsCounted) {
    due.latest = start->at;
    ++seen;
    start = schedule.first_after(start->at, gap);
  }
  due.passed_over = seen > 0 ? seen - 1 : 0;
  return due;
}

StartDecision decide_start(TimePoint start, TimePoint now, bool leader, bool busy) {
  if (now - start > kLateStart) return StartDecision::TooLate;
  if (!leader) return StartDecision::NotLeader;
  if (busy) return StartDecision::Busy;
  return StartDecision::Run;
}

const char* skip_reason(StartDecision decision) {
  switch (decision) {
    case StartDecision::Run:
      return "";
    case StartDecision::NotLeader:
      return "not the leader";
    case StartDecision::Busy:
      return "another game day or revert is running";
    case StartDecision::TooLate:
      return "seen too late (the host was suspended or the clock jumped)";
  }
  return "";
}

std::optional<TimePoint> next_start(const std::vector<config::ScheduledGamedaySpec>& entries,
                                    TimePoint after) {
  std::optional<TimePoint> next;
  for (const auto& entry : entries) {
    const auto start = entry.schedule.first_after(after, std::chrono::days(1));
    if (start && (!next || start->at < *next)) next = start->at;
  }
  return next;
}

config::Config gameday_config(const core::Plan& plan) {
  config::Config config = plan.config;
  for (const auto& component : plan.components) {
    auto spec = component.spec;
    for (const auto& probe : component.probes) spec.probes.push_back(probe.spec);
    config.components.push_back(std::move(spec));
  }
  for (const auto& sink : plan.alerts) {
    config.alerts.push_back({sink->name(), std::string(sink->kind()), {}});
  }
  return config;
}

GamedayScheduler::GamedayScheduler(Calls calls, std::function<bool()> is_leader,
                                   std::function<TimePoint()> clock)
    : calls_(std::move(calls)), is_leader_(std::move(is_leader)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return Clock::now(); };
}

GamedayScheduler::~GamedayScheduler() { stop(); }

void GamedayScheduler::start(const config::Config& config) {
  std::set<std::string> components;
  for (const auto& component : config.components) components.insert(component.name);
  start(config, std::move(components));
}

void GamedayScheduler::start(const config::Config& config, std::set<std::string> components) {
  auto shared = std::make_shared<const config::Config>(config);
  auto names = std::make_shared<const std::set<std::string>>(std::move(components));
  for (const auto& entry : config.gamedays) {
    spdlog::info("gameday_schedule {} {} {}", kv("scenario", entry.scenario),
                 kv("component", entry.component),
                 kv("schedule", entry.schedule_text + " " + entry.schedule.zone->name()));
  }
  {
    std::lock_guard lock(mutex_);
    config_ = std::move(shared);
    components_ = std::move(names);
  }
  wake_.notify_all();
  if (thread_.joinable()) return;  // a reload: the loop reads the new config at its next turn
  stopping_ = false;
  checked_until_ = clock_();  // starts before this one were missed while down: not caught up
  thread_ = std::thread([this] {
    name_this_thread("wd-gameday");
    loop();
  });
}

void GamedayScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (worker_.joinable()) worker_.join();  // the runner sees interrupted() and reverts
}

void GamedayScheduler::loop() {
  bool first = true;
  while (!stopping_) {
    const auto now = clock_();
    tick(now, first);
    first = false;
    std::shared_ptr<const config::Config> config;
    {
      std::lock_guard lock(mutex_);
      config = config_;
    }
    // The clock may be a test's: wake at least every kTick to read it again.
    auto sleep = std::chrono::duration_cast<std::chrono::steady_clock::duration>(kTick);
    if (const auto next = next_start(config->gamedays, now); next && *next - now < sleep) {
      sleep = std::chrono::duration_cast<std::chrono::steady_clock::duration>(*next - now) +
              std::chrono::milliseconds(1);
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, sleep, [this] { return stopping_.load(); });
  }
}

void GamedayScheduler::tick(TimePoint now, bool first) {
  std::shared_ptr<const config::Config> config;
  std::shared_ptr<const std::set<std::string>> components;
  {
    std::lock_guard lock(mutex_);
    config = config_;
    components = components_;
  }
  if (calls_.refresh) calls_.refresh(*config, *components);
  if (now < checked_until_) checked_until_ = now;  // the clock stepped back: nothing is due
  for (const auto& entry : config->gamedays) {
    const auto due = due_start(entry.schedule, checked_until_, now);
    if (!due.latest) continue;
    if (due.passed_over > 0) {
      spdlog::warn("gameday_starts_skipped {} {} {}", kv("scenario", entry.scenario),
                   kv("component", entry.component), kv("count", std::to_string(due.passed_over)));
    }
    const bool leader = !is_leader_ || is_leader_();
    const auto decision = decide_start(*due.latest, now, leader, busy_);
    if (decision != StartDecision::Run) {
      spdlog::warn("gameday_start_skipped {} {} {} {}", kv("scenario", entry.scenario),
                   kv("component", entry.component), kv("start", start_text(*due.latest)),
                   kv("why", skip_reason(decision)));
      continue;
    }
    launch([this, config, entry] { run_scheduled(config, entry); });
  }
  checked_until_ = now;
  // Reverting what a crashed run left: at start, then whenever nothing runs for a while — but
  // not just before a start, which would find the worker busy and be skipped.
  const auto steady = std::chrono::steady_clock::now();
  const auto next = next_start(config->gamedays, now);
  const bool start_near = next && *next - now < kResumeQuiet;
  if (calls_.resume && !busy_ &&
      (first || (steady - last_resume_ >= kResumeEvery && !start_near))) {
    last_resume_ = steady;
    launch([this, config] {
      try {
        const int reverted = calls_.resume(*config, [this] { return stopping_.load(); });
        if (reverted > 0) {
          spdlog::warn("gameday_resumed {}", kv("reverted", std::to_string(reverted)));
        }
      } catch (const std::exception& error) {
        spdlog::error("gameday_resume_failed {}", kv("error", error.what()));
      }
    });
  }
}

void GamedayScheduler::launch(std::function<void()> work) {
  if (worker_.joinable()) worker_.join();  // finished: busy_ was false
  busy_ = true;
  worker_ = std::thread([this, work = std::move(work)] {
    work();
    busy_ = false;
  });
}

void GamedayScheduler::run_scheduled(std::shared_ptr<const config::Config> config,
                                     const config::ScheduledGamedaySpec& entry) {
  spdlog::info("gameday_scheduled_start {} {}", kv("scenario", entry.scenario),
               kv("component", entry.component));
  try {
    const auto result = calls_.run(*config, entry, [this] { return stopping_.load(); });
    if (result.passed) {
      spdlog::info("gameday_passed {} {} {} {}", kv("scenario", entry.scenario),
                   kv("component", entry.component), kv("id", result.id),
                   kv("outcome", outcome_name(result.outcome)));
      return;
    }
    std::string failed;
    for (const auto& check : result.checks) {
      if (!check.passed) failed += (failed.empty() ? "" : "; ") + check.what + ": " + check.detail;
    }
    spdlog::error("gameday_failed {} {} {} {} {} {}", kv("scenario", entry.scenario),
                  kv("component", entry.component), kv("id", result.id),
                  kv("outcome", outcome_name(result.outcome)), kv("incident", result.incident_id),
                  kv("failed", failed));
  } catch (const std::exception& error) {
    spdlog::error("gameday_failed {} {} {}", kv("scenario", entry.scenario),
                  kv("component", entry.component), kv("error", error.what()));
  }
}

}  // namespace watchdog::gameday
