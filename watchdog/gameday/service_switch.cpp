#include "watchdog/gameday/service_switch.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <variant>

#include "watchdog/gameday/operator_command.h"
#include "watchdog/gameday/scenario.h"

namespace watchdog::gameday {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kApiTimeout{15000};
constexpr std::chrono::seconds kStopGrace{10};
constexpr milliseconds kCommandTimeout{120000};

}  // namespace

ServiceSwitch::ServiceSwitch(config::GamedaySwitch how, const config::ComponentGameday& settings,
                             std::string what)
    : how_(std::move(how)),
      docker_socket_(settings.docker_socket),
      docker_host_(settings.docker_host),
      what_(std::move(what)) {
  if (!how_.configured()) {
    throw ScenarioError(what_ + " has no gameday container or stop/start commands");
  }
}

probes::DockerApi ServiceSwitch::docker() const {
  probes::DockerApi::Settings settings;
  settings.socket = docker_socket_;
  settings.host = docker_host_;
  return probes::DockerApi(settings);
}

std::string ServiceSwitch::describe_stop() const {
  return is_container() ? "docker stop " + how_.container : "run: " + redacted_argv(how_.stop);
}

std::string ServiceSwitch::describe_start() const {
  return is_container() ? "docker start " + how_.container : "run: " + redacted_argv(how_.start);
}

void ServiceSwitch::run(const std::vector<std::string>& argv, const char* step) const {
  run_operator_command(argv, kCommandTimeout, what_ + ": " + step + " command");
}

void ServiceSwitch::stop() const {
  if (!is_container()) return run(how_.stop, "stop");
  if (auto error = docker().stop(how_.container, kStopGrace, kApiTimeout + kStopGrace)) {
    throw ScenarioError(what_ + ": docker stop: " + error->detail);
  }
}

void ServiceSwitch::start() const {
  if (!is_container()) return run(how_.start, "start");
  if (auto error = docker().start(how_.container, kApiTimeout)) {
    throw ScenarioError(what_ + ": docker start: " + error->detail);
  }
}

bool ServiceSwitch::running() const {
  if (!is_container()) throw ScenarioError(what_ + ": only a container can be asked if it runs");
  auto info = docker().inspect(how_.container, kApiTimeout);
  if (auto* error = std::get_if<probes::DockerError>(&info)) {
    throw ScenarioError(what_ + ": docker inspect: " + error->detail);
  }
  return std::get<probes::ContainerInfo>(info).status == "running";
}

// The engine notices the death of a process it did not kill itself a moment later; until then
// inspect still says "running" with the dead PID. Waiting here makes kill() mean "crashed and
// recorded", so a second kill() (a crash loop's next tick) cannot take the stale "running" for a
// new run — and, finding no such process any more, fall back to an API kill that Docker would
// record as a deliberate stop.
void ServiceSwitch::wait_until_dead(const probes::DockerApi& api,
                                    const probes::ContainerInfo& killed) const {
  const auto deadline = std::chrono::steady_clock::now() + kApiTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto now = api.inspect(killed.id, kApiTimeout);
    if (auto* error = std::get_if<probes::DockerError>(&now)) {
      throw ScenarioError(what_ + ": docker inspect: " + error->detail);
    }
    const auto& info = std::get<probes::ContainerInfo>(now);
    if (info.status != "running" || info.pid != killed.pid) return;
    std::this_thread::sleep_for(milliseconds(50));
  }
  throw ScenarioError(what_ + ": the engine still reports it running " +
                      std::to_string(kApiTimeout.count() / 1000) + " s after SIGKILL");
}

// Whether local PID `pid` is the container's process. The PID comes from the engine's own
// namespace: with a remote engine (docker_host: tcp://…) or one in a VM (Docker Desktop), the
// same number here is some unrelated process. Docker puts a container's processes in a cgroup
// named after its id, and /proc/PID/cgroup shows that path from any cgroup namespace.
bool ServiceSwitch::is_local_process_of(long long pid, const std::string& container_id) {
  if (container_id.size() < 12) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  if (!in) return false;
  std::ostringstream cgroups;
  cgroups << in.rdbuf();
  return cgroups.str().find(container_id) != std::string::npos;
}

bool ServiceSwitch::kill() const {
  if (!is_container()) throw ScenarioError(what_ + ": a crash needs gameday.container");
  const auto api = docker();
  auto inspected = api.inspect(how_.container, kApiTimeout);
  if (auto* error = std::get_if<probes::DockerError>(&inspected)) {
    throw ScenarioError(what_ + ": docker inspect: " + error->detail);
  }
  const auto& info = std::get<probes::ContainerInfo>(inspected);
  if (info.status != "running") return false;
  // A crash is the process dying with no stop or kill request: Docker then records only `die`,
  // which is what the docker probe judges a crash (an API kill reads as "stopped on purpose").
  // So SIGKILL its main process directly when it is visible from here (same PID namespace: a
  // host install, or a sidecar with pid: host); otherwise fall back to the API's kill.
  if (info.pid > 1 && is_local_process_of(info.pid, info.id)) {
    if (::kill(static_cast<pid_t>(info.pid), SIGKILL) == 0) {
      wait_until_dead(api, info);
      return true;
    }
  }
  if (auto error = api.kill(info.id, "SIGKILL", kApiTimeout)) {
    throw ScenarioError(what_ + ": docker kill: " + error->detail);
  }
  return true;
}

}  // namespace watchdog::gameday
