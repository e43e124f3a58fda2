#include "probes/clients/patroni_api.h"

#include <nlohmann/json.hpp>
#include <utility>

namespace watchdog::probes {
namespace {

constexpr long kNotFound = 404;
constexpr long kServiceUnavailable = 503;

std::string status_problem(const char* endpoint, const ApiResponse& response) {
  return std::string("GET ") + endpoint + ": HTTP " + std::to_string(response.status);
}

// state, role and pause from GET /patroni; false when the answer is not that document.
bool read_patroni_document(const ApiResponse& response, PatroniStatus& status) {
  if (!response.ok() || response.status != 200) return false;
  const auto doc = nlohmann::json::parse(response.body, nullptr, false);
  if (!doc.is_object()) return false;
  auto text = [&](const char* key) {
    const auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  status.state = text("state");
  status.role = text("role");
  const auto pause = doc.find("pause");
  status.paused = pause != doc.end() && pause->is_boolean() && pause->get<bool>();
  return true;
}

}  // namespace

PatroniStatus judge_patroni(const ApiResponse& liveness,
                            const std::optional<ApiResponse>& patroni) {
  PatroniStatus status;
  if (!liveness.ok()) {
    status.problem = liveness.error_text.empty() ? "no answer" : liveness.error_text;
    status.known = liveness.error == HttpError::Refused || liveness.error == HttpError::Timeout;
    return status;
  }
  status.answered = true;
  const bool document = patroni && read_patroni_document(*patroni, status);
  if (liveness.status == 200) {
    status.alive = true;
  } else if (liveness.status == kNotFound) {  // no /liveness (Patroni < 2.0): /patroni decides
    status.alive = document;
    if (!document) {  // something answers, but not as Patroni does: not known
      status.known = false;
      status.problem = !patroni        ? "GET /liveness: HTTP 404, GET /patroni not asked"
                       : patroni->ok() ? status_problem("/patroni", *patroni)
                                       : "GET /patroni: " + patroni->error_text;
    }
  } else {
    status.known = liveness.status == kServiceUnavailable;  // Patroni's own "my loop is stuck"
    status.problem = status_problem("/liveness", liveness);
  }
  return status;
}

PatroniApi::PatroniApi(std::string base_url, std::chrono::milliseconds timeout)
    : timeout_(timeout) {
  endpoint_.base_url = std::move(base_url);
}

PatroniStatus PatroniApi::ask() const noexcept {
  try {
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    ApiRequest request;
    request.path = "/liveness";
    request.timeout = timeout_;
    const ApiResponse liveness = call(endpoint_, request);
    std::optional<ApiResponse> patroni;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (liveness.ok() && left.count() > 0) {
      request.path = "/patroni";
      request.timeout = left;
      patroni = call(endpoint_, request);
    }
    return judge_patroni(liveness, patroni);
  } catch (const std::exception& error) {
    PatroniStatus status;
    status.known = false;
    status.problem = std::string("error: ") + error.what();
    return status;
  }
}

}  // namespace watchdog::probes
