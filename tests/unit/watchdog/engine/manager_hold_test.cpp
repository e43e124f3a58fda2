// The pure decision of `managed_by`: the manager's latest answer × act_when_manager_down × its
// age × whether the component failed since → the hold reason ("" = free to act). A table.
#include <gtest/gtest.h>

#include "watchdog/engine/holds.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;

const TimePoint kNow = TimePoint{} + std::chrono::hours(1000);

config::ManagerSpec spec(bool act_when_down) {
  config::ManagerSpec manager;
  manager.kind = "patroni";
  manager.display = "http://127.0.0.1:8008";
  manager.interval = 10s;
  manager.act_when_manager_down = act_when_down;
  return manager;
}

ManagerReading reading(bool answered, bool alive, bool paused, Duration age,
                       std::string problem = "") {
  return {kNow - age, answered, alive, paused, std::move(problem)};
}

struct Case {
  const char* what;
  bool act_when_down;
  std::optional<ManagerReading> latest;
  std::optional<TimePoint> failing_since;
  std::string expected;
};

const std::string kUnreachable =
    "managed by patroni (http://127.0.0.1:8008), which is unreachable (refused or timed out)";
const std::string kDown = "managed by patroni (http://127.0.0.1:8008), which is down";
const std::string kNotKnown =
    "managed by patroni (http://127.0.0.1:8008), whose state is not known (an answer that is "
    "not patroni's: see the log): not acting";

ManagerReading not_known(std::string problem) {
  auto out = reading(false, false, false, 2s, std::move(problem));
  out.known = false;
  return out;
}

const Case kCases[] = {
    {"alive",
     false,
     reading(true, true, false, 2s),
     {},
     "managed by patroni (alive at http://127.0.0.1:8008): not acting"},
    {"alive, allowed to act when down", true, reading(true, true, false, 2s), kNow - 1s,
     "managed by patroni (alive at http://127.0.0.1:8008): not acting"},
    {"paused",
     false,
     reading(true, true, true, 2s),
     {},
     "managed by patroni (paused: an operator is at work)"},
    {"paused, allowed to act when down", true, reading(true, true, true, 2s), kNow - 1s,
     "managed by patroni (paused: an operator is at work)"},
    {"unreachable",
     false,
     reading(false, false, false, 2s, "Couldn't connect to server"),
     {},
     kUnreachable + "; act_when_manager_down is false"},
    {"answers but not alive",
     false,
     reading(true, false, false, 2s, "GET /liveness: HTTP 503"),
     {},
     kDown + "; act_when_manager_down is false"},
    {"unreachable, allowed", true, reading(false, false, false, 2s, "Couldn't connect to server"),
     kNow - 5s, ""},
    {"down, allowed, healthy component",
     true,
     reading(true, false, false, 2s, "GET /liveness: HTTP 503"),
     {},
     ""},
    {"unreachable, allowed, answer older than the failure", true,
     reading(false, false, false, 8s, "Couldn't connect to server"), kNow - 1s,
     kUnreachable + " at its last answer, before the failure: asking it again before acting"},
    {"no answer yet",
     false,
     std::nullopt,
     {},
     "managed by patroni (http://127.0.0.1:8008), which has not answered yet: not acting"},
    {"no answer yet, allowed", true, std::nullopt, kNow - 1s,
     "managed by patroni (http://127.0.0.1:8008), which has not answered yet: not acting"},
    {"stale alive",
     false,
     reading(true, true, false, 31s),
     {},
     "managed by patroni (http://127.0.0.1:8008), whose last answer is older than 30s "
     "(3 x interval): not acting"},
    {"stale down, allowed",
     true,
     reading(false, false, false, 31s, "Couldn't connect to server"),
     {},
     "managed by patroni (http://127.0.0.1:8008), whose last answer is older than 30s "
     "(3 x interval): not acting"},
    {"not known (TLS), allowed", true, not_known("SSL connect error"), kNow - 5s, kNotKnown},
    {"not known (401), allowed", true, not_known("GET /liveness: HTTP 401"), {}, kNotKnown},
    {"not known, not allowed", false, not_known("Couldn't resolve host name"), {}, kNotKnown},
    {"exactly 3 x interval is not stale",
     true,
     reading(false, false, false, 30s, "Couldn't connect to server"),
     {},
     ""},
};

TEST(ManagerHold, ReasonFollowsTheTable) {
  for (const auto& c : kCases) {
    EXPECT_EQ(manager_hold_reason(spec(c.act_when_down), c.latest, c.failing_since, kNow),
              c.expected)
        << c.what;
  }
}

// Alternating curl messages must not churn holds (each change is a log line, an incident note
// and a state-machine step).
TEST(ManagerHold, TheReasonDoesNotCarryTheChangingProblemText) {
  const auto refused = reading(false, false, false, 2s, "Couldn't connect to server");
  const auto timeout = reading(false, false, false, 2s, "Timeout was reached");
  EXPECT_EQ(manager_hold_reason(spec(false), refused, {}, kNow),
            manager_hold_reason(spec(false), timeout, {}, kNow));
  EXPECT_EQ(manager_hold_reason(spec(false), not_known("SSL connect error"), {}, kNow),
            manager_hold_reason(spec(false), not_known("GET /liveness: HTTP 502"), {}, kNow));
}

TEST(ManagerHold, TheReasonDoesNotChangeAsAStaleAnswerAges) {
  const auto old = reading(true, true, false, 40s);
  EXPECT_EQ(manager_hold_reason(spec(false), old, {}, kNow),
            manager_hold_reason(spec(false), old, {}, kNow + 1h));
}

// compute_holds: the manager's hold sits between a mute (which also mutes alerts) and a failing
// dependency; leadership still comes first. It never mutes.
HoldInput node(std::string name, State state, std::string manager = "",
               std::vector<std::string> deps = {}) {
  HoldInput in;
  in.name = std::move(name);
  in.state = state;
  in.incident_id = is_failing(state) ? in.name + "-1" : "";
  in.manager = std::move(manager);
  in.depends_on = std::move(deps);
  return in;
}

TEST(ManagerHold, ComputeHoldsOrder) {
  const std::string managed = "managed by patroni (alive at http://127.0.0.1:8008): not acting";
  auto db = node("db", State::Critical, managed, {"disk"});
  auto holds = compute_holds({node("disk", State::Critical), db}, true);
  EXPECT_EQ(holds[1].reason, managed) << "the manager's hold over a failing dependency";
  EXPECT_EQ(holds[1].root_cause, "disk") << "the root cause is still named";
  EXPECT_FALSE(holds[1].muted);

  db.mute = "paused until 2026-12-05T17:00:00.000Z";
  holds = compute_holds({node("disk", State::Healthy), db}, true);
  EXPECT_EQ(holds[1].reason, db.mute);
  EXPECT_TRUE(holds[1].muted);

  holds = compute_holds({node("db", State::Critical, managed)}, false);
  EXPECT_EQ(holds[0].reason, "not the leader: another replica acts");

  holds = compute_holds({node("db", State::Critical, "")}, true);
  EXPECT_EQ(holds[0].reason, "") << "a manager that lets it act holds nothing";
}

}  // namespace
}  // namespace watchdog::core
