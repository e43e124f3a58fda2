#pragma once
// The probe seam. A probe performs ONE check of one target and reports what it saw; timing,
// jitter, thresholds and state belong to the worker and the state machine in watchdog/.
//
// Contract for every implementation:
//  - check() never throws and returns within `timeout` (enforced inside the client library:
//    CURLOPT_TIMEOUT_MS, poll() deadlines, killing a command's process group); the worker
//    still guards against a probe that breaks this promise and abandons it.
//  - detail is one line, safe to log: never a password, token, DSN or full URL.
//  - check() may be called from different threads, but never concurrently for one object.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace watchdog::probes {

enum class ProbeStatus { Healthy, Degraded, Unhealthy, Unknown };

// Why a check did not pass; lets alerts and metrics say more than "failed".
enum class FailureKind {
  None,
  Timeout,      // the target did not answer in time
  Refused,      // connection refused / nothing listening
  Auth,         // credentials rejected
  NotFound,     // file, database, container … does not exist
  BadResponse,  // answered, but not what was expected (status, body, exit code)
  Threshold,    // a measurement crossed its warning or critical threshold
  Error,        // anything else (bad local state, library error)
  Corrupt,      // the target answered that its data is damaged (PostgreSQL SQLSTATE XX001, …)
  Locked,       // the check waited on a lock someone else holds (a migration, VACUUM FULL)
  Stopped,      // stopped on purpose by an operator (docker stop, scaled to 0): not an outage
};

// A named number in base units; exported as the gauge watchdog_<name>{component,probe}.
// Names are lower_snake_case and end in their unit: backup_age_seconds, disk_used_ratio.
struct Measurement {
  std::string name;
  double value = 0;
};

struct ProbeResult {
  ProbeStatus status = ProbeStatus::Unknown;
  FailureKind failure = FailureKind::None;
  std::string detail;                   // one safe line, e.g. "HTTP 503 in 12 ms"
  std::chrono::nanoseconds latency{0};  // filled by the probe when it times its own I/O
  std::vector<Measurement> measurements;
};

class Probe {
 public:
  explicit Probe(std::string name) : name_(std::move(name)) {}
  virtual ~Probe() = default;
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  const std::string& name() const { return name_; }
  virtual std::string_view kind() const = 0;
  virtual ProbeResult check(std::chrono::milliseconds timeout) noexcept = 0;

 private:
  std::string name_;
};

std::string_view to_string(ProbeStatus status);
std::string_view to_string(FailureKind kind);  // "not_found"; the names `when:` lists use
std::optional<FailureKind> failure_kind_from_string(std::string_view name);
const std::vector<FailureKind>& all_failure_kinds();  // every kind but None

// Small helpers for implementations.
ProbeResult healthy(std::string detail);
ProbeResult degraded(FailureKind why, std::string detail);
ProbeResult unhealthy(FailureKind why, std::string detail);

}  // namespace watchdog::probes
