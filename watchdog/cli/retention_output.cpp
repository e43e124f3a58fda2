#include "watchdog/cli/retention_output.h"

namespace watchdog::core {

void print_retention_decisions(const std::vector<actions::RetentionDecision>& decisions,
                               bool dry_run, std::ostream& out) {
  for (const auto& d : decisions) {
    std::string reasons;
    for (const auto& r : d.reasons) reasons += (reasons.empty() ? "" : ", ") + r;
    out << (d.keep ? "keep   " : (dry_run ? "would delete " : "delete ")) << d.name
        << (reasons.empty() ? "" : "  (" + reasons + ")") << "\n";
  }
}

}  // namespace watchdog::core
