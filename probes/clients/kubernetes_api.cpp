#include "probes/clients/kubernetes_api.h"

#include <sys/stat.h>

#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "config/bounded_file.h"
#include "config/redaction.h"
#include "config/units.h"

namespace watchdog::probes {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// A mounted token or namespace file, trailing whitespace cut. Read like every `*_file` secret
// (config/bounded_file.h): a FIFO or /dev/zero at that path must not hang or fill the process.
std::optional<std::string> read_trimmed(const std::string& path, std::string& error) {
  auto text = config::read_regular_file(path, config::kMaxSecretFileBytes, error);
  if (!text) return std::nullopt;
  while (!text->empty() && std::isspace(static_cast<unsigned char>(text->back()))) text->pop_back();
  return text;
}

// A Kubernetes Status document's message ("pods \"x\" not found"), else "".
std::string status_message(const std::string& body) {
  try {
    auto document = json::parse(body);
    if (document.is_object() && document.value("kind", "") == "Status") {
      return document.value("message", "");
    }
  } catch (const std::exception&) {
  }
  return "";
}

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

}  // namespace

std::vector<PodInfo> parse_pod_list(const std::string& body) {
  std::vector<PodInfo> pods;
  const json document = json::parse(body);
  for (const auto& item : document.at("items")) {
    PodInfo pod;
    const json& metadata = item.at("metadata");
    pod.name = metadata.at("name").get<std::string>();
    pod.deleting =
        metadata.contains("deletionTimestamp") && !metadata["deletionTimestamp"].is_null();
    if (metadata.contains("creationTimestamp") && metadata["creationTimestamp"].is_string()) {
      pod.created = parse_rfc3339(metadata["creationTimestamp"].get<std::string>());
    }
    const json status = item.value("status", json::object());
    pod.phase = status.value("phase", "");
    for (const auto& condition : status.value("conditions", json::array())) {
      if (condition.value("type", "") == "Ready")
        pod.ready = condition.value("status", "") == "True";
    }
    for (const auto& container : status.value("containerStatuses", json::array())) {
      pod.restarts += container.value("restartCount", 0);
      const json state = container.value("state", json::object());
      if (pod.waiting_reason.empty() && state.contains("waiting")) {
        pod.waiting_reason = state["waiting"].value("reason", "");
      }
    }
    pods.push_back(std::move(pod));
  }
  return pods;
}

DeploymentInfo parse_deployment(const std::string& body) {
  const json document = json::parse(body);
  DeploymentInfo info;
  info.name = document.at("metadata").at("name").get<std::string>();
  const json spec = document.value("spec", json::object());
  info.desired = spec.value("replicas", 1);
  info.paused = spec.value("paused", false);
  info.available = document.value("status", json::object()).value("availableReplicas", 0);
  return info;
}

std::string restart_patch(std::chrono::system_clock::time_point now) {
  const json patch = {
      {"spec",
       {{"template",
         {{"metadata",
           {{"annotations", {{"kubectl.kubernetes.io/restartedAt", format_rfc3339(now)}}}}}}}}}};
  return patch.dump();
}

KubernetesApi::KubernetesApi(Settings settings) : settings_(std::move(settings)) {}

std::string KubernetesApi::namespace_name() {
  std::lock_guard lock(mutex_);
  if (!settings_.namespace_name.empty()) return settings_.namespace_name;
  if (namespace_cache_.empty()) {
    std::string ignored;  // no namespace file: not in a cluster, the default namespace
    namespace_cache_ = read_trimmed(settings_.namespace_file, ignored).value_or("");
    if (namespace_cache_.empty()) namespace_cache_ = "default";
  }
  return namespace_cache_;
}

