#pragma once
// Stops and starts a component (or an alert sink) for a game day, the way its `gameday:`
// section says: its docker container (stop/kill/start through the Docker API) or the operator's
// stop/start argv (run without a shell, with a hard timeout). Shared by the scenarios that take
// something down: database-stopped, redis-down, container-crash(-loop), alert-sink-down.

#include <chrono>
#include <string>

#include "config/gameday.h"
#include "probes/clients/docker_api.h"

namespace watchdog::gameday {

class ServiceSwitch {
 public:
  // `what` names it in errors and the plan ("component postgres", "alert sink ops").
  ServiceSwitch(config::GamedaySwitch how, const config::ComponentGameday& settings,
                std::string what);

  // One line for the plan: "docker stop app-postgres" / "run: pg_ctl -D /data stop -m fast".
  std::string describe_stop() const;
  std::string describe_start() const;

  // Each throws ScenarioError with a one-line reason when it fails.
  void stop() const;   // graceful (docker stop, 10 s grace) or the stop argv
  void start() const;  // docker start (already running is fine) or the start argv
  // SIGKILL of its main process (a crash; through the API when that process is not visible
  // here); containers only. Returns once the engine records it dead. False when it was not
  // running.
  bool kill() const;
  // True when the container is running (containers only; argv switches cannot tell → throws).
  bool running() const;
  bool is_container() const { return !how_.container.empty(); }
  // Whether local process `pid` belongs to the container (its cgroup names the id): the engine
  // may report a PID of another namespace (a remote engine, a VM) that is not ours to kill.
  static bool is_local_process_of(long long pid, const std::string& container_id);

 private:
  void run(const std::vector<std::string>& argv, const char* step) const;
  probes::DockerApi docker() const;
  void wait_until_dead(const probes::DockerApi& api, const probes::ContainerInfo& killed) const;

  config::GamedaySwitch how_;
  std::string docker_socket_;
  std::string docker_host_;
  std::string what_;
};

}  // namespace watchdog::gameday
