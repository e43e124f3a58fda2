#include "tests/support/webhook_receiver.h"

#include <httplib.h>
#include <strings.h>

#include <stdexcept>

#include "tests/support/temp_dir.h"

namespace watchdog::testing {

std::string ReceivedRequest::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0) return value;
  }
  return "";
}

WebhookReceiver::WebhookReceiver()
    : server_(std::make_unique<httplib::Server>()),
      responder_([](const ReceivedRequest&, std::size_t) { return Reply{}; }) {
  start(0);
}

WebhookReceiver::WebhookReceiver(int port)
    : server_(std::make_unique<httplib::Server>()),
      responder_([](const ReceivedRequest&, std::size_t) { return Reply{}; }) {
  if (port <= 0) throw std::runtime_error("WebhookReceiver: invalid port");
  start(port);
}

void WebhookReceiver::start(int port) {
  auto handle = [this](const httplib::Request& req, httplib::Response& res) {
    ReceivedRequest record;
    record.method = req.method;
    record.path = req.path;
    for (const auto& [key, value] : req.headers) record.headers[key] = value;
    record.body = req.body;
    record.json = nlohmann::json::parse(req.body, nullptr, false);
    if (record.json.is_discarded()) record.json = nullptr;
    record.arrived = std::chrono::steady_clock::now();

    std::unique_lock lock(mutex_);
    const std::size_t index = requests_.size();
    requests_.push_back(record);
    const auto responder = responder_;
    lock.unlock();
    const Reply reply = responder(record, index);
    lock.lock();
    if (reply.delay.count() > 0) stop_.wait_for(lock, reply.delay, [this] { return stopping_; });
    requests_[index].status = reply.status;
    lock.unlock();

    res.status = reply.status;
    if (reply.retry_after_seconds) {
      res.set_header("Retry-After", std::to_string(*reply.retry_after_seconds));
    }
    for (const auto& [key, value] : reply.headers) res.set_header(key, value);
    res.set_content(reply.body, reply.content_type.c_str());
  };
  server_->Get(".*", handle);
  server_->Post(".*", handle);
  server_->Put(".*", handle);
  server_->set_keep_alive_timeout(1);  // bounds how long stop() waits for idle connections
  if (port == 0) {
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("WebhookReceiver: cannot bind 127.0.0.1");
  } else {
    // The previous owner of the port may still be closing (the socket has SO_REUSEADDR).
    port_ = port;
    if (!wait_until([&] { return server_->bind_to_port("127.0.0.1", port); },
                    std::chrono::seconds(5), std::chrono::milliseconds(100))) {
      throw std::runtime_error("WebhookReceiver: cannot bind 127.0.0.1:" + std::to_string(port));
    }
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  if (!wait_until([this] { return server_->is_running(); }, std::chrono::seconds(5))) {
    throw std::runtime_error("WebhookReceiver: server did not start");
  }
}

WebhookReceiver::~WebhookReceiver() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string WebhookReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void WebhookReceiver::reply_always(Reply reply) {
  reply_with([reply](const ReceivedRequest&, std::size_t) { return reply; });
}

void WebhookReceiver::reply_with(
    std::function<Reply(const ReceivedRequest&, std::size_t)> responder) {
  std::lock_guard lock(mutex_);
  responder_ = std::move(responder);
}

std::vector<ReceivedRequest> WebhookReceiver::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<ReceivedRequest> WebhookReceiver::requests(const std::string& method) const {
  std::vector<ReceivedRequest> out;
  for (auto& request : requests()) {
    if (request.method == method) out.push_back(std::move(request));
  }
  return out;
}

bool WebhookReceiver::wait_for(std::size_t count, std::chrono::milliseconds limit,
                               const std::string& method) const {
  return wait_until([&] { return requests(method).size() >= count; }, limit);
}

std::vector<ReceivedRequest> WebhookReceiver::delivered(const std::string& method) const {
  std::vector<ReceivedRequest> out;
  for (auto& request : requests(method)) {
    if (request.answered_2xx()) out.push_back(std::move(request));
  }
  return out;
}

std::map<std::string, int> WebhookReceiver::delivered_keys(const std::string& method) const {
  std::map<std::string, int> out;
  for (const auto& request : delivered(method)) ++out[request.header("Idempotency-Key")];
  return out;
}

}  // namespace watchdog::testing
