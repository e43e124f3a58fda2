#include "probes/clients/docker_api.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/units.h"

namespace watchdog::probes {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

std::optional<std::chrono::system_clock::time_point> time_field(const json& object,
                                                                const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return parse_rfc3339(it->get<std::string>());
}

// Docker's `since`/`until` query form: "1795318495.870738214" (Unix seconds, nanoseconds).
std::string docker_event_time(std::chrono::system_clock::time_point time) {
  auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  char text[40];
  std::snprintf(text, sizeof(text), "%lld.%09lld", static_cast<long long>(nanos / 1000000000),
                static_cast<long long>(nanos % 1000000000));
  return text;
}

// Docker's error documents are {"message": "No such container: web"}.
std::string message_of(const std::string& body) {
  try {
    auto document = json::parse(body);
    if (document.is_object() && document.contains("message")) {
      return document["message"].get<std::string>();
    }
  } catch (const std::exception&) {
  }
  return "";
}

bool stops_the_container(const std::string& signal) {
  return signal == "9" || signal == "15" || signal == "SIGKILL" || signal == "SIGTERM" ||
         signal == "KILL" || signal == "TERM";
}

}  // namespace

ContainerInfo parse_container(const std::string& inspect_json) {
  const json document = json::parse(inspect_json);
  ContainerInfo info;
  info.id = document.at("Id").get<std::string>();
  info.name = document.value("Name", "");
  if (info.name.starts_with('/')) info.name.erase(0, 1);
  info.restart_count = document.value("RestartCount", 0);
  const json& state = document.at("State");
  info.status = state.value("Status", "");
  info.exit_code = state.value("ExitCode", 0);
  info.pid = state.value("Pid", 0L);
  info.oom_killed = state.value("OOMKilled", false);
  info.started_at = time_field(state, "StartedAt");
  info.finished_at = time_field(state, "FinishedAt");
  if (auto health = state.find("Health"); health != state.end() && health->is_object()) {
    info.health = health->value("Status", "");
    info.health_failing_streak = health->value("FailingStreak", 0);
    if (auto log = health->find("Log"); log != health->end() && log->is_array() && !log->empty()) {
      info.health_last_exit = log->back().value("ExitCode", 0);
    }
  }
  return info;
}

std::string ContainerTarget::describe() const {
  if (!container.empty()) return "container " + container;
  std::string joined;
  for (const auto& label : labels) joined += (joined.empty() ? "" : ",") + label;
  return "containers with label " + joined;
}

StopJudgement judge_stop(const ContainerInfo& container, const std::string& events) {
  if (!container.started_at) return {StopCause::Unknown, "it was never started"};
  const auto since = container.started_at->time_since_epoch();
  bool saw_die = false;
  std::string stopped_at, killed_at, kill_signal;  // `docker stop`: kill (SIGTERM), then stop
  std::istringstream lines(events);
  for (std::string line; std::getline(lines, line);) {
    if (line.find_first_not_of(" \r\t") == std::string::npos) continue;
    const json event = json::parse(line);
    const std::chrono::nanoseconds at(event.value("timeNano", 0LL));
    if (at < since) continue;  // belongs to an earlier run
    const std::string action = event.value("Action", event.value("status", ""));
    const std::string when = format_rfc3339(std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(at)));
    if (action == "stop" && stopped_at.empty()) stopped_at = when;
    if (action == "kill" && killed_at.empty()) {
      std::string signal;
      if (auto actor = event.find("Actor"); actor != event.end()) {
        signal = actor->value("Attributes", json::object()).value("signal", "");
      }
      if (stops_the_container(signal)) {
        killed_at = when;
        kill_signal = signal;
      }
    }
    if (action == "die") saw_die = true;
  }
  if (!stopped_at.empty()) {
    return {StopCause::OnPurpose, "stopped on purpose at " + stopped_at + " (docker stop)"};
  }
  if (!killed_at.empty()) {
    return {StopCause::OnPurpose,
            "stopped on purpose at " + killed_at + " (docker kill, signal " + kill_signal + ")"};
  }
  if (saw_die) return {StopCause::Crashed, "exited by itself (no stop or kill request)"};
  return {StopCause::Unknown, "the engine's event history no longer covers how it stopped"};
}

