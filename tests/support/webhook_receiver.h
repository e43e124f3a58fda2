#pragma once
// A real HTTP server on 127.0.0.1 (a port picked by the kernel, or a fixed one) that records
// every request it gets and answers as the test tells it: a status, a body and its content type,
// an optional Retry-After header and any other headers, an optional delay (a "hung" receiver).
// Used as an alert sink and as a live probe target. A sink that is "down for a while" is a
// receiver destroyed (connections refused) and then made again on the same port.
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
  int status = 0;  // the status it was answered with (0 while its answer is still pending)

  // The header's value, looked up case-insensitively ("" when absent).
  std::string header(const std::string& name) const;
  bool answered_2xx() const { return status >= 200 && status < 300; }
};

struct Reply {
  int status = 200;
  std::string body = "ok";
  std::chrono::milliseconds delay{0};          // wait this long before answering (hang)
  std::optional<int> retry_after_seconds;      // adds a Retry-After header
  std::map<std::string, std::string> headers;  // more response headers
  std::string content_type = "text/plain";     // e.g. "application/json" for a JSON body
};

class WebhookReceiver {
 public:
  WebhookReceiver();  // listening on return; throws std::runtime_error
  // Listens on 127.0.0.1:`port` (e.g. the port of a receiver destroyed before: the sink comes
  // back). Retries the bind for up to 5 s; throws std::runtime_error when it cannot.
  explicit WebhookReceiver(int port);
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

  // The requests with `method` that were answered with a 2xx status (the ones a sender may
  // count as delivered, provided it waited for the answer), in arrival order.
  std::vector<ReceivedRequest> delivered(const std::string& method = "POST") const;
  // How often each Idempotency-Key was answered with a 2xx (requests without the header are
  // counted under "").
  std::map<std::string, int> delivered_keys(const std::string& method = "POST") const;

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable stop_;  // wakes delayed answers
  bool stopping_ = false;
  std::vector<ReceivedRequest> requests_;
  std::function<Reply(const ReceivedRequest&, std::size_t)> responder_;

  void start(int port);  // port 0: any
};

}  // namespace watchdog::testing
