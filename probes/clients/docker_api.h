#pragma once
// A small Docker Engine API client (the subset the docker probe and actions need), over the
// unix socket or TCP with TLS. Unversioned paths: the daemon answers in its own API version,
// and every field read here has been stable since API 1.25.
//
// Shared config keys (read_docker_endpoint): socket (/var/run/docker.sock), or host
// ("tcp://h:2376" / "https://h:2376" / "http://h:2375") with tls_ca, tls_cert, tls_key (file
// paths) and tls_verify (true). Target keys (read_container_target): container (name or id) or
// labels (list of "key" or "key=value", all must match) — exactly one of them.
//
// Errors never throw out of the client: every call returns a DockerError (kind + safe detail)
// or the parsed value. Details name the socket path or host:port, never anything else.

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/options.h"
#include "probes/clients/api_transport.h"
#include "probes/clients/failure_kind.h"

namespace watchdog::probes {

// State of one container, as GET /containers/{id}/json reports it.
struct ContainerInfo {
  std::string id;
  std::string name;    // without Docker's leading '/'
  std::string status;  // created | running | paused | restarting | removing | exited | dead
  std::string health;  // "" (no health check) | starting | healthy | unhealthy
  int health_failing_streak = 0;
  int health_last_exit = 0;  // exit code of the latest health command
  int exit_code = 0;
  bool oom_killed = false;
  int restart_count = 0;  // restarts done by Docker's restart policy
  long pid = 0;           // its main process, in the engine's PID namespace; 0 when not running
  std::optional<std::chrono::system_clock::time_point> started_at;
  std::optional<std::chrono::system_clock::time_point> finished_at;
};

// Throws std::exception (nlohmann::json errors) on a malformed document.
ContainerInfo parse_container(const std::string& inspect_json);

struct ContainerTarget {
  std::string container;            // name or id; empty when labels are used
  std::vector<std::string> labels;  // "key" or "key=value"
  std::string describe() const;     // "container web" / "containers with label app=web"
};

struct DockerError {
  FailureKind kind = FailureKind::Error;
  std::string detail;
};

template <typename T>
using DockerResult = std::variant<T, DockerError>;

// Why a container that is not running stopped, judged from Docker's own event history.
// Docker records no "stopped by a person" flag, but it emits a `stop` event for
// POST /containers/{id}/stop (docker stop, compose stop) and a `kill` event for API kills,
// and only `die` when the process ended by itself. So, for the run that began at StartedAt:
//   stop, or kill with SIGTERM/SIGKILL      → OnPurpose
//   its own `die` event and neither of those → Crashed
//   no `die` event either (the daemon keeps only its last 256 events in memory, and none across
//   its own restart), or never started      → Unknown
enum class StopCause { Crashed, OnPurpose, Unknown };
struct StopJudgement {
  StopCause cause = StopCause::Unknown;
  // OnPurpose: "stopped on purpose at 2026-11-22T06:14:55Z (docker stop)" or "… (docker kill,
  // signal 9)"; otherwise why it counts as a crash or cannot be told.
  std::string detail;
};

class DockerApi {
 public:
  struct Settings {
    std::string socket = "/var/run/docker.sock";
    std::string host;  // empty = use the socket
    std::string tls_ca, tls_cert, tls_key;
    bool tls_verify = true;
  };
  explicit DockerApi(Settings settings);

  // "unix:///var/run/docker.sock" or "10.0.0.5:2376", for details.
  const std::string& where() const { return where_; }

  // Containers matching the target (inspected). A name/id that does not exist, or a label
  // selector matching nothing, is a NotFound error.
  DockerResult<std::vector<ContainerInfo>> find(const ContainerTarget& target,
                                                std::chrono::milliseconds timeout) const;
  DockerResult<ContainerInfo> inspect(const std::string& id_or_name,
                                      std::chrono::milliseconds timeout) const;
  // POST /containers/{id}/restart?t=stop_timeout; the HTTP timeout is `timeout`, which the
  // caller makes longer than stop_timeout.
  std::optional<DockerError> restart(const std::string& id, std::chrono::seconds stop_timeout,
                                     std::chrono::milliseconds timeout) const;
  // POST /containers/{id}/start; "already running" (304) counts as success.
  std::optional<DockerError> start(const std::string& id, std::chrono::milliseconds timeout) const;
  // POST /containers/{id}/stop?t=stop_timeout (SIGTERM, SIGKILL after stop_timeout); "already
  // stopped" (304) counts as success; 404 → NotFound "no such container <id>". The HTTP timeout
  // is `timeout`, which the caller makes longer than stop_timeout.
  std::optional<DockerError> stop(const std::string& id, std::chrono::seconds stop_timeout,
                                  std::chrono::milliseconds timeout) const;
  StopJudgement stop_cause(const ContainerInfo& container, std::chrono::milliseconds timeout) const;
  // POST /containers/{id}/kill?signal=SIGNAL ("SIGKILL"); recorded as a `kill` event.
  std::optional<DockerError> kill(const std::string& id, const std::string& signal,
                                  std::chrono::milliseconds timeout) const;

 private:
  DockerResult<std::string> request(const std::string& method, const std::string& path,
                                    std::chrono::milliseconds timeout) const;
  ApiEndpoint endpoint_;
  std::string where_;
};

DockerApi::Settings read_docker_endpoint(config::Options& options);
ContainerTarget read_container_target(config::Options& options);

// The events answer for one container (newline-separated JSON objects) → the judgement above.
// Exposed for unit tests.
StopJudgement judge_stop(const ContainerInfo& container, const std::string& events);

}  // namespace watchdog::probes