DockerApi::DockerApi(Settings settings) {
  if (settings.host.empty()) {
    endpoint_.base_url = "http://docker";
    endpoint_.unix_socket = settings.socket;
    where_ = "unix://" + settings.socket;
    return;
  }
  std::string host = settings.host;
  const bool tls = !settings.tls_ca.empty() || !settings.tls_cert.empty();
  if (host.starts_with("tcp://")) host = (tls ? "https://" : "http://") + host.substr(6);
  endpoint_.base_url = host;
  endpoint_.ca_file = settings.tls_ca;
  endpoint_.cert_file = settings.tls_cert;
  endpoint_.key_file = settings.tls_key;
  endpoint_.verify_tls = settings.tls_verify;
  where_ = host.substr(host.find("://") + 3);
}

DockerResult<std::string> DockerApi::request(const std::string& method, const std::string& path,
                                             milliseconds timeout) const {
  ApiRequest request;
  request.method = method;
  request.path = path;
  request.timeout = timeout;
  ApiResponse response = call(endpoint_, request);
  switch (response.error) {
    case HttpError::None:
      break;
    case HttpError::Refused:
      return DockerError{FailureKind::Refused, "cannot reach the Docker engine at " + where_ +
                                                   ": " + response.error_text};
    case HttpError::Timeout:
      return DockerError{FailureKind::Timeout, "the Docker engine at " + where_ +
                                                   " did not answer within " +
                                                   config::format_duration(timeout)};
    case HttpError::LocalResource:
      return DockerError{FailureKind::LocalResource,
                         "watchdog: cannot ask the Docker engine: " + response.error_text};
    default:
      return DockerError{FailureKind::Error,
                         "Docker engine at " + where_ + ": " + response.error_text};
  }
  if (response.status >= 200 && response.status < 300) return std::move(response.body);
  if (response.status == 304) return std::string();  // "already started"
  std::string message = message_of(response.body);
  return DockerError{response.status == 404 ? FailureKind::NotFound : FailureKind::BadResponse,
                     "Docker engine answered " + std::to_string(response.status) +
                         (message.empty() ? "" : ": " + message)};
}

DockerResult<ContainerInfo> DockerApi::inspect(const std::string& id_or_name,
                                               milliseconds timeout) const {
  auto body = request("GET", "/containers/" + url_encode(id_or_name) + "/json", timeout);
  if (auto* error = std::get_if<DockerError>(&body)) {
    if (error->kind == FailureKind::NotFound) error->detail = "no container " + id_or_name;
    return *error;
  }
  try {
    return parse_container(std::get<std::string>(body));
  } catch (const std::exception&) {
    return DockerError{FailureKind::BadResponse, "unreadable inspect answer for " + id_or_name};
  }
}

DockerResult<std::vector<ContainerInfo>> DockerApi::find(const ContainerTarget& target,
                                                         milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(
                                         deadline - std::chrono::steady_clock::now()));
  };
  std::vector<ContainerInfo> found;
  if (!target.container.empty()) {
    auto one = inspect(target.container, timeout);
    if (auto* error = std::get_if<DockerError>(&one)) return *error;
    found.push_back(std::move(std::get<ContainerInfo>(one)));
    return found;
  }
  const std::string filters = json{{"label", target.labels}}.dump();
  auto body = request("GET", "/containers/json?all=1&filters=" + url_encode(filters), timeout);
  if (auto* error = std::get_if<DockerError>(&body)) return *error;
  std::vector<std::string> ids;
  try {
    for (const auto& entry : json::parse(std::get<std::string>(body))) {
      ids.push_back(entry.at("Id").get<std::string>());
    }
  } catch (const std::exception&) {
    return DockerError{FailureKind::BadResponse, "unreadable container list"};
  }
  if (ids.empty()) return DockerError{FailureKind::NotFound, "no " + target.describe()};
  for (const auto& id : ids) {
    auto one = inspect(id, left());
    if (auto* error = std::get_if<DockerError>(&one)) {
      if (error->kind == FailureKind::NotFound) continue;  // removed meanwhile
      return *error;
    }
    found.push_back(std::move(std::get<ContainerInfo>(one)));
  }
  if (found.empty()) return DockerError{FailureKind::NotFound, "no " + target.describe()};
  return found;
}

