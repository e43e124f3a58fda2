#pragma once
// ${ENV} expansion of configuration strings (private to config/).
//
//   ${NAME}          the variable's value; unset → error
//   ${NAME:-default} the value, or `default` when NAME is unset or empty (as in sh)
//   $$               a literal '$'
// Any other '$' is kept as written ("^ok$" stays intact). NAME is [A-Za-z_][A-Za-z0-9_]*; the
// default is literal text (no nested references) and ends at the first '}'.
// Errors are std::invalid_argument messages that name variables but never print their values.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace watchdog::config {

struct Expansion {
  std::string value;
  std::vector<std::string> variables;  // names referenced, in order (for Secret::source)
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Looks variables up with `lookup` (default: getenv).
Expansion expand_env(std::string_view text, const EnvLookup& lookup = {});

}  // namespace watchdog::config
