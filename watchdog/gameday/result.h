#pragma once
// What one game day found: the figures measured from the daemon's own journal and outbox, the
// expectations judged against the component's targets, and the timeline. Pure data: measure.h
// fills it, report.h renders it (Markdown, JSON), the store keeps it as JSON.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "watchdog/gameday/scenario.h"

namespace watchdog::gameday {

using std::chrono::milliseconds;

// How the wait for the watchdog's answer ended.
enum class Outcome {
  Recovered,    // HEALTHY again after the fault (by its own actions, or after the revert)
  Failed,       // the component ended FAILED: recovery gave up
  Detected,     // an incident was seen (Detect scenarios: the revert mends it)
  Undetected,   // no incident opened before the timeout
  TimedOut,     // an incident opened but was still open at the timeout
  Interrupted,  // SIGINT/SIGTERM/stop before the outcome
  Error,        // a scenario step failed (the reason says which)
  NotRun,       // nothing was injected: a dry run (the plan is in the timeline), or refused
                // after prepare() (an incident opened meanwhile; the reason says so)
};
const char* outcome_name(Outcome outcome);

// A measured duration for checks, advice and reports: "350ms", "4.8s", "41s", "3m 02s",
// "2h 05m" (config/time_text.h's coarse_duration from a minute on). Negative: "-" + that.
std::string duration_text(milliseconds duration);

struct AlertFigure {
  std::string sink;
  std::string state;   // CRITICAL, RECOVERING, HEALTHY, FAILED, …
  std::string status;  // delivered | pending | failed | expired
  TimePoint queued;
  std::optional<TimePoint> finished;  // delivered (or given up) at
  std::optional<milliseconds> latency() const;
};

struct TimelineEntry {
  TimePoint at;
  std::string source;  // "gameday" (the runner and scenario) or "journal" (the daemon's)
  std::string text;
};

// One expectation, judged.
struct Check {
  std::string what;    // "recovered within the RTO (15m)"
  bool passed = false;
  std::string detail;  // "took 2m 41s, 12m 19s to spare"
};

// alert-sink-down: the alert sink `sink` was unreachable from `down` until `up` (none: it
// never came back). From the scenario's memory (sink, sink_down_at, sink_up_at).
struct SinkOutage {
  std::string sink;
  TimePoint down;
  std::optional<TimePoint> up;
};

struct Result {
  std::string id;  // gd-YYYYmmddTHHMMSSZ-<component>-<scenario>
  std::string scenario;
  std::string component;
  std::string trigger;  // "cli" or "schedule"
  bool staging = false;
  config::GamedayExpect expect = config::GamedayExpect::Recover;

  TimePoint started;
  std::optional<TimePoint> fault;     // inject() began (set once it returned)
  std::optional<TimePoint> reverted;  // revert() returned
  TimePoint ended;
  Outcome outcome = Outcome::Error;
  std::string reason;  // why it ended so ("recovery gave up after 3 attempts: …", a step error)

  // From the journal (the incident the fault opened).
  std::string incident_id;
  std::string worst_state;
  int attempts = 0;
  std::optional<TimePoint> first_failure;  // first failing probe result
  std::optional<TimePoint> detected;       // CRITICAL (or DEGRADED for a non-critical one)
  std::optional<TimePoint> first_action;   // first recovery action started
  std::optional<TimePoint> recovered;      // HEALTHY again (incident closed)

  // Targets and the settings that explain the figures.
  milliseconds rto{0};
  milliseconds probe_interval{0};  // the fastest probe of the component
  int failure_threshold = 0;

  std::vector<AlertFigure> alerts;
  std::optional<DataLoss> data_loss;
  std::optional<SinkOutage> sink_outage;
  std::vector<Check> checks;
  bool passed = false;  // every check passed
  std::vector<std::string> advice;  // what to improve, one line each
  std::vector<TimelineEntry> timeline;

  std::optional<milliseconds> time_to_detect() const;        // fault → detected
  std::optional<milliseconds> time_to_first_action() const;  // fault → first action
  std::optional<milliseconds> time_to_recover() const;       // fault → recovered
};

}  // namespace watchdog::gameday
