#pragma once
// Game days inside `watchdog run`: one thread that
//   - starts each `gamedays:` entry (config/gameday.h) at each start of its schedule
//     (ZonedCron::first_after) — on the leader only, one game day at a time, on a worker thread
//     of its own. A start that comes while this replica is not the leader, while another game
//     day (or a revert) runs, or that is seen more than kLateStart after its time (a suspended
//     host) is skipped with a log line, never queued: a game day at a surprising time is worse
//     than none;
//   - reverts game days that a crashed `watchdog gameday` (or daemon) left half done: once at
//     start, then every kResumeEvery while nothing runs (on the worker: start-up never waits);
//     on every replica, leader or not, since a fault left in place is the worse outcome (and
//     not within kResumeQuiet of a start, which would then find the worker busy);
//   - refreshes the game-day metrics every kTick (gameday_metrics.h: cheap unless the store
//     changed).
// stop() (daemon stopping) interrupts a running game day — the runner reverts and returns —
// and waits for it. A reload (start() again) replaces the schedule and the configuration the
// next game day runs with; a running one goes on with the one it started with.
//
// The due-time logic is pure (clock injected) and the work goes through Calls, so that tests run
// the loop with fakes; daemon_calls() is the production wiring (Runner, GamedayMetrics).
//
// Thread-safety: start/stop from one thread (the daemon's main thread).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "config/config.h"
#include "watchdog/gameday/result.h"

namespace watchdog::core {
class Metrics;
struct Plan;
}  // namespace watchdog::core

namespace watchdog::gameday {

inline constexpr std::chrono::minutes kLateStart{2};
inline constexpr std::chrono::seconds kResumeEvery{30};
inline constexpr std::chrono::seconds kTick{5};
inline constexpr std::chrono::minutes kResumeQuiet{1};  // no periodic resume this close to a start

// The starts of `schedule` in (after, now]: the latest, and how many earlier ones it passed
// over (a loop that slept past several; they are skipped, not run).
struct DueStart {
  std::optional<TimePoint> latest;
  int passed_over = 0;
};
DueStart due_start(const config::ZonedCron& schedule, TimePoint after, TimePoint now);

enum class StartDecision { Run, NotLeader, Busy, TooLate };
StartDecision decide_start(TimePoint start, TimePoint now, bool leader, bool busy);
const char* skip_reason(StartDecision decision);  // "not the leader", … ("" for Run)

// The first start of any entry strictly after `after`, within a day (the loop wakes every kTick
// anyway; this only makes a start punctual).
std::optional<TimePoint> next_start(const std::vector<config::ScheduledGamedaySpec>& entries,
                                    TimePoint after);

// The running configuration as the scheduler sees it, rebuilt from the daemon's plan (which
// keeps each spec once, moved into its live objects): the settings, backups and `gamedays:`,
// every component with its probes' specs (timing; their kind options were dropped once read),
// and the alert sinks by name and kind (options dropped). Recovery actions are not in it. Enough
// for the schedule and the metrics; not for running a scenario (no probe options): the daemon's
// runs and resumes read the whole file (daemon_calls' ConfigLoader).
config::Config gameday_config(const core::Plan& plan);

class GamedayScheduler {
 public:
  struct Calls {
    // Runs one scheduled game day to its end (trigger "schedule"); `interrupted` turns true
    // when the daemon stops. May throw (logged as a failed game day).
    std::function<Result(const config::Config&, const config::ScheduledGamedaySpec&,
                         const std::function<bool()>& interrupted)>
        run;
    // Reverts what interrupted game days left; returns how many. May throw (logged).
    std::function<int(const config::Config&, const std::function<bool()>& interrupted)> resume;
    // Brings the metrics up to date with the store (every kTick); `components`: the configured
    // ones (a removed one's series go). Must not throw.
    std::function<void(const config::Config&, const std::set<std::string>& components)> refresh;
  };
  // The whole configuration, options included, as a game day needs it (the daemon's file read
  // again). Throws config::ConfigError.
  using ConfigLoader = std::function<config::Config()>;
  // The production wiring: Runner with the config's state_dir, progress as log lines, results
  // into GamedayMetrics registered on `metrics` (which must outlive the scheduler). Runs and
  // resumes use `load_config()`'s configuration (empty: the one start() was given); when it
  // cannot be read, a run is skipped and a resume waits for the next turn, each with a log line.
  static Calls daemon_calls(core::Metrics& metrics, ConfigLoader load_config = {});

  // is_leader: whether this replica may start a scheduled game day; empty = always.
  // clock: the wall clock (tests); empty = system_clock::now.
  GamedayScheduler(Calls calls, std::function<bool()> is_leader = {},
                   std::function<TimePoint()> clock = {});
  ~GamedayScheduler();
  GamedayScheduler(const GamedayScheduler&) = delete;
  GamedayScheduler& operator=(const GamedayScheduler&) = delete;

  // First call: starts the thread (resume, metrics); later calls (SIGHUP) replace the config.
  // `components`: the configured components' names, for the metrics; without it, those of
  // `config.components` (the daemon passes a config without component specs: 0.8 KB each).
  void start(const config::Config& config);
  void start(const config::Config& config, std::set<std::string> components);
  void stop();
  bool busy() const { return busy_; }  // a game day or a resume runs

 private:
  void loop();
  void tick(TimePoint now, bool first);
  // Runs `work` on the worker thread (the previous one has finished: busy_ was false).
  void launch(std::function<void()> work);
  void run_scheduled(std::shared_ptr<const config::Config> config,
                     const config::ScheduledGamedaySpec& entry);

  Calls calls_;
  std::function<bool()> is_leader_;
  std::function<TimePoint()> clock_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::shared_ptr<const config::Config> config_;             // guarded by mutex_
  std::shared_ptr<const std::set<std::string>> components_;  // guarded by mutex_
  std::atomic<bool> stopping_{false};
  std::atomic<bool> busy_{false};
  TimePoint checked_until_{};  // starts up to here were handled (loop thread only)
  std::chrono::steady_clock::time_point last_resume_{};
  std::thread thread_;
  std::thread worker_;
};

}  // namespace watchdog::gameday
