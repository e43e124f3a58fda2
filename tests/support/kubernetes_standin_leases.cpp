#include "tests/support/kubernetes_standin_leases.h"

#include <httplib.h>

#include <regex>

namespace watchdog::testing {
namespace {

using nlohmann::json;

const std::string kResource = "leases.coordination.k8s.io";

void reply_status(httplib::Response& res, int code, const std::string& reason,
                  const std::string& message) {
  res.status = code;
  res.set_content(json{{"kind", "Status"},
                       {"apiVersion", "v1"},
                       {"metadata", json::object()},
                       {"status", "Failure"},
                       {"message", message},
                       {"reason", reason},
                       {"code", code}}
                      .dump(),
                  "application/json");
}

// MicroTime is parsed with Go's RFC3339Micro layout: exactly six fraction digits.
bool micro_time(const json& value) {
  static const std::regex pattern(
      R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2}))");
  return value.is_string() && std::regex_match(value.get<std::string>(), pattern);
}

// What the API server would reject in a Lease body for NS/NAME, or "".
std::string body_problem(const json& lease, const std::string& ns, const std::string& name) {
  if (!lease.is_object()) return "the body is not a JSON object";
  if (lease.value("kind", "") != "Lease" ||
      lease.value("apiVersion", "") != "coordination.k8s.io/v1")
    return "expected kind Lease, apiVersion coordination.k8s.io/v1";
  const json metadata = lease.value("metadata", json::object());
  if (metadata.value("name", "") != name) return "metadata.name must be \"" + name + "\"";
  if (metadata.contains("namespace") && metadata["namespace"] != ns)
    return "the namespace of the object does not match the namespace on the request";
  const json spec = lease.value("spec", json::object());
  for (const char* key : {"acquireTime", "renewTime"}) {
    if (spec.contains(key) && !spec[key].is_null() && !micro_time(spec[key]))
      return std::string("spec.") + key + ": not a MicroTime (RFC 3339, six fraction digits)";
  }
  for (const char* key : {"leaseDurationSeconds", "leaseTransitions"}) {
    if (spec.contains(key) && !spec[key].is_null() && !spec[key].is_number_integer())
      return std::string("spec.") + key + ": must be an integer";
  }
  if (spec.contains("holderIdentity") && !spec["holderIdentity"].is_null() &&
      !spec["holderIdentity"].is_string())
    return "spec.holderIdentity: must be a string";
  return "";
}

}  // namespace

void StandinLeases::install(httplib::Server& server) {
  const std::string one = R"(/apis/coordination.k8s.io/v1/namespaces/([^/]+)/leases/([^/]+))";
  server.Get(one, [this](const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[2];
    std::lock_guard lock(mutex_);
    auto it = leases_.find(req.matches[1].str() + "/" + name);
    if (it == leases_.end()) {
      return reply_status(res, 404, "NotFound", kResource + " \"" + name + "\" not found");
    }
    res.set_content(it->second.dump(), "application/json");
  });
  server.Post(R"(/apis/coordination.k8s.io/v1/namespaces/([^/]+)/leases)",
              [this](const httplib::Request& req, httplib::Response& res) {
                run_hook();
                const std::string ns = req.matches[1];
                json lease = json::parse(req.body, nullptr, false);
                const std::string name =
                    lease.is_object() ? lease.value("metadata", json::object()).value("name", "")
                                      : "";
                if (auto problem = body_problem(lease, ns, name); !problem.empty() || name.empty())
                  return reply_status(res, 400, "BadRequest",
                                      name.empty() ? "metadata.name: Required value" : problem);
                std::lock_guard lock(mutex_);
                const std::string key = ns + "/" + name;
                if (leases_.count(key)) {
                  return reply_status(res, 409, "AlreadyExists",
                                      kResource + " \"" + name + "\" already exists");
                }
                lease["metadata"]["uid"] = "uid-lease-" + name;
                lease["metadata"]["creationTimestamp"] = "2026-11-22T06:00:00Z";
                store(key, lease);
                res.status = 201;
                res.set_content(lease.dump(), "application/json");
              });
  server.Put(one, [this](const httplib::Request& req, httplib::Response& res) {
    run_hook();
    const std::string ns = req.matches[1], name = req.matches[2];
    json lease = json::parse(req.body, nullptr, false);
    if (auto problem = body_problem(lease, ns, name); !problem.empty())
      return reply_status(res, 400, "BadRequest", problem);
    std::lock_guard lock(mutex_);
    auto it = leases_.find(ns + "/" + name);
    if (it == leases_.end()) {
      return reply_status(res, 404, "NotFound", kResource + " \"" + name + "\" not found");
    }
    if (lease["metadata"].value("resourceVersion", "") !=
        it->second["metadata"]["resourceVersion"].get<std::string>()) {
      return reply_status(res, 409, "Conflict",
                          "Operation cannot be fulfilled on " + kResource + " \"" + name +
                              "\": the object has been modified; please apply your changes to "
                              "the latest version and try again");
    }
    for (const char* kept : {"uid", "creationTimestamp"}) {
      lease["metadata"][kept] = it->second["metadata"][kept];
    }
    store(it->first, lease);
    res.set_content(lease.dump(), "application/json");
  });
}

void StandinLeases::store(const std::string& key, json& lease) {
  lease["metadata"]["namespace"] = key.substr(0, key.find('/'));
  lease["metadata"]["resourceVersion"] = std::to_string(++version_);
  leases_[key] = lease;
}

json StandinLeases::lease(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = leases_.find(ns + "/" + name);
  return it == leases_.end() ? json() : it->second;
}

void StandinLeases::put(const std::string& ns, json lease) {
  const std::string name = lease["metadata"]["name"].get<std::string>();
  std::lock_guard lock(mutex_);
  auto it = leases_.find(ns + "/" + name);
  if (it != leases_.end()) {
    for (const char* kept : {"uid", "creationTimestamp"}) {
      lease["metadata"][kept] = it->second["metadata"][kept];
    }
  } else {
    lease["metadata"]["uid"] = "uid-lease-" + name;
    lease["metadata"]["creationTimestamp"] = "2026-11-22T06:00:00Z";
  }
  lease["kind"] = "Lease";
  lease["apiVersion"] = "coordination.k8s.io/v1";
  store(ns + "/" + name, lease);
}

void StandinLeases::before_next_write(std::function<void(StandinLeases&)> hook) {
  std::lock_guard lock(mutex_);
  hook_ = std::move(hook);
}

void StandinLeases::run_hook() {
  std::function<void(StandinLeases&)> hook;
  {
    std::lock_guard lock(mutex_);
    hook.swap(hook_);
  }
  if (hook) hook(*this);
}

}  // namespace watchdog::testing
