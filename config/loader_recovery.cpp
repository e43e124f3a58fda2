// The recovery half of the loader: a component's `recovery:` limits and its ladder of actions,
// where a rung is one action or a runbook of steps with an optional on_failure list.
#include <string>
#include <vector>

#include "config/loader_common.h"
#include "config/units.h"

namespace watchdog::config::loading {
namespace {

constexpr long long kMaxAttempts = 1000;

// One rung of the ladder, or one step of a runbook (`in_runbook`: steps take no `when:` or
// nested `steps:`; the rung decides when its runbook runs).
ActionSpec read_action(const ImplPtr& impl, std::size_t index, bool in_runbook) {
  Options options(impl);
  ActionSpec action;
  const bool runbook = options.has("steps");
  if (runbook && in_runbook) options.fail("steps", "a runbook step cannot have steps of its own");
  if (runbook) {
    if (options.has("kind")) options.fail("kind", "a rung with steps is a runbook: drop `kind`");
    if (options.has("timeout")) {
      options.fail("timeout", "a runbook takes the sum of its steps' timeouts: set them per step");
    }
    action.kind = "runbook";
  } else {
    action.kind = read_kind(options);
    if (options.has("on_failure"))
      options.fail("on_failure", "only a rung with steps has on_failure");
  }
  if (auto name = options.string("name")) {
    check_name(options, *name);
    action.name = *name;
  } else {
    action.name = action.kind + "-" + std::to_string(index + 1);
  }
  if (in_runbook && options.has("when")) {
    options.fail("when", "`when` belongs to the rung that holds the steps, not to one step");
  }
  action.when = options.string_list("when");
  if (options.has("when") && action.when.empty()) options.fail("when", "must list a failure kind");
  action.marked_destructive = options.boolean_or("destructive", false);
  if (runbook) {
    NameRegistry names("step");
    auto read_steps = [&](const char* key, std::vector<ActionSpec>& into) {
      for (const auto& step : child_list(*impl, key, key == std::string("steps"))) {
        into.push_back(read_action(step, into.size(), true));
        names.add(step, into.back().name);
        action.timeout += into.back().timeout;
      }
    };
    action.timeout = Duration::zero();
    read_steps("steps", action.steps);
    if (action.steps.empty()) options.fail("steps", "needs at least one step");
    read_steps("on_failure", action.on_failure);
  } else {
    action.timeout = positive_duration(options, "timeout", action.timeout);
  }
  action.options = options;  // the kind's keys; its factory calls finish()
  return action;
}

}  // namespace

RecoverySpec read_recovery(const ImplPtr& impl) {
  expect_keys(impl, {"max_attempts", "max_incidents", "backoff", "max_backoff", "window",
                     "verify_timeout", "actions"});
  Options options(impl);
  RecoverySpec recovery;
  recovery.max_attempts =
      static_cast<int>(options.integer_or("max_attempts", recovery.max_attempts, 1, kMaxAttempts));
  recovery.max_incidents = static_cast<int>(
      options.integer_or("max_incidents", recovery.max_incidents, 1, kMaxAttempts));
  recovery.backoff = positive_duration(options, "backoff", recovery.backoff);
  recovery.max_backoff = options.duration_or("max_backoff", recovery.max_backoff);
  if (recovery.max_backoff < recovery.backoff) {
    options.fail(options.has("max_backoff") ? "max_backoff" : "backoff",
                 "max_backoff " + format_duration(recovery.max_backoff) +
                     " must not be shorter than backoff " + format_duration(recovery.backoff));
  }
  recovery.window = positive_duration(options, "window", recovery.window);
  recovery.verify_timeout = positive_duration(options, "verify_timeout", recovery.verify_timeout);
  auto actions = child_list(*impl, "actions", true);
  if (actions.empty()) options.fail("actions", "needs at least one action");
  NameRegistry names("action");
  for (std::size_t i = 0; i < actions.size(); ++i) {
    recovery.actions.push_back(read_action(actions[i], i, false));
    names.add(actions[i], recovery.actions.back().name);
  }
  options.finish();
  return recovery;
}

FlapSpec read_flapping(const ImplPtr& impl) {
  expect_keys(impl, {"window", "start", "stop"});
  Options options(impl);
  FlapSpec flapping;
  flapping.window = positive_duration(options, "window", flapping.window);
  flapping.start = static_cast<int>(options.integer_or("start", flapping.start, 0, 1000));
  flapping.stop = static_cast<int>(options.integer_or("stop", flapping.stop, 0, 1000));
  if (flapping.start > 0 && flapping.stop >= flapping.start) {
    options.fail(options.has("stop") ? "stop" : "start",
                 "stop " + std::to_string(flapping.stop) + " must be below start " +
                     std::to_string(flapping.start) + " (0 turns flap detection off)");
  }
  options.finish();
  return flapping;
}

}  // namespace watchdog::config::loading
