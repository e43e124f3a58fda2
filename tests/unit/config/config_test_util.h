#pragma once
// Helpers for the config unit tests: scoped environment variables and a probe's Options view.

#include <cstdlib>
#include <optional>
#include <string>

#include "config/loader.h"

namespace watchdog::config::test {

// Sets (or unsets, with nullopt) a variable for the lifetime of the object.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value) {
      ::setenv(name_.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// A valid components section, 5 lines; its probe mapping starts at 4:9.
inline const std::string kComponents =
    "components:\n"
    "  - name: api\n"
    "    probes:\n"
    "      - name: api-http\n"
    "        kind: http\n";

// The first lines of a valid file whose only probe (mapping at 4:9) ends in `probe_keys`, which
// start on line 6, column 9, already indented by 8 spaces.
inline std::string probe_yaml(const std::string& probe_keys) {
  return "components:\n"
         "  - name: c\n"
         "    probes:\n"
         "      - name: p\n"
         "        kind: test\n" +
         probe_keys;
}

// The probe's Options view (path components[0].probes[0], source t.yaml).
inline Options probe_options(const std::string& probe_keys) {
  return load_config_text(probe_yaml(probe_keys), "t.yaml").components.at(0).probes.at(0).options;
}

// Runs `body` and returns the ConfigError's message, or "<no error>".
template <typename Body>
std::string error_of(Body body) {
  try {
    body();
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "<no error>";
}

}  // namespace watchdog::config::test
