#pragma once
// Human-readable output of the CLI: the one-screen `check-config` summary and the `once` table.
// Never prints a secret: secrets appear only as their source ("env OPS_WEBHOOK_URL").

#include <ostream>
#include <string>
#include <vector>

#include "probes/probe.h"
#include "watchdog/plan.h"

namespace watchdog::core {

void print_config_summary(const Plan& plan, std::ostream& out);

// Left-aligned columns sized to their widest cell, two blanks apart, each line after `indent`.
void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out,
                 const std::string& indent = "");

struct OnceRow {
  std::string component;
  bool critical = true;
  std::string probe;
  std::string kind;
  probes::ProbeResult result;
  double seconds = 0;
};
void print_once_table(const std::vector<OnceRow>& rows, std::ostream& out);

}  // namespace watchdog::core
