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
//
// The async seam: kinds whose check is only waiting on sockets (http, tcp) also implement
// start_check(), which starts the same check on the engine's event loop and returns at once;
// the loop waits for thousands of them on one thread. The loop lives in watchdog/engine
// (probes/ never includes watchdog/), so probes see it through the AsyncIo interface below.
//
// Probe memory: a probe that learns over time (the disk probe's growth history) attaches a
// small opaque blob to its results (ProbeResult::memory; tens of KiB, never a secret; one over
// kMaxProbeMemoryBytes is refused with a log line and the previous one kept; "" = forget it).
// The engine keeps the latest one per (component, probe name), saves it in the state store at
// most every few minutes (EngineOptions::probe_memory_save_interval) and at a reload or a
// stop — a crash loses what was learnt since the last save — and hands it back through
// restore_memory() once, to the probe object built
// after a restart or a reload, before that object is scheduled (so never concurrently with
// check()). The blob travels with the result, on the thread that hands results over, so no
// state is shared between the worker thread and the engine's. It is dropped when the probe
// leaves the configuration, and never given to a probe of another kind; a probe must still
// check that a blob fits its settings (the disk probe ignores the history of another path).

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/clients/failure_kind.h"

namespace watchdog::probes {

enum class ProbeStatus { Healthy, Degraded, Unhealthy, Unknown };

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
  std::optional<std::string> memory;  // probe memory (above); nullopt = keep the last one
};

inline constexpr std::size_t kMaxProbeMemoryBytes = 256 * 1024;

struct HttpRequest;  // probes/clients/http_client.h
struct HttpResponse;

// Non-blocking I/O offered by the event loop. Called only on the loop thread; every callback
// runs there too, exactly once, and must not block.
class AsyncIo {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  virtual ~AsyncIo() = default;
  // Performs `request` exactly as perform() would (same setup, timeout and errors), sharing
  // the loop's connections and DNS cache.
  virtual void http(const HttpRequest& request, std::function<void(HttpResponse)> done) = 0;
  // ready(true) once `fd` is ready for `events` (POLLIN / POLLOUT) or has an error;
  // ready(false) at `deadline`. The fd stays open (and owned by the caller) until then.
  virtual void wait(int fd, short events, SteadyTime deadline,
                    std::function<void(bool ready)> ready) = 0;
};

class Probe {
 public:
  using Done = std::function<void(ProbeResult)>;

  explicit Probe(std::string name) : name_(std::move(name)) {}
  virtual ~Probe() = default;
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  const std::string& name() const { return name_; }
  virtual std::string_view kind() const = 0;
  virtual ProbeResult check(std::chrono::milliseconds timeout) noexcept = 0;
  // Starts the check that check(timeout) would do on `io` and returns at once; `done` gets the
  // same result, on the loop thread. false (the default): this check needs a thread of its own
  // (blocking client library, name resolution …); `done` is never called, use check().
  // The caller keeps the probe alive until `done` ran. Never concurrently with check().
  virtual bool start_check(AsyncIo& io, std::chrono::milliseconds timeout, Done done) noexcept;
  // The last memory this probe (same component, name and kind) attached to a result before a
  // restart or reload (see "Probe memory" above). Default: ignored.
  virtual void restore_memory(std::string_view /*memory*/) noexcept {}

 private:
  std::string name_;
};

std::string_view to_string(ProbeStatus status);
std::string_view to_string(FailureKind kind);  // "not_found"; the names `when:` lists use
std::optional<FailureKind> failure_kind_from_string(std::string_view name);
// Every kind a ladder's `when:` may name: all but None and LocalResource (never acted on).
const std::vector<FailureKind>& all_failure_kinds();

// Small helpers for implementations.
ProbeResult healthy(std::string detail);
ProbeResult degraded(FailureKind why, std::string detail);
ProbeResult unhealthy(FailureKind why, std::string detail);
// Unknown / LocalResource: the watchdog ran out of something of its own (see failure_kind.h).
ProbeResult local_exhaustion(std::string detail);

}  // namespace watchdog::probes
