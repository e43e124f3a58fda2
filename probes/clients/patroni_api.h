#pragma once
// Patroni's REST API (the HA manager of a PostgreSQL node), asked whether it is alive and whether
// its cluster is paused — what the watchdog needs to keep its hands off a database Patroni owns
// (`managed_by`, watchdog/engine/manager_watch.h). Patroni itself cannot run on the test
// machines: tests use a stand-in serving the same endpoints (tests/support/patroni_standin.h).
//
// One question = up to two GETs sharing one timeout:
//   GET /liveness  200 while Patroni's HA loop runs (no SQL). 503 = its loop is stuck: down.
//                  404 = a Patroni older than 2.0 without it: /patroni decides instead.
//                  Anything else (401/403, 3xx, other 5xx, …) is not Patroni's word: not known.
//   GET /patroni   JSON with "state" ("running", "stopped", …), "role" ("master"/"primary",
//                  "replica") and "pause": true while the cluster is in maintenance mode
//                  (absent otherwise). Missing (404) or not JSON: pause not known.
// A node that does not answer at all is not asked twice. Only a refused connection or a timeout
// counts as unreachable; TLS, DNS and other transport errors say nothing about Patroni (a wrong
// CA, a typo): not known. "Down" and "unreachable" may let the watchdog act
// (act_when_manager_down); "not known" never does.
//
// Nothing here logs; problems are short texts with curl's generic messages and the endpoint,
// never the URL (which may carry credentials).
//
// Thread-safety: ask() may run on several threads at once.

#include <chrono>
#include <optional>
#include <string>

#include "probes/clients/api_transport.h"

namespace watchdog::probes {

struct PatroniStatus {
  bool answered = false;  // an endpoint answered with HTTP at all
  bool alive = false;
  std::optional<bool> paused;  // nothing when GET /patroni gave no usable answer
  std::string state;           // from /patroni, "" when not known
  std::string role;
  bool known = true;    // false: the answer says nothing about Patroni (TLS, DNS, 401, 502, …)
  std::string problem;  // why not alive: "Couldn't connect to server", "GET /liveness: HTTP 503"
};

// Pure: the status the two answers imply. `patroni` is nothing when it was not asked (the node
// did not answer /liveness, or no time was left).
PatroniStatus judge_patroni(const ApiResponse& liveness, const std::optional<ApiResponse>& patroni);

class PatroniApi {
 public:
  // `base_url` without a trailing slash ("http://10.0.0.5:8008").
  PatroniApi(std::string base_url, std::chrono::milliseconds timeout);
  PatroniStatus ask() const noexcept;

 private:
  ApiEndpoint endpoint_;
  std::chrono::milliseconds timeout_;
};

}  // namespace watchdog::probes
