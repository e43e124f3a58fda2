#include "watchdog/http/request_gate.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "watchdog/http/connection_front.h"
#include "watchdog/logging.h"

namespace watchdog::core {
namespace {

using logging::kv;

bool authorized(const httplib::Request& req, httplib::Response& res, const ApiToken& token) {
  switch (token.check(req.get_header_value("Authorization"))) {
    case TokenVerdict::Accepted:
      return true;
    case TokenVerdict::NotConfigured:
      json_error(res, 403,
                 "operator actions are disabled: no watchdog.api_token_file is configured");
      break;
    case TokenVerdict::Missing:
      res.set_header("WWW-Authenticate", "Bearer realm=\"watchdog\"");
      json_error(res, 401, "missing \"Authorization: Bearer <token>\"");
      break;
    case TokenVerdict::Wrong:
      json_error(res, 403, "wrong token");
      break;
  }
  spdlog::warn("api_request_refused {} {} {}", kv("path", req.path), kv("from", requested_by(req)),
               kv("status", std::to_string(res.status)));
  return false;
}

Screened refuse(httplib::Response& res, int status, const std::string& why) {
  json_error(res, status, why);
  close_after(res);
  return Screened::Refused;
}

}  // namespace

void json_error(httplib::Response& res, int status, const std::string& why) {
  res.status = status;
  res.set_content(
      nlohmann::json{{"error", why}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      "application/json");
}

void close_after(httplib::Response& res) {
  res.set_header("Connection", "close");
  close_connection_after_response();
}

std::string requested_by(const httplib::Request& req) {
  return "api " + req.remote_addr + ":" + std::to_string(req.remote_port);
}

Screened screen_request(const httplib::Request& req, httplib::Response& res, const ApiToken& token,
                        bool stopping) {
  const bool chunked = req.has_header("Transfer-Encoding");
  const bool has_length = req.has_header("Content-Length");
  // Parsed by hand: an unparsable or huge length must not throw out of the gate.
  std::size_t length = 0;
  if (has_length) {
    const auto text = req.get_header_value("Content-Length");
    if (text.empty() || text.size() > 18 ||
        text.find_first_not_of("0123456789") != std::string::npos) {
      return refuse(res, 400, "invalid Content-Length");
    }
    length = std::stoull(text);
  }
  if (req.method == "GET" || req.method == "HEAD") {
    if (chunked || length > 0) return refuse(res, 400, req.method + " takes no body");
    return Screened::Pass;
  }
  if (req.method != "POST" || req.path.rfind("/api/v1/", 0) != 0) {
    res.set_header("Allow", "GET, HEAD");
    return refuse(res, 405, req.method + " is not allowed here (POST only under /api/v1/)");
  }
  if (!authorized(req, res, token)) {
    close_after(res);
    return Screened::Refused;
  }
  if (stopping) return refuse(res, 503, "the watchdog is stopping");
  if (chunked) return refuse(res, 411, "send the body with a Content-Length, not chunked");
  if (length > kMaxBody) {
    return refuse(res, 413, "the body is over " + std::to_string(kMaxBody) + " bytes");
  }
  return has_length ? Screened::Pass : Screened::Bodiless;
}

}  // namespace watchdog::core
