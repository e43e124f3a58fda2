#pragma once
// A real HTTP server on 127.0.0.1 (a port picked by the kernel) that records every request it
// gets and answers as the test tells it: a status, an optional Retry-After header, an optional
// delay (a "hung" receiver). Used as an alert sink and as a live probe target.
//
// Thread-safety: every method may be called from any thread while the server runs. Delayed
// answers are cut short when the receiver is destroyed, so destruction never waits for them.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace watchdog::testing {

struct ReceivedRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string>
      headers;  // names as sent (httplib matches them case-insensitively)
  std::string body;
  nlohmann::json json;  // the parsed body; null when it is not JSON
  std::chrono::steady_clock::time_point arrived;

  // The header's value, looked up case-insensitively ("" when absent).
  std::string header(const std::string& name) const;
};

struct Reply {
  int status = 200;
  std::string body = "ok";
  std::chrono::milliseconds delay{0};      // wait this long before answering (hang)
  std::optional<int> retry_after_seconds;  // adds a Retry-After header
};

class WebhookReceiver {
 public:
  WebhookReceiver();  // listening on return; throws std::runtime_error
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const;

  // Every request gets `reply` (default: 200 "ok").
  void reply_always(Reply reply);
  // The reply for the n-th request (0-based, counted over all paths).
  void reply_with(std::function<Reply(const ReceivedRequest&, std::size_t n)> responder);

  std::vector<ReceivedRequest> requests() const;  // in arrival order
  // Only the requests whose method is `method` (e.g. the POSTed alerts).
  std::vector<ReceivedRequest> requests(const std::string& method) const;
  // Waits until at least `count` requests with `method` arrived.
  bool wait_for(std::size_t count, std::chrono::milliseconds limit,
                const std::string& method = "POST") const;

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable stop_;  // wakes delayed answers
  bool stopping_ = false;
  std::vector<ReceivedRequest> requests_;
  std::function<Reply(const ReceivedRequest&, std::size_t)> responder_;
};

}  // namespace watchdog::testing
