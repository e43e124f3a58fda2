#pragma once
// Private to config/: what the loader's parts share (loader.cpp reads the file, components and
// probes; loader_recovery.cpp the recovery ladders and runbooks; loader_manager.cpp a
// component's HA manager). Includes options_impl.h, so
// never include it from a public header.

#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/options_impl.h"

namespace watchdog::config::loading {

using ImplPtr = std::shared_ptr<Options::Impl>;

// Rejects unknown keys before anything else is read, so a typo is reported as such rather than
// as the "missing required key" it causes.
void expect_keys(const ImplPtr& impl, std::initializer_list<const char*> keys);

// Names become metric labels: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 64 characters; anything else
// fails on `name`.
void check_name(Options& options, const std::string& name);

// Remembers where each name was first defined, to report duplicates with both locations.
class NameRegistry {
 public:
  explicit NameRegistry(std::string what) : what_(std::move(what)) {}
  void add(const ImplPtr& impl, const std::string& name);

 private:
  std::string what_;
  std::map<std::string, std::string> first_;
};

// The required, non-empty `kind`.
std::string read_kind(Options& options);
// `key` (default `fallback`), failing unless it is greater than 0.
Duration positive_duration(Options& options, const char* key, Duration fallback);

// A component's `recovery:` mapping: limits, back-off and the ladder of actions (rungs may be
// runbooks of steps). Defined in loader_recovery.cpp.
RecoverySpec read_recovery(const ImplPtr& impl);
// A component's `flapping:` mapping (window, start, stop). Defined in loader_recovery.cpp.
FlapSpec read_flapping(const ImplPtr& impl);

// Game days, once components, alerts and backups are read: each component's `gameday:` names
// existing alerts and backup targets, and each `gamedays:` entry a staging component and a
// known scenario (appended to config.gamedays). Defined in gameday.cpp.
void check_gamedays(Config& config, const std::vector<ImplPtr>& component_impls,
                    const std::vector<ImplPtr>& scheduled);

// A component's `managed_by:` mapping (its HA manager). Defined in loader_manager.cpp.
ManagerSpec read_manager(const ImplPtr& impl);

}  // namespace watchdog::config::loading
