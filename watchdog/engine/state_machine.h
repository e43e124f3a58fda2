#pragma once
// The per-component state machine: a pure reducer. step(component, input, now) updates the
// component's counters and returns what changed and what to do next. No I/O, no clock reads,
// no threads — the engine feeds it and carries out its decisions, and the tests drive it with
// tables of inputs.
//
// States (DESIGN.md):
//   HEALTHY     every probe's verdict is Ok
//   DEGRADED    a probe warns (or a non-critical component's probe fails), no action
//   CRITICAL    a probe of a critical component fails: recovery due
//   RECOVERING  an action ran or is running; waiting to verify, or backing off before the next
//   FAILED      gave up: the incident's max_attempts used up, no rung fits the failure, or the
//               flap guard (max_incidents within `window`); left when probes pass again (or reset)
//
// The ladder belongs to the incident: each recovery episode (an incident, or a relapse after a
// recovery that left the component DEGRADED) starts at rung 1 and climbs only the rungs whose
// `when` fits the failure kinds of the failing probes; rungs that do not fit are skipped with a
// reason. The flap guard ends FAILED for a component that needs recovery again and again.
//
// Per probe, consecutive results turn into a verdict: failure_threshold results in a row at a
// level (warn or fail) set the verdict to that level; success_threshold better results in a
// row raise it again. After an action the verdicts of the component's probes are cleared to
// Pending so that only results taken after the action count as verification.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "watchdog/engine/flapping.h"
#include "watchdog/state.h"

namespace watchdog::core {

// One probe result as the state machine sees it.
enum class Level { Ok, Warn, Fail };

enum class Verdict { Pending, Ok, Warn, Fail };

struct ProbeTrack {
  std::string name;
  int failure_threshold = 3;
  int success_threshold = 2;
  Verdict verdict = Verdict::Ok;  // optimistic at start: a healthy first result changes nothing
  int ok_streak = 0;              // consecutive Ok results
  int not_fail_streak = 0;        // consecutive Ok-or-Warn results
  int bad_streak = 0;             // consecutive Warn-or-Fail results
  int fail_streak = 0;            // consecutive Fail results
  std::string last_detail;        // detail of the latest result (safe to log)
  std::string last_failure;       // failure kind of the latest non-passing result ("timeout")
};

// One rung of the ladder as the state machine sees it.
struct Rung {
  std::string name;
  // Failure kinds this rung is for ("not_found", "corrupt"); empty = any failure. A rung fits
  // when every failing probe's kind is listed: a restore never runs because one probe of
  // several saw a missing database while another only timed out.
  std::vector<std::string> when;
  // Can destroy data (a restore with replace): runs at most once per recovery episode — if it
  // did not cure the failure, repeating it only replaces the safety copy it took.
  bool destructive = false;
};

struct RecoveryPolicy {
  std::vector<Rung> ladder;  // empty = alert only, never act
  int max_attempts = 3;      // per recovery episode
  int max_incidents = 3;     // episodes within `window`; one more ends FAILED (flap guard)
  Duration backoff{10000};
  Duration max_backoff{300000};
  Duration window{3600000};
  Duration verify_timeout{120000};
};

// Where a component is in its recovery cycle (only meaningful while RECOVERING). Settling:
// the watchdog restarted while an action ran; until that action's own timeout has passed,
// passing results recover the component and failing ones are not held against it.
enum class Phase { Idle, Acting, Verifying, BackingOff, Settling };

struct Component {
  std::string name;
  bool critical = true;
  RecoveryPolicy policy;
  std::vector<ProbeTrack> probes;