std::optional<DockerError> DockerApi::restart(const std::string& id,
                                              std::chrono::seconds stop_timeout,
                                              milliseconds timeout) const {
  auto body = request(
      "POST",
      "/containers/" + url_encode(id) + "/restart?t=" + std::to_string(stop_timeout.count()),
      timeout);
  if (auto* error = std::get_if<DockerError>(&body)) return *error;
  return std::nullopt;
}

std::optional<DockerError> DockerApi::start(const std::string& id, milliseconds timeout) const {
  auto body = request("POST", "/containers/" + url_encode(id) + "/start", timeout);
  if (auto* error = std::get_if<DockerError>(&body)) return *error;
  return std::nullopt;
}

std::optional<DockerError> DockerApi::stop(const std::string& id, std::chrono::seconds stop_timeout,
                                           milliseconds timeout) const {
  auto body = request(
      "POST", "/containers/" + url_encode(id) + "/stop?t=" + std::to_string(stop_timeout.count()),
      timeout);
  if (auto* error = std::get_if<DockerError>(&body)) {
    if (error->kind == FailureKind::NotFound) error->detail = "no such container " + id;
    return *error;
  }
  return std::nullopt;
}

std::optional<DockerError> DockerApi::kill(const std::string& id, const std::string& signal,
                                           milliseconds timeout) const {
  auto body = request(
      "POST", "/containers/" + url_encode(id) + "/kill?signal=" + url_encode(signal), timeout);
  if (auto* error = std::get_if<DockerError>(&body)) {
    if (error->kind == FailureKind::NotFound) error->detail = "no such container " + id;
    return *error;
  }
  return std::nullopt;
}

StopJudgement DockerApi::stop_cause(const ContainerInfo& container, milliseconds timeout) const {
  if (!container.started_at) return {StopCause::Unknown, "it was never started"};
  const json filters = {
      {"type", {"container"}}, {"container", {container.id}}, {"event", {"die", "stop", "kill"}}};
  const std::string path = "/events?since=" + docker_event_time(*container.started_at) +
                           "&until=" + docker_event_time(std::chrono::system_clock::now()) +
                           "&filters=" + url_encode(filters.dump());
  auto body = request("GET", path, timeout);
  if (auto* error = std::get_if<DockerError>(&body)) {
    return {StopCause::Unknown, "cannot read the engine's events: " + error->detail};
  }
  try {
    return judge_stop(container, std::get<std::string>(body));
  } catch (const std::exception&) {
    return {StopCause::Unknown, "unreadable event history"};
  }
}

DockerApi::Settings read_docker_endpoint(config::Options& options) {
  DockerApi::Settings settings;
  settings.socket = options.string_or("socket", settings.socket);
  settings.host = options.string_or("host", "");
  settings.tls_ca = options.string_or("tls_ca", "");
  settings.tls_cert = options.string_or("tls_cert", "");
  settings.tls_key = options.string_or("tls_key", "");
  settings.tls_verify = options.boolean_or("tls_verify", true);
  if (!settings.host.empty() && !settings.host.starts_with("tcp://") &&
      !settings.host.starts_with("http://") && !settings.host.starts_with("https://")) {
    options.fail("host", "must start with tcp://, http:// or https:// (e.g. tcp://10.0.0.5:2376)");
  }
  if (settings.tls_cert.empty() != settings.tls_key.empty()) {
    options.fail(settings.tls_cert.empty() ? "tls_key" : "tls_cert",
                 "tls_cert and tls_key go together");
  }
  if (settings.host.empty() && settings.socket.empty()) options.fail("socket", "must not be empty");
  return settings;
}

ContainerTarget read_container_target(config::Options& options) {
  ContainerTarget target;
  target.container = options.string_or("container", "");
  target.labels = options.string_list("labels");
  if (target.container.empty() == target.labels.empty()) {
    options.fail("container", "give exactly one of `container` (name or id) or `labels`");
  }
  return target;
}

}  // namespace watchdog::probes
