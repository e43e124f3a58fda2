#include "watchdog/cli/once.h"

#include <chrono>
#include <thread>

#include "config/redaction.h"
#include "watchdog/cli/summary.h"
#include "watchdog/engine/probe_worker.h"

namespace watchdog::core {

int run_once(const Plan& plan, std::ostream& out) {
  std::vector<OnceRow> rows;
  for (const auto& c : plan.components) {
    for (const auto& p : c.probes) {
      rows.push_back({c.spec.name, c.spec.critical, p.spec.name, p.spec.kind, {}, 0});
    }
  }
  std::vector<std::thread> threads;
  std::size_t index = 0;
  for (const auto& c : plan.components) {
    for (const auto& p : c.probes) {
      threads.emplace_back([&row = rows[index++], &p] {
        GuardedCheck check(p.probe);
        const auto start = std::chrono::steady_clock::now();
        row.result = check.run(p.spec.timing.timeout);
        config::redact_in_place(row.result.detail);  // as the engine does with every result
        row.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      });
    }
  }
  for (auto& t : threads) t.join();
  print_once_table(rows, out);

  int code = 0;
  for (const auto& row : rows) {
    const auto status = row.result.status;
    if (status == probes::ProbeStatus::Healthy) continue;
    const bool failing = status != probes::ProbeStatus::Degraded;
    code = std::max(code, failing && row.critical ? 2 : 1);
  }
  out << "overall: " << (code == 0 ? "HEALTHY" : code == 1 ? "DEGRADED" : "CRITICAL") << "\n";
  return code;
}

}  // namespace watchdog::core
