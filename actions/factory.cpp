#include "actions/factory.h"

#include "actions/command_action.h"

namespace watchdog::actions {

std::unique_ptr<Action> make_action(const config::ActionSpec& spec) {
  config::Options options = spec.options;
  std::unique_ptr<Action> action;
  if (spec.kind == "command") {
    action = CommandAction::create(spec.name, options);
  } else {
    std::string known;
    for (auto kind : action_kinds()) known += (known.empty() ? "" : ", ") + std::string(kind);
    options.fail("kind", "unknown action kind '" + spec.kind + "' (known: " + known + ")");
  }
  options.finish();
  return action;
}

const std::vector<std::string_view>& action_kinds() {
  static const std::vector<std::string_view> kinds = {"command"};
  return kinds;
}

}  // namespace watchdog::actions
