#pragma once
// A real PostgreSQL 15 for integration tests: initdb (scram-sha-256, superuser `postgres` with a
// random password) in a temp dir owned by the `postgres` user (the server refuses to run as
// root), started with pg_ctl on 127.0.0.1 and a free port, its unix socket in the data dir.
// The constructor throws std::runtime_error (with the server log) when the server does not come
// up — tests let that fail them, in CI and elsewhere; they never skip.
// The destructor thaws, stops (pg_ctl stop -m immediate) and removes everything.
//
// Thread-safety: one test thread drives it; port()/password()/dsn() may be read from any thread.
//
// WAL tests (issue #18): PostgresOptions::archive turns archive_mode on with an archive_command
// the test controls — it copies each segment to archive_dir() and fails while
// set_archive_failing(true) holds (a marker file: no reload needed). initdb's defaults already
// allow streaming replication (wal_level replica, max_wal_senders 10, `host replication`
// lines for 127.0.0.1 in pg_hba.conf), so standby_of() can copy any server with
// pg_basebackup -R -X stream and start the copy on a free port as a hot standby.

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace watchdog::testing {

struct PostgresOptions {
  int max_connections = 20;
  bool archive = false;  // archive_mode=on, archive_command as above (in postgresql.conf)
};

class PostgresServer {
 public:
  explicit PostgresServer(int max_connections = 20);
  explicit PostgresServer(const PostgresOptions& options);
  // A streaming hot standby of `primary` (same password), started; throws like the constructor.
  static std::unique_ptr<PostgresServer> standby_of(const PostgresServer& primary);
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

  const std::filesystem::path& archive_dir() const { return archive_dir_; }  // with `archive`
  void set_archive_failing(bool failing);

 private:
  struct StandbyOf {
    const PostgresServer& primary;
  };
  explicit PostgresServer(StandbyOf standby);
  void prepare_data_dir();                  // the data dir, empty and owned by `postgres`
  std::vector<pid_t> cluster_pids() const;  // postmaster first, then its children
  TempDir dir_;
  std::filesystem::path data_dir_, log_path_, archive_dir_;
  int port_ = 0;
  int max_connections_ = 0;
  std::string password_;
  bool frozen_ = false;
};

}  // namespace watchdog::testing
