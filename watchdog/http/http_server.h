#pragma once
// The watchdog's own HTTP endpoint: connections held by one epoll thread, requests answered by
// kHttpThreads workers only once they have arrived (connection_front.h), parsed and routed by
// cpp-httplib:
//   GET /         the status page (status_page.h): HTML for people, refreshes itself
//   GET /metrics  Prometheus text format
//   GET /healthz  liveness: 200 "ok" unless the engine loop stalled (heartbeat ≥ 10 s old)
//   GET /readyz   readiness: 200 once the configuration is loaded and the engine loop turns
//                 (the probe workers run); 503 while starting, stalled or stopping. The
//                 watched components' health never counts here.
//   GET /status   JSON: overall state, each component's state, incident and probe results
//   GET /incidents          JSON: the latest incidents (from the state store)
//   GET /incidents/<id>     the incident with its timeline: the page alerts link to. Text
//                           report by default (browsers), JSON with ?format=json or
//                           Accept: application/json; 400 for an id that is not one
//   GET /api/v1/status, /api/v1/incidents, /api/v1/incidents/<id>: the same JSON, versioned
//                           (the incident as JSON always)
//   POST /api/v1/…          operator actions behind a bearer token (operator_api.h)
// Request bodies are capped at kMaxBody before they are read (request_gate.h). No secrets are
// reachable from here: details are the probes' safe lines, and the token is never echoed or logged.

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "watchdog/engine/engine.h"
#include "watchdog/http/connection_front.h"
#include "watchdog/http/api_token.h"
#include "watchdog/http/operator_api.h"
#include "watchdog/metrics.h"

namespace watchdog::core {

// Workers answering requests (never waiting for one) and the idle limits of connections.
inline constexpr std::size_t kHttpThreads = 16;
inline constexpr std::chrono::seconds kKeepAlive{5};
inline constexpr std::chrono::seconds kRequestTimeout{5};  // a whole request, from its first byte
inline constexpr std::size_t kMaxHttpConnections = 512;  // less under a small RLIMIT_NOFILE

class RoutingServer;

class HttpServer {
 public:
  // `state_dir` "" = no incident pages (503) and no operator actions. `token` is the daemon's:
  // it swaps the token on SIGHUP while this serves.
  HttpServer(Metrics& metrics, const Engine& engine, std::filesystem::path state_dir,
             const ApiToken& token);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving; throws std::runtime_error naming the address when it cannot bind.
  void start(const std::string& host, int port);
  // The port bound (the chosen one when 0 was asked for).
  int port() const { return front_.port(); }
  // From now on /readyz answers 503 "stopping" (the daemon is shutting down; still serving).
  void begin_stop() { stopping_ = true; }
  void stop();

 private:
  void add_read_routes();
  void update_connection_metrics();

  Metrics& metrics_;
  const Engine& engine_;
  std::filesystem::path state_dir_;
  std::atomic<bool> stopping_{false};
  OperatorApi operator_api_;
  std::unique_ptr<RoutingServer> server_;
  ConnectionFront front_;
  Cell& connections_open_;
  Cell& connections_evicted_;
  Cell& connections_timed_out_;
  std::chrono::steady_clock::time_point serving_since_{};
};

// The engine loop as /healthz and /readyz see it: no turn yet since `since` (the plan is still
// being built), turning, or no turn for kStalledAfter (a start that never finishes is stalled).
enum class EngineHealth { Starting, Running, Stalled };
inline constexpr std::chrono::seconds kStalledAfter{10};
EngineHealth engine_health(
    std::chrono::steady_clock::time_point heartbeat, std::chrono::steady_clock::time_point since,
    std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

// The /status document (also used by tests and `once`).
std::string status_json(const StatusView& status);

}  // namespace watchdog::core
