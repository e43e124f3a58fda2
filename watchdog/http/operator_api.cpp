#include "watchdog/http/operator_api.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "config/time_text.h"
#include "config/units.h"
#include "watchdog/logging.h"
#include "watchdog/store/incident_journal.h"

namespace watchdog::core {
namespace {

using logging::kv;
using Clock = std::chrono::system_clock;

constexpr std::size_t kMaxReason = 500;
constexpr auto kPollEvery = std::chrono::milliseconds(50);
const char* const kComponentActions[] = {"pause", "resume", "reset", "recover"};

// The body as a JSON object: "" = {}; anything else that is not an object is an error.
std::optional<nlohmann::json> body_object(const httplib::Request& req, httplib::Response& res) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
  auto doc = nlohmann::json::parse(req.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    json_error(res, 400, "the body must be a JSON object");
    return std::nullopt;
  }
  return doc;
}

// The pause's arguments for the engine ({until_ms, reason}), or nothing after a 400.
std::optional<nlohmann::json> pause_arguments(const nlohmann::json& body, httplib::Response& res) {
  for (const auto& [key, value] : body.items()) {
    if (key != "for" && key != "reason") {
      json_error(res, 400, "unknown key '" + key + "' (expected for, reason)");
      return std::nullopt;
    }
  }
  config::Duration length = std::chrono::hours(1);
  if (body.contains("for")) {
    if (!body["for"].is_string()) {
      json_error(res, 400, "for: expected a duration such as \"30m\"");
      return std::nullopt;
    }
    try {
      length = config::parse_duration(body["for"].get<std::string>());
    } catch (const std::exception& error) {
      json_error(res, 400, std::string("for: ") + error.what());
      return std::nullopt;
    }
    if (length <= config::Duration::zero() || length > kMaxPause) {
      json_error(res, 400, "for: must be greater than 0 and at most 30d");
      return std::nullopt;
    }
  }
  std::string reason;
  if (body.contains("reason")) {
    if (!body["reason"].is_string() || body["reason"].get<std::string>().size() > kMaxReason) {
      json_error(res, 400, "reason: expected a string of at most 500 characters");
      return std::nullopt;
    }
    reason = body["reason"].get<std::string>();
  }
  return nlohmann::json{{"until_ms", config::epoch_ms(Clock::now() + length)}, {"reason", reason}};
}

int status_of(const std::string& outcome) {
  if (outcome == store::kRequestDone) return 200;
  if (outcome == store::kRequestNotFound) return 404;
  if (outcome == store::kRequestError) return 500;
  return 409;
}

}  // namespace

bool valid_path_id(std::string_view id) {
  if (id.empty() || id.size() > 128 || !std::isalnum(static_cast<unsigned char>(id.front()))) {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

OperatorApi::OperatorApi(const Engine& engine, std::filesystem::path state_dir,
                         const ApiToken& token, const std::atomic<bool>& stopping)
    : engine_(engine), state_dir_(std::move(state_dir)), token_(token), stopping_(stopping) {}

void OperatorApi::add_routes(httplib::Server& server) {
  server.Post(R"(/api/v1/.*)",
              [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
  // Before any body is read: the token, the method, the body's size (request_gate.h).
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    switch (screen_request(req, res, token_, stopping_)) {
      case Screened::Pass:
        return httplib::Server::HandlerResponse::Unhandled;
      case Screened::Refused:
        break;
      case Screened::Bodiless:
        // No Content-Length: cpp-httplib 0.11 would read until the peer closes. Such a request
        // has no body; act on it now and close (whatever follows is not read).
        handle(req, res);
        close_after(res);
        break;
    }
    return httplib::Server::HandlerResponse::Handled;
  });
  // "Expect: 100-continue" (curl for a large body) is answered before the pre-routing handler
  // runs: the client learns of a refusal before it sends the body.
  server.set_expect_100_continue_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        return screen_request(req, res, token_, stopping_) == Screened::Refused ? res.status : 100;
      });
}

// Routed here rather than by one pattern per action, so that a path that does not fit is
// answered 400 or 404 with a reason instead of silently matching nothing.
void OperatorApi::handle(const httplib::Request& req, httplib::Response& res) const {
  static const std::regex component_route(R"(/api/v1/components/(.*)/([^/]*))");
  static const std::regex ack_route(R"(/api/v1/incidents/(.*)/ack)");
  std::smatch match;
  if (std::regex_match(req.path, match, component_route)) {
    component_action(req, res, match[1].str(), match[2].str());
  } else if (std::regex_match(req.path, match, ack_route)) {
    acknowledge(req, res, match[1].str());
  } else {
    json_error(res, 404, "no such operator action");
  }
}

