#pragma once
// A real MariaDB (10.11) for integration tests: mariadb-install-db --no-defaults into a temp
// dir owned by the `mysql` user (the tests run as root; the server drops to `mysql` itself),
// then `mariadbd --no-defaults` on 127.0.0.1 and a free port, its unix socket, pid file and
// error log in that dir, kept small (16 MiB buffer pool, 4 MiB redo log, no performance schema,
// skip-name-resolve). Once it answers, root (root@localhost, root@127.0.0.1, root@::1) gets a
// random password. The constructor throws std::runtime_error with the error log when the server
// does not come up within 30 s — tests let that fail them, in CI and elsewhere; never skip.
// The destructor thaws, SIGKILLs the server (a test server keeps nothing worth a clean
// shutdown) and removes everything.
//
// The password is never on a command line: the `mariadb` client reads it from
// client_defaults_file() (mode 0600, [client] user/password/host/port), which a test or a
// backup command may use too (`--defaults-file=…` must be the first argument).
//
// Thread-safety: one test thread drives it; port()/password() may be read from any thread.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace watchdog::testing {

struct MariaDbOptions {
  int max_connections = 20;
  std::vector<std::string> extra_args;  // appended to mariadbd's, e.g. {"--log-bin"}
};

class MariaDbServer {
 public:
  explicit MariaDbServer(MariaDbOptions options = {});
  ~MariaDbServer();
  MariaDbServer(const MariaDbServer&) = delete;
  MariaDbServer& operator=(const MariaDbServer&) = delete;

  int port() const { return port_; }
  const std::string& user() const { return user_; }          // "root"
  const std::string& password() const { return password_; }  // of root
  const std::filesystem::path& data_dir() const { return data_dir_; }
  const std::filesystem::path& socket_path() const { return socket_path_; }
  const std::filesystem::path& error_log() const { return error_log_; }
  // [client] user, password, host=127.0.0.1, port; mode 0600. For mariadb, mariadb-dump …
  const std::filesystem::path& client_defaults_file() const { return defaults_file_; }

  // Runs `statements` (one or more, ';'-separated) through the `mariadb` client as root over
  // TCP; returns the tab-separated rows without column names (--batch --skip-column-names).
  // Throws std::runtime_error with the client's message when it fails.
  std::string sql(const std::string& statements) const;

  void start();  // mariadbd on the same port and data; returns once it answers, throws otherwise
  void stop();   // SIGTERM (clean shutdown), SIGKILL after 20 s; no-op when stopped
  void kill();   // SIGKILL: a crash
  bool running() const;
  // SIGSTOP / SIGCONT the server (a hung host): the kernel still accepts TCP connections into
  // the backlog, but nothing answers.
  void freeze();
  void thaw();

 private:
  std::vector<std::string> server_argv() const;
  void install();
  void set_root_password();
  void wait_until_answering(const std::vector<std::string>& probe_argv);
  TempDir dir_;
  MariaDbOptions options_;
  std::filesystem::path data_dir_, socket_path_, error_log_, defaults_file_;
  int port_ = 0;
  std::string user_ = "root";
  std::string password_;
  bool frozen_ = false;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace watchdog::testing
