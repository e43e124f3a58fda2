#include "tests/support/kubernetes_standin.h"

#include <httplib.h>

#include <sstream>
#include <stdexcept>

#include "tests/support/child_process.h"
#include "tests/support/test_pki.h"

namespace watchdog::testing {
namespace {

using nlohmann::json;

json status_document(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
          {"status", "Failure"}, {"message", message}, {"reason", reason},
          {"code", code}};
}

void reply(httplib::Response& res, int code, const json& body) {
  res.status = code;
  res.set_content(body.dump(), "application/json");
}

// One requirement of a label selector: "k=v", "k==v", "k!=v" or "k" (exists).
bool matches_one(const json& labels, const std::string& requirement) {
  auto not_equal = requirement.find("!=");
  if (not_equal != std::string::npos) {
    auto key = requirement.substr(0, not_equal);
    return !labels.contains(key) || labels[key] != requirement.substr(not_equal + 2);
  }
  auto equal = requirement.find('=');
  if (equal == std::string::npos) return labels.contains(requirement);
  auto key = requirement.substr(0, equal);
  auto value = requirement.substr(requirement[equal + 1] == '=' ? equal + 2 : equal + 1);
  return labels.contains(key) && labels[key] == value;
}

bool matches(const json& pod, const std::string& selector) {
  const json labels = pod["metadata"].value("labels", json::object());
  std::istringstream parts(selector);
  for (std::string requirement; std::getline(parts, requirement, ',');) {
    if (!requirement.empty() && !matches_one(labels, requirement)) return false;
  }
  return true;
}

// DeploymentStatus's counts are `omitempty`: the API omits every one that is zero (spec.replicas
// is a pointer, so a deployment scaled to 0 still shows `replicas: 0` in its spec).
void set_replica_counts(json& status, int replicas, int available) {
  for (const char* key : {"replicas", "updatedReplicas", "availableReplicas"}) status.erase(key);
  if (replicas > 0) status["replicas"] = status["updatedReplicas"] = replicas;
  if (available > 0) status["availableReplicas"] = available;
}

}  // namespace

json make_pod(const std::string& name, const std::map<std::string, std::string>& labels, bool ready,
              int restarts, const std::string& waiting_reason, const std::string& created) {
  json state = waiting_reason.empty()
                   ? json{{"running", {{"startedAt", created}}}}
                   : json{{"waiting",
                           {{"reason", waiting_reason},
                            {"message", "back-off 40s restarting failed container"}}}};
  const std::string ready_text = ready ? "True" : "False";
  return {{"kind", "Pod"},
          {"apiVersion", "v1"},
          {"metadata",
           {{"name", name},
            {"namespace", "default"},
            {"uid", "uid-" + name},
            {"labels", labels},
            {"creationTimestamp", created}}},
          {"spec", {{"containers", {{{"name", "app"}, {"image", "app:1"}}}}}},
          {"status",
           {{"phase", "Running"},
            {"conditions",
             {{{"type", "Initialized"}, {"status", "True"}},
              {{"type", "Ready"}, {"status", ready_text}},
              {{"type", "ContainersReady"}, {"status", ready_text}},
              {{"type", "PodScheduled"}, {"status", "True"}}}},
            {"containerStatuses",
             {{{"name", "app"},
               {"ready", ready},
               {"restartCount", restarts},
               {"state", state},
               {"image", "app:1"}}}}}}};
}

json make_deployment(const std::string& name, int replicas, int available, bool paused) {
  json spec = {{"replicas", replicas},
               {"selector", {{"matchLabels", {{"app", name}}}}},
               {"template",
                {{"metadata", {{"labels", {{"app", name}}}}},
                 {"spec", {{"containers", {{{"name", "app"}, {"image", "app:1"}}}}}}}}};
  if (paused) spec["paused"] = true;
  json status = {{"observedGeneration", 1}};
  set_replica_counts(status, replicas, available);
  return {{"kind", "Deployment"},
          {"apiVersion", "apps/v1"},
          {"metadata", {{"name", name}, {"namespace", "default"}, {"generation", 1}}},
          {"spec", spec},
          {"status", status}};
}

KubernetesStandin::KubernetesStandin(std::string token) : token_(std::move(token)) {
  make_certificates();
  server_ = std::make_unique<httplib::SSLServer>((dir_ / "server.crt").c_str(),
                                                 (dir_ / "server.key").c_str());
  if (!server_->is_valid()) throw std::runtime_error("the stand-in's TLS setup failed");
  routes();
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("cannot bind the Kubernetes stand-in");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  if (!wait_until([this] { return server_->is_running(); }, std::chrono::seconds(5),
                  std::chrono::milliseconds(1))) {
    throw std::runtime_error("the Kubernetes stand-in did not start");
  }
}

KubernetesStandin::~KubernetesStandin() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void KubernetesStandin::make_certificates() {
  TestPki pki(dir_.path());
  pki.issue("server", TestPki::Use::Server);
}

