#pragma once
// A real redis-server for integration tests: `redis-server --port PORT --bind 127.0.0.1
// --save '' --daemonize no --dir DIR [--requirepass P] [extra args]` on a free loopback port,
// its working dir and log (DIR/redis.log) in a temp dir of its own. The constructor returns once
// the server answers PING and throws std::runtime_error (with the log) when it does not within
// 10 s: a server that fails to start fails the test, it never skips it.
// The destructor kills the server's process group (a frozen server too) and removes the dir.
//
// Thread-safety: one test thread drives the fixture; probes may talk to the server from any.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace watchdog::testing {

struct RedisServerOptions {
  std::string password;                 // --requirepass when not empty
  std::vector<std::string> extra_args;  // appended, e.g. {"--appendonly", "yes"}
};

class RedisServer {
 public:
  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

  void stop();     // SIGTERM, then SIGKILL after 5 s; the port is refused afterwards
  void restart();  // stop() if running, then start again on the same port (data is lost)
  void freeze();   // SIGSTOP: connections still complete via the backlog, nothing answers
  void thaw();     // SIGCONT

  // Runs one command through redis-cli (authenticated as the default user when a password is
  // set) and returns its raw output without the trailing newline. Error replies come back as
  // text ("ERR ..."); throws std::runtime_error when redis-cli itself fails.
  std::string command(const std::vector<std::string>& args) const;
  // One field of INFO ("rdb_last_bgsave_status" → "ok"), "" when absent.
  std::string info(const std::string& field) const;

 private:
  void start();
  TempDir dir_;
  RedisServerOptions options_;
  int port_ = 0;
  bool frozen_ = false;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace watchdog::testing
