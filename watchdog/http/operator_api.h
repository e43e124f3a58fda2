#pragma once
// The operator API's actions, on the watchdog's own listener (see http_server.h for the GETs):
//   POST /api/v1/components/NAME/pause     body {"for":"30m","reason":"deploy"} (both optional;
//                                          for: default 1h, at most 30d)
//   POST /api/v1/components/NAME/resume
//   POST /api/v1/components/NAME/reset     FAILED → probing again
//   POST /api/v1/components/NAME/recover   the next recovery attempt now (holds, leadership,
//                                          the attempt budget and the flap guard still apply)
//   POST /api/v1/incidents/ID/ack          reminders stop; PagerDuty/webhook get `acknowledge`
// Each needs "Authorization: Bearer <token>" (watchdog.api_token_file): 401 without it, 403
// with a wrong one, 403 for every POST when no token is configured; that, and the body's size,
// is checked before any body is read (request_gate.h). Then: 400 for a malformed name, id or
// body (with the reason), 404 for an unknown component, incident or action.
//
// An action becomes a row of the state store's `requests` table (requested_by "api <remote
// address>"), which the engine applies on its own loop, like the CLI's: the action is durable
// and serialised with everything else the engine does. The POST waits up to kAnswerWait for
// the engine's answer (at most kMaxWaiting POSTs at once; the others get 202 at once): 200 done,
// 409 refused (the body says why, e.g. "not FAILED", "held", "expired") or gave_up (recover ended
// FAILED), 404 not found, 500 error (applying it failed); 202 with the request id when no answer
// came in time (it applies when the loop turns). 503 when the state store is not on disk, and once
// the daemon is stopping.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "watchdog/engine/engine.h"
#include "watchdog/http/api_token.h"
#include "watchdog/http/request_gate.h"
#include "watchdog/store/state_store.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace watchdog::core {

inline constexpr auto kAnswerWait = std::chrono::seconds(5);
inline constexpr int kMaxWaiting = 2;  // POSTs waiting for the answer at once; beyond: 202
inline constexpr auto kMaxPause = std::chrono::hours(24 * 30);

// A component name or incident id as it may appear in a path: a letter or digit first, then
// letters, digits, '_', '.', '-'; at most 128 characters. So never "..", "/" or "%2F".
bool valid_path_id(std::string_view id);

class OperatorApi {
 public:
  // `state_dir` "" = no durable store: every action answers 503. `stopping`: the daemon is
  // shutting down (every POST answers 503).
  OperatorApi(const Engine& engine, std::filesystem::path state_dir, const ApiToken& token,
              const std::atomic<bool>& stopping);

  void add_routes(httplib::Server& server);

 private:
  // An authorised request (screen_request() checked the token).
  void handle(const httplib::Request& req, httplib::Response& res) const;
  void component_action(const httplib::Request& req, httplib::Response& res,
                        const std::string& name, const std::string& action) const;
  void acknowledge(const httplib::Request& req, httplib::Response& res,
                   const std::string& id) const;
  // Queues the request, waits for the engine's answer and writes the response.
  void submit(const store::NewRequest& request, httplib::Response& res) const;
  // The engine's answer within kAnswerWait; nothing when it did not come or kMaxWaiting others
  // wait already.
  std::optional<store::Request> wait_for_answer(store::StateStore& store, std::int64_t id) const;

  const Engine& engine_;
  std::filesystem::path state_dir_;
  const ApiToken& token_;
  const std::atomic<bool>& stopping_;
  mutable std::atomic<int> waiting_{0};
};

}  // namespace watchdog::core