  State state = State::Healthy;
  TimePoint since{};        // when `state` was entered
  std::string incident_id;  // set while not HEALTHY
  Phase phase = Phase::Idle;
  TimePoint phase_deadline{};                // verify timeout or end of back-off
  TimePoint verify_since{};                  // when the current verification began
  int attempts = 0;                          // attempts of the current recovery episode
  std::size_t next_rung = 0;                 // where the episode's ladder climb goes on
  std::vector<TimePoint> episode_starts;     // first attempts of episodes inside `window`
  std::vector<std::size_t> destructive_ran;  // destructive rungs run in this episode
  // Why no action may start now ("" = free): a failing dependency, a pause or maintenance
  // window, another replica holding the leader lock. Set through HoldChanged.
  std::string hold;
  // Flap detection (flapping.h): every transition is noted, probe results and ticks age it.
  // Alerting only: a flapping component is recovered as any other (the flap guard above is
  // what stops restart loops).
  FlapPolicy flap_policy;
  FlapTrack flap;
};

// Inputs.
struct ProbeReported {
  std::size_t probe = 0;  // index into Component::probes
  Level level = Level::Ok;
  std::string detail;
  // When the check began. A check that began before the current verification started says
  // nothing about the action's effect: its result is recorded but not counted.
  std::optional<TimePoint> started;
  std::string failure = "none";  // failure kind name (probes::to_string(FailureKind))
};
struct ActionFinished {
  bool ok = false;
  std::string detail;
  // Failed while this replica's leader tenure had ended (killed, stopped between steps, or never
  // started because a hold came while it was queued): the attempt — and a harmless rung — is
  // given back and it never ends the episode FAILED: the new leader is the one recovering now,
  // and this replica may lead again later in the same episode.
  bool withdrawn = false;
};
struct Tick {};  // time passed: back-off and verify deadlines
struct OperatorReset {
};  // `watchdog reset`: FAILED → probing again, attempts and flap guard cleared
// An operator asked to recover now (`POST …/recover`): a CRITICAL component whose probes have
// decided (not Pending after a reset or a released hold), or one backing off between attempts,
// starts its next attempt at once. Holds, the ladder, the attempt budget and the flap guard
// apply as always; any other state is left alone.
struct OperatorRecover {};
// The engine's view of what holds actions back changed. While held, a CRITICAL component stays
// CRITICAL without acting; when the hold lifts, its verdicts are cleared so that fresh results
// decide before anything is done ("re-probed before it is acted on").
struct HoldChanged {
  std::string hold;  // "" = released
};
// The watchdog restarted and restored this component from the state store. An action that was
// running when the process died may have finished or may still be running: the component is
// verified by probes, never acted on again just because the watchdog restarted. `settle_until`
// is when that orphaned action's own timeout ends: the component settles until then, and is
// verified (verify_timeout) after.
struct Resumed {
  TimePoint settle_until;
};

// Outputs.
struct Transition {
  State from;
  State to;
  std::string reason;  // safe one line: "api-http: connection refused"
  std::string incident_id;
  int attempt = 0;  // attempts of the recovery episode when the transition happened
};
struct RunAction {
  int rung = 0;        // index into the ladder
  std::string action;  // the rung's name, to check it still is that rung when it starts
  int attempt = 1;     // 1-based attempt number of the episode
  std::string reason;
};
// A rung the ladder passed over because its `when` does not fit the failure.
struct SkippedRung {
  int rung = 0;
  std::string reason;  // "skipped restore-db: failure was timeout, rung needs not_found|corrupt"
};
struct StepResult {
  std::vector<Transition> transitions;  // in order (CRITICAL then RECOVERING, say)
  std::vector<SkippedRung> skipped;     // before run_action (or before giving up)
  std::optional<RunAction> run_action;
  bool reprobe = false;            // verdicts were cleared: run every probe now
  FlapEdge flap = FlapEdge::None;  // the component started or stopped flapping in this step
};

StepResult step(Component& component, const ProbeReported& input, TimePoint now);
StepResult step(Component& component, const ActionFinished& input, TimePoint now);
StepResult step(Component& component, const Tick& input, TimePoint now);
StepResult step(Component& component, const OperatorReset& input, TimePoint now);
StepResult step(Component& component, const OperatorRecover& input, TimePoint now);
StepResult step(Component& component, const HoldChanged& input, TimePoint now);
StepResult step(Component& component, const Resumed& input, TimePoint now);

// The health the verdicts imply, or nothing while a probe is still Pending (and none fails):
// after a reset, a released hold or an action, until fresh results have decided.
std::optional<State> decided_health(const Component& component);
// The health that the probe verdicts alone imply (ignores recovery). Pending counts as Ok for
// this purpose only when no probe is Warn/Fail.
State health_of(const Component& component);
// Whether a probe should be re-checked at recheck_interval instead of its interval: it has
// started failing/recovering but its threshold has not decided yet, or the component is
// verifying an action.
bool wants_fast_recheck(const Component& component, std::size_t probe);
// The next moment a Tick can change something (back-off end, verify deadline), if any.
std::optional<TimePoint> next_deadline(const Component& component);

// The failure kinds of the probes that fail now, sorted and unique ("refused", "timeout").
std::vector<std::string> failure_causes(const Component& component);
// A probe reports a stop on purpose (failure kind "stopped": docker stop, scaled to 0). It
// explains the other probes' failures (the HTTP check of a stopped container fails too): the
// component is DEGRADED, not CRITICAL — nothing acts, nothing pages FAILED.
bool planned_stop(const Component& component);

// Incident ids are derived from the component and the time it left HEALTHY:
// "api-20261122T033500.123Z" (milliseconds: two incidents in one second stay apart).
std::string make_incident_id(const std::string& component, TimePoint at);

}  // namespace watchdog::core
