#pragma once
// A real PostgreSQL 15 for integration tests: initdb (scram-sha-256, superuser `postgres` with a
// random password) in a temp dir owned by the `postgres` user (the server refuses to run as
// root), started with pg_ctl on 127.0.0.1 and a free port, its unix socket in the data dir.
// The constructor throws std::runtime_error (with the server log) when the server does not come
// up — tests let that fail them, in CI and elsewhere; they never skip.
// The destructor thaws, stops (pg_ctl stop -m immediate) and removes everything.
//
// Thread-safety: one test thread drives it; port()/password()/dsn() may be read from any thread.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace watchdog::testing {

class PostgresServer {
 public:
  explicit PostgresServer(int max_connections = 20);
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  const std::string& password() const { return password_; }  // of the superuser `postgres`
  const std::filesystem::path& data_dir() const { return data_dir_; }
  const std::filesystem::path& log_path() const { return log_path_; }
  // "host=127.0.0.1 port=P user=postgres password=… dbname=postgres"
  std::string dsn() const;
  // The pg_ctl -o argument used to start it (same for a restart by a test's action).
  std::string server_options() const;

  // Runs `sql` through psql as postgres (TCP, password auth); returns the unaligned output.
  // Throws std::runtime_error when psql fails.
  std::string psql(const std::string& sql) const;

  void start();  // pg_ctl start -w; throws on failure
  void stop();   // pg_ctl stop -m fast (no-op when stopped)
  bool running() const;
  // SIGSTOP / SIGCONT the postmaster and every backend (a hung host): the kernel still accepts
  // TCP connections into the backlog, but nothing answers.
  void freeze();
  void thaw();

 private:
  std::vector<pid_t> cluster_pids() const;  // postmaster first, then its children
  TempDir dir_;
  std::filesystem::path data_dir_, log_path_;
  int port_ = 0;
  int max_connections_ = 0;
  std::string password_;
  bool frozen_ = false;
};

}  // namespace watchdog::testing
