#include "tests/support/patroni_standin.h"

#include <nlohmann/json.hpp>

namespace watchdog::testing {
namespace {

Reply json_reply(int status, const nlohmann::json& body) {
  Reply reply;
  reply.status = status;
  reply.body = body.dump();
  reply.content_type = "application/json";
  return reply;
}

}  // namespace

PatroniStandin::PatroniStandin() { start(); }

PatroniStandin::~PatroniStandin() = default;

Reply PatroniStandin::answer(const ReceivedRequest& request) const {
  std::lock_guard lock(mutex_);
  nlohmann::json node = {{"state", "running"},
                         {"role", "master"},
                         {"server_version", 150000},
                         {"patroni", {{"version", "3.0.2"}, {"scope", "standin"}}}};
  if (paused_) node["pause"] = true;  // Patroni leaves the key out when not paused
  if (request.method != "GET") return json_reply(405, {{"error", "method not allowed"}});
  if (request.path == "/liveness") {
    if (without_liveness_) return json_reply(404, {{"error", "not found"}});
    return json_reply(liveness_status_, nlohmann::json::object());
  }
  if (request.path == "/readiness") return json_reply(200, nlohmann::json::object());
  if (request.path == "/patroni") return json_reply(200, node);
  if (request.path == "/cluster") {
    nlohmann::json cluster = {{"members", {{{"name", "standin"}, {"role", "leader"}}}}};
    if (paused_) cluster["pause"] = true;
    return json_reply(200, cluster);
  }
  return json_reply(404, {{"error", "not found"}});
}

void PatroniStandin::set_paused(bool paused) {
  std::lock_guard lock(mutex_);
  paused_ = paused;
}

void PatroniStandin::set_liveness_status(int status) {
  std::lock_guard lock(mutex_);
  liveness_status_ = status;
}

void PatroniStandin::set_without_liveness(bool without) {
  std::lock_guard lock(mutex_);
  without_liveness_ = without;
}

void PatroniStandin::stop() { server_.reset(); }

void PatroniStandin::start() {
  if (server_) return;
  server_ =
      port_ == 0 ? std::make_unique<WebhookReceiver>() : std::make_unique<WebhookReceiver>(port_);
  port_ = server_->port();
  server_->reply_with(
      [this](const ReceivedRequest& request, std::size_t) { return answer(request); });
}

bool PatroniStandin::running() const { return server_ != nullptr; }

std::size_t PatroniStandin::requests(const std::string& path) const {
  if (!server_) return 0;
  std::size_t count = 0;
  for (const auto& request : server_->requests("GET")) count += request.path == path ? 1 : 0;
  return count;
}

}  // namespace watchdog::testing
