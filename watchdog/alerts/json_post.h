#pragma once
// The request every JSON receiver gets: a POST of `body` (serialised with dump_json, so
// invalid UTF-8 never throws) with the sink's timeout, Content-Type, User-Agent and the
// event's idempotency key (receivers that do not know it ignore it; test receivers use it to
// spot duplicates).

#include <string>

#include "watchdog/alerts/provider.h"
#include "watchdog/version.h"

namespace watchdog::alerts {

inline probes::HttpRequest json_post(const Provider& sink, std::string url,
                                     const nlohmann::json& body, const AlertEvent& event) {
  probes::HttpRequest request;
  request.method = "POST";
  request.url = std::move(url);
  request.body = dump_json(body);
  request.timeout = sink.policy().timeout;
  request.headers = {"Content-Type: application/json",
                     "User-Agent: watchdog/" + std::string(kVersion),
                     "Idempotency-Key: " + idempotency_key(event)};
  return request;
}

}  // namespace watchdog::alerts