void OperatorApi::component_action(const httplib::Request& req, httplib::Response& res,
                                   const std::string& name, const std::string& action) const {
  if (!valid_path_id(name)) return json_error(res, 400, "invalid component name");
  if (std::find(std::begin(kComponentActions), std::end(kComponentActions), action) ==
      std::end(kComponentActions)) {
    return json_error(res, 404, "no action '" + action + "' (pause, resume, reset, recover)");
  }
  const auto status = engine_.status();
  const bool known = std::any_of(status.components.begin(), status.components.end(),
                                 [&](const ComponentView& c) { return c.name == name; });
  if (!known) return json_error(res, 404, "no component named '" + name + "'");
  auto body = body_object(req, res);
  if (!body) return;
  nlohmann::json data = nlohmann::json::object();
  if (action == "pause") {
    auto arguments = pause_arguments(*body, res);
    if (!arguments) return;
    data = std::move(*arguments);
  } else if (!body->empty()) {
    return json_error(res, 400, action + " takes no arguments");
  }
  submit({action, name, requested_by(req), data.dump()}, res);
}

void OperatorApi::acknowledge(const httplib::Request& req, httplib::Response& res,
                              const std::string& id) const {
  if (!valid_path_id(id)) return json_error(res, 400, "invalid incident id");
  if (!body_object(req, res)) return;
  if (state_dir_.empty()) return json_error(res, 503, "no durable state store");
  std::optional<store::IncidentRecord> record;
  try {
    auto store = store::StateStore::open_read_only(state_dir_);
    record = store::IncidentJournal(store->db()).find(id);
  } catch (const std::exception& error) {
    return json_error(res, 503, std::string("incidents unavailable: ") + error.what());
  }
  if (!record) return json_error(res, 404, "no incident '" + id + "'");
  if (record->closed) return json_error(res, 409, "incident '" + id + "' is closed");
  submit({"ack", record->component, requested_by(req), nlohmann::json{{"incident", id}}.dump()},
         res);
}

void OperatorApi::submit(const store::NewRequest& request, httplib::Response& res) const {
  if (state_dir_.empty()) return json_error(res, 503, "no durable state store");
  nlohmann::json doc = {{"kind", request.kind}, {"component", request.component}};
  try {
    auto store = store::StateStore::open_existing(state_dir_);
    const auto id = store->add_request(request, Clock::now());
    engine_.requests_queued();
    doc["request_id"] = id;
    spdlog::warn("api_request {} {} {} {}", kv("id", std::to_string(id)), kv("kind", request.kind),
                 kv("component", request.component), kv("requested_by", request.requested_by));
    if (auto answered = wait_for_answer(*store, id)) {
      doc["outcome"] = answered->outcome;
      doc["result"] = answered->result;
      res.status = status_of(answered->outcome);
      res.set_content(doc.dump(), "application/json");
      return;
    }
  } catch (const std::exception& error) {
    return json_error(res, 503, std::string("state store unavailable: ") + error.what());
  }
  doc["outcome"] = "pending";
  doc["result"] = "queued; the watchdog applies it on its next turn";
  res.status = 202;
  res.set_content(doc.dump(), "application/json");
}

// Each waiting POST holds one of the listener's threads: at most kMaxWaiting do, so that a burst
// of POSTs never starves /healthz and /metrics; the others are answered 202 at once.
std::optional<store::Request> OperatorApi::wait_for_answer(store::StateStore& store,
                                                           std::int64_t id) const {
  if (waiting_.fetch_add(1) >= kMaxWaiting) {
    --waiting_;
    return std::nullopt;
  }
  struct Release {
    std::atomic<int>& count;
    ~Release() { --count; }
  } release{waiting_};
  const auto deadline = std::chrono::steady_clock::now() + kAnswerWait;
  try {
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto answered = store.request(id); answered && answered->done) return answered;
      std::this_thread::sleep_for(kPollEvery);
    }
  } catch (const std::exception& error) {
    // The request is queued all the same: 202 with its id, not a 503 that invites a retry.
    spdlog::warn("api_answer_unreadable {} {}", kv("id", std::to_string(id)),
                 kv("error", error.what()));
  }
  return std::nullopt;
}

}  // namespace watchdog::core