void KubernetesStandin::routes() {
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    if (req.get_header_value("Authorization") == "Bearer " + token_) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    reply(res, 401, status_document(401, "Unauthorized", "Unauthorized"));
    return httplib::Server::HandlerResponse::Handled;
  });
  server_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    std::string query = req.target.find('?') == std::string::npos
                            ? ""
                            : req.target.substr(req.target.find('?') + 1);
    std::lock_guard lock(mutex_);
    requests_.push_back(
        {req.method, req.path, query, req.get_header_value("Content-Type"), req.body, res.status});
  });
  server_->Get(R"(/api/v1/namespaces/([^/]+)/pods)",
               [this](const httplib::Request& req, httplib::Response& res) {
                 std::lock_guard lock(mutex_);
                 json items = json::array();
                 for (const auto& pod : pods_[req.matches[1]]) {
                   if (matches(pod, req.get_param_value("labelSelector"))) items.push_back(pod);
                 }
                 reply(res, 200,
                       {{"kind", "PodList"},
                        {"apiVersion", "v1"},
                        {"metadata", {{"resourceVersion", "4711"}}},
                        {"items", items}});
               });
  server_->Delete(R"(/api/v1/namespaces/([^/]+)/pods/([^/]+))", [this](const httplib::Request& req,
                                                                       httplib::Response& res) {
    std::lock_guard lock(mutex_);
    auto& pods = pods_[req.matches[1]];
    for (auto it = pods.begin(); it != pods.end(); ++it) {
      if ((*it)["metadata"]["name"] == req.matches[2].str()) {
        json deleted = *it;
        deleted["metadata"]["deletionTimestamp"] = "2026-11-22T06:00:00Z";
        pods.erase(it);
        return reply(res, 200, deleted);
      }
    }
    reply(res, 404,
          status_document(404, "NotFound", "pods \"" + req.matches[2].str() + "\" not found"));
  });
  const std::string deployment_path = R"(/apis/apps/v1/namespaces/([^/]+)/deployments/([^/]+))";
  server_->Get(deployment_path, [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    auto it = deployments_.find(req.matches[1].str() + "/" + req.matches[2].str());
    if (it == deployments_.end()) {
      return reply(res, 404,
                   status_document(404, "NotFound",
                                   "deployments.apps \"" + req.matches[2].str() + "\" not found"));
    }
    reply(res, 200, it->second);
  });
  server_->Patch(deployment_path, [this](const httplib::Request& req, httplib::Response& res) {
    const std::string type = req.get_header_value("Content-Type");
    if (type != "application/strategic-merge-patch+json" &&
        type != "application/merge-patch+json") {
      return reply(res, 415,
                   status_document(415, "UnsupportedMediaType",
                                   "the body of the request was in an unknown format"));
    }
    std::lock_guard lock(mutex_);
    auto it = deployments_.find(req.matches[1].str() + "/" + req.matches[2].str());
    if (it == deployments_.end()) {
      return reply(res, 404, status_document(404, "NotFound", "deployments.apps not found"));
    }
    json patch = json::parse(req.body, nullptr, false);
    if (patch.is_discarded() || !patch.is_object()) {
      return reply(res, 400, status_document(400, "BadRequest", "invalid JSON patch"));
    }
    it->second.merge_patch(patch);
    it->second["metadata"]["generation"] = it->second["metadata"].value("generation", 1) + 1;
    if (heal_on_patch_) {
      it->second["status"]["availableReplicas"] = it->second["spec"].value("replicas", 1);
    }
    reply(res, 200, it->second);
  });
  leases_.install(*server_);
}

void KubernetesStandin::set_token(std::string token) {
  std::lock_guard lock(mutex_);
  token_ = std::move(token);
}

void KubernetesStandin::heal_on_patch(bool heal) {
  std::lock_guard lock(mutex_);
  heal_on_patch_ = heal;
}

void KubernetesStandin::put_pod(const std::string& ns, json pod) {
  std::lock_guard lock(mutex_);
  pods_[ns].push_back(std::move(pod));
}

void KubernetesStandin::put_deployment(const std::string& ns, json deployment) {
  const std::string key = ns + "/" + deployment["metadata"]["name"].get<std::string>();
  std::lock_guard lock(mutex_);
  deployments_[key] = std::move(deployment);
}

void KubernetesStandin::scale(const std::string& ns, const std::string& name, int replicas) {
  std::lock_guard lock(mutex_);
  json& deployment = deployments_.at(ns + "/" + name);
  deployment["spec"]["replicas"] = replicas;
  const int generation = deployment["metadata"].value("generation", 1) + 1;
  deployment["metadata"]["generation"] = generation;
  deployment["status"]["observedGeneration"] = generation;
  set_replica_counts(deployment["status"], replicas, replicas);
}

json KubernetesStandin::deployment(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = deployments_.find(ns + "/" + name);
  return it == deployments_.end() ? json() : it->second;
}

std::vector<std::string> KubernetesStandin::pod_names(const std::string& ns) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  if (auto it = pods_.find(ns); it != pods_.end()) {
    for (const auto& pod : it->second) names.push_back(pod["metadata"]["name"]);
  }
  return names;
}

std::vector<KubernetesStandin::Request> KubernetesStandin::requests(const std::string& method) const {
  std::lock_guard lock(mutex_);
  std::vector<Request> out;
  for (const auto& request : requests_) {
    if (method.empty() || request.method == method) out.push_back(request);
  }
  return out;
}

}  // namespace watchdog::testing
