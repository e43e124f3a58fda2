#pragma once
// The safety dump of a `kind: command` target (safety_dump.h describes the postgres one): before
// restore_latest with `replace: true` runs restore_command over the live store, the target's own
// `command` writes what the store holds now into DIR/TARGET_safety_TIME.EXTENSION (streamed,
// hashed, renamed, fsynced, verified when the target verifies backups), with safety metadata.
// The store cannot be asked whether it holds data: it is always dumped; a failed dump is
// "not taken" and restore_latest refuses to replace.

#include "actions/backup/safety_dump.h"

namespace watchdog::actions {

// Never throws.
SafetyDumpOutcome take_command_safety_dump(const config::BackupTargetSpec& target,
                                           const Destination& destination,
                                           const probes::backup::SafetyInfo& why);

}  // namespace watchdog::actions
