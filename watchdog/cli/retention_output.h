#pragma once
// The retention plan as `backups prune` prints it, for the targets' retention (-c) and for
// files the watchdog did not write (--glob) alike.

#include <ostream>
#include <vector>

#include "actions/backup/retention.h"

namespace watchdog::core {

// "keep   NAME  (reasons)" / "would delete NAME" / "delete NAME", one line per decision.
void print_retention_decisions(const std::vector<actions::RetentionDecision>& decisions,
                               bool dry_run, std::ostream& out);

}  // namespace watchdog::core