std::optional<KubernetesError> KubernetesApi::current_token(std::string& token) {
  std::lock_guard lock(mutex_);
  if (!settings_.token.empty()) {
    token = settings_.token;
    return std::nullopt;
  }
  struct stat info {};
  if (::stat(settings_.token_file.c_str(), &info) != 0) {
    return KubernetesError{FailureKind::Auth, "cannot read the token file " + settings_.token_file};
  }
  FileStamp stamp{static_cast<long long>(info.st_mtim.tv_sec) * 1000000000LL + info.st_mtim.tv_nsec,
                  static_cast<long long>(info.st_size), static_cast<long long>(info.st_ino)};
  if (!(stamp == token_stamp_) || token_cache_.empty()) {
    std::string error;
    auto text = read_trimmed(settings_.token_file, error);
    if (!text || text->empty()) {
      return KubernetesError{
          FailureKind::Auth,
          "cannot read the token file " + settings_.token_file + (text ? ": empty" : ": " + error)};
    }
    token_cache_ = std::move(*text);
    token_stamp_ = stamp;
    // Read at run time (kubelet rotates it), so the config loader never saw it: an API server
    // or proxy that echoes the Authorization header must not put it into a detail.
    config::remember_runtime_secret("token_file " + settings_.token_file, token_cache_);
  }
  token = token_cache_;
  return std::nullopt;
}

