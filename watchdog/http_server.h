#pragma once
// The watchdog's own HTTP endpoint (cpp-httplib, one listener thread pool):
//   GET /metrics  Prometheus text format
//   GET /healthz  liveness: 200 "ok" unless the engine loop stalled (heartbeat ≥ 10 s old)
//   GET /readyz   readiness: 200 once the configuration is loaded and the engine loop turns
//                 (the probe workers run); 503 while starting, stalled or stopping. The
//                 watched components' health never counts here.
//   GET /status   JSON: overall state, each component's state, incident and probe results
//   GET /incidents          JSON: the latest incidents (from the state store)
//   GET /incidents/<id>     the incident with its timeline: the page alerts link to. Text
//                           report by default (browsers), JSON with ?format=json or
//                           Accept: application/json
// No secrets are reachable from here: details are the probes' safe lines.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "watchdog/engine/engine.h"
#include "watchdog/metrics.h"

namespace httplib {
class Server;
}

namespace watchdog::core {

class HttpServer {
 public:
  // `state_dir` "" = no incident pages (404).
  HttpServer(Metrics& metrics, const Engine& engine, std::filesystem::path state_dir = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving; throws std::runtime_error naming the address when it cannot bind.
  void start(const std::string& host, int port);
  // From now on /readyz answers 503 "stopping" (the daemon is shutting down; still serving).
  void begin_stop() { stopping_ = true; }
  void stop();

 private:
  Metrics& metrics_;
  const Engine& engine_;
  std::filesystem::path state_dir_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::chrono::steady_clock::time_point serving_since_{};
  std::atomic<bool> stopping_{false};
};

// The engine loop as /healthz and /readyz see it: no turn yet since `since` (the plan is still
// being built), turning, or no turn for kStalledAfter (a start that never finishes is stalled).
enum class EngineHealth { Starting, Running, Stalled };
inline constexpr std::chrono::seconds kStalledAfter{10};
EngineHealth engine_health(std::chrono::steady_clock::time_point heartbeat,
                           std::chrono::steady_clock::time_point since,
                           std::chrono::steady_clock::time_point now =
                               std::chrono::steady_clock::now());

// The /status document (also used by tests and `once`).
std::string status_json(const StatusView& status);

}  // namespace watchdog::core
