#pragma once
// Builds an action from its spec through one table of {kind, create} in factory.cpp (adding a
// kind = one file pair + one line there). Validates the kind's keys, does no I/O. Throws
// config::ConfigError.

#include <memory>
#include <string_view>
#include <vector>

#include "actions/action.h"
#include "config/config.h"

namespace watchdog::actions {

// `backups` is the config's `backups:` list: backup_now / restore_latest name their target there.
std::unique_ptr<Action> make_action(const config::ActionSpec& spec,
                                    const std::vector<config::BackupTargetSpec>& backups = {});
const std::vector<std::string_view>& action_kinds();

}  // namespace watchdog::actions
