#pragma once
// A STAND-IN for Patroni's REST API (Patroni itself cannot run on these machines: it needs a
// DCS — etcd, Consul, ZooKeeper — and a Python install that is not here). A real HTTP server on
// 127.0.0.1 and a free port (a WebhookReceiver underneath) serving what the watchdog asks:
//   GET /liveness   200 while alive; `liveness_status` otherwise (Patroni answers 503 when
//                   its HA loop is stuck); 404 when `without_liveness` (Patroni < 2.0)
//   GET /readiness  200 while alive
//   GET /patroni    JSON {"state":"running","role":"master","pause":true|absent, …}
//   GET /cluster    JSON {"members":[…],"pause":…}
// Settable: alive (answers), paused (maintenance mode), stopped (the port is closed: connections
// are refused) and started again on the same port.
//
// Thread-safety: the set_* methods may be called from any thread while it runs; stop(), start()
// and requests() from the test's thread only.

#include <memory>
#include <mutex>
#include <string>

#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {

class PatroniStandin {
 public:
  PatroniStandin();  // alive, not paused; throws std::runtime_error
  ~PatroniStandin();
  PatroniStandin(const PatroniStandin&) = delete;
  PatroniStandin& operator=(const PatroniStandin&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  void set_paused(bool paused);
  // /liveness answers this status (200 = alive, 503 = HA loop stuck).
  void set_liveness_status(int status);
  void set_without_liveness(bool without);  // an old Patroni: /liveness is 404
  void stop();                              // connections refused from now on (no-op when stopped)
  void start();                             // listening on the same port again
  bool running() const;
  // GET requests seen per path since it (last) started.
  std::size_t requests(const std::string& path) const;

 private:
  Reply answer(const ReceivedRequest& request) const;
  int port_ = 0;
  mutable std::mutex mutex_;
  bool paused_ = false;
  int liveness_status_ = 200;
  bool without_liveness_ = false;
  std::unique_ptr<WebhookReceiver> server_;
};

}  // namespace watchdog::testing