std::string KubernetesApi::base_url() const {
  if (!settings_.server.empty()) return settings_.server;
  std::string host = env_or_empty("KUBERNETES_SERVICE_HOST");
  std::string port = env_or_empty("KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) return "";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "https://" + host + ":" + port;
}

std::string KubernetesApi::server_text() const {
  const std::string url = base_url();
  if (url.empty()) return "in-cluster (KUBERNETES_SERVICE_HOST unset)";
  std::string server = url.substr(url.find("://") + 3);
  // Never a user:password@ someone put in `server`: this text is logged.
  const auto at = server.find('@');
  if (at != std::string::npos && at < server.find('/')) server.erase(0, at + 1);
  return server;
}

KubernetesResult<std::string> KubernetesApi::request(const std::string& method, const std::string& path,
                                         const std::string& body, const std::string& content_type,
                                         milliseconds timeout) {
  ApiEndpoint endpoint;
  endpoint.base_url = base_url();
  if (endpoint.base_url.empty()) {
    return KubernetesError{
        FailureKind::Error,
        "no `server` configured and not in a cluster (KUBERNETES_SERVICE_HOST unset)"};
  }
  endpoint.ca_file = settings_.ca_file;
  endpoint.verify_tls = settings_.verify_tls;
  ApiRequest request;
  request.method = method;
  request.path = path;
  request.body = body;
  request.content_type = content_type;
  request.timeout = timeout;
  if (auto error = current_token(request.bearer_token)) return *error;

  const std::string where = endpoint.base_url.substr(endpoint.base_url.find("://") + 3);
  ApiResponse response = call(endpoint, request);
  switch (response.error) {
    case HttpError::None:
      break;
    case HttpError::Refused:
      return KubernetesError{FailureKind::Refused,
                       "cannot reach the Kubernetes API at " + where + ": " + response.error_text};
    case HttpError::Timeout:
      return KubernetesError{FailureKind::Timeout, "the Kubernetes API at " + where +
                                                 " did not answer within " +
                                                 config::format_duration(timeout)};
    case HttpError::Tls:
      return KubernetesError{FailureKind::Error, "TLS with the Kubernetes API at " + where +
                                               " failed: " + response.error_text};
    case HttpError::LocalResource:
      return KubernetesError{FailureKind::LocalResource,
                             "watchdog: cannot ask the Kubernetes API: " + response.error_text};
    default:
      return KubernetesError{FailureKind::Error,
                       "Kubernetes API at " + where + ": " + response.error_text};
  }
  if (response.status >= 200 && response.status < 300) return std::move(response.body);
  const std::string message = status_message(response.body);
  const std::string answered = "Kubernetes API answered " + std::to_string(response.status) +
                               (message.empty() ? "" : ": " + message);
  if (response.status == 401 || response.status == 403)
    return KubernetesError{FailureKind::Auth, answered, response.status};
  if (response.status == 404)
    return KubernetesError{FailureKind::NotFound, answered, response.status};
  return KubernetesError{FailureKind::BadResponse, answered, response.status};
}

KubernetesResult<std::vector<PodInfo>> KubernetesApi::list_pods(const std::string& selector,
                                                    milliseconds timeout) {
  auto body = request("GET",
                      "/api/v1/namespaces/" + url_encode(namespace_name()) +
                          "/pods?labelSelector=" + url_encode(selector),
                      "", "", timeout);
  if (auto* error = std::get_if<KubernetesError>(&body)) return *error;
  try {
    return parse_pod_list(std::get<std::string>(body));
  } catch (const std::exception&) {
    return KubernetesError{FailureKind::BadResponse, "unreadable pod list"};
  }
}

KubernetesResult<DeploymentInfo> KubernetesApi::get_deployment(const std::string& name, milliseconds timeout) {
  auto body = request("GET",
                      "/apis/apps/v1/namespaces/" + url_encode(namespace_name()) + "/deployments/" +
                          url_encode(name),
                      "", "", timeout);
  if (auto* error = std::get_if<KubernetesError>(&body)) return *error;
  try {
    return parse_deployment(std::get<std::string>(body));
  } catch (const std::exception&) {
    return KubernetesError{FailureKind::BadResponse, "unreadable deployment " + name};
  }
}

std::optional<KubernetesError> KubernetesApi::patch_deployment(const std::string& name,
                                                   const std::string& patch, milliseconds timeout) {
  auto body = request("PATCH",
                      "/apis/apps/v1/namespaces/" + url_encode(namespace_name()) + "/deployments/" +
                          url_encode(name),
                      patch, "application/strategic-merge-patch+json", timeout);
  if (auto* error = std::get_if<KubernetesError>(&body)) return *error;
  return std::nullopt;
}

std::optional<KubernetesError> KubernetesApi::delete_pod(const std::string& name, milliseconds timeout) {
  auto body = request(
      "DELETE", "/api/v1/namespaces/" + url_encode(namespace_name()) + "/pods/" + url_encode(name),
      "", "", timeout);
  if (auto* error = std::get_if<KubernetesError>(&body)) {
    if (error->kind == FailureKind::NotFound) return std::nullopt;  // already gone: done
    return *error;
  }
  return std::nullopt;
}

KubernetesResult<std::string> KubernetesApi::get_json(const std::string& path,
                                                      milliseconds timeout) {
  return request("GET", path, "", "", timeout);
}

KubernetesResult<std::string> KubernetesApi::post_json(const std::string& path,
                                                       const std::string& body,
                                                       milliseconds timeout) {
  return request("POST", path, body, "application/json", timeout);
}

KubernetesResult<std::string> KubernetesApi::put_json(const std::string& path,
                                                      const std::string& body,
                                                      milliseconds timeout) {
  return request("PUT", path, body, "application/json", timeout);
}

KubernetesApi::Settings read_kubernetes_settings(config::Options& options) {
  KubernetesApi::Settings settings;
  settings.server = options.string_or("server", "");
  if (!settings.server.empty() && !settings.server.starts_with("https://") &&
      !settings.server.starts_with("http://")) {
    options.fail("server", "must be a URL, e.g. https://10.0.0.1:6443");
  }
  while (settings.server.ends_with('/')) settings.server.pop_back();
  if (options.has("token_file")) {
    if (options.has("token")) options.fail("token_file", "give either 'token' or 'token_file'");
    settings.token_file = options.required_string("token_file");
  } else if (auto token = options.secret("token")) {
    settings.token = token->value;
  }
  settings.ca_file = options.string_or("ca_file", settings.ca_file);
  settings.namespace_name = options.string_or("namespace", "");
  settings.namespace_file = options.string_or("namespace_file", settings.namespace_file);
  settings.verify_tls = options.boolean_or("verify_tls", true);
  return settings;
}

}  // namespace watchdog::probes
