#include "tests/support/mariadb_server.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <stdexcept>

namespace watchdog::testing {
namespace {

constexpr const char* kServer = "/usr/sbin/mariadbd";
constexpr const char* kInstallDb = "/usr/bin/mariadb-install-db";
constexpr const char* kClient = "/usr/bin/mariadb";

// Letters and digits only: safe inside SQL quotes and an option file without escaping.
std::string random_password() {
  std::random_device device;
  std::string out = "my-";
  for (int i = 0; i < 24; ++i) out += "0123456789abcdef"[device() % 16];
  return out;
}

void chown_to_mysql(const std::filesystem::path& path) {
  const passwd* user = getpwnam("mysql");
  if (user == nullptr) throw std::runtime_error("no `mysql` user on this machine");
  if (chown(path.c_str(), user->pw_uid, user->pw_gid) != 0) {
    throw std::runtime_error("chown " + path.string() + " failed");
  }
}

// Options both the bootstrap and the server get, so the files install-db writes fit the server.
const std::vector<std::string> kStorageOptions = {"--innodb-buffer-pool-size=16M",
                                                  "--innodb-log-file-size=4M", "--user=mysql"};

}  // namespace

MariaDbServer::MariaDbServer(MariaDbOptions options)
    : options_(std::move(options)),
      data_dir_(dir_ / "data"),
      socket_path_(dir_ / "mysqld.sock"),
      error_log_(dir_ / "error.log"),
      defaults_file_(dir_ / "client.cnf"),
      password_(random_password()) {
  // The server (as `mysql`) needs to reach its dir for the socket, pid file and error log.
  std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all |
                                                std::filesystem::perms::group_exec |
                                                std::filesystem::perms::others_exec);
  chown_to_mysql(dir_.path());
  install();
  // A port that was free a moment ago may be taken by a parallel test: try a few.
  for (int attempt = 0;; ++attempt) {
    port_ = free_port();
    try {
      process_ = std::make_unique<ChildProcess>(
          ProcessOptions{server_argv(), {}, "/dev/null", dir_ / "mariadbd.out"});
      wait_until_answering({kClient, "--no-defaults", "--socket=" + socket_path_.string(),
                            "--user=root", "--batch", "-e", "SELECT 1"});
      break;
    } catch (const std::runtime_error&) {
      if (attempt == 2) throw;
    }
  }
  set_root_password();
}

MariaDbServer::~MariaDbServer() {
  thaw();
  process_.reset();  // SIGKILLs the server's process group
}

void MariaDbServer::install() {
  std::filesystem::create_directory(data_dir_);
  chown_to_mysql(data_dir_);
  std::vector<std::string> argv = {kInstallDb,
                                   "--no-defaults",
                                   "--datadir=" + data_dir_.string(),
                                   "--auth-root-authentication-method=normal",
                                   "--skip-test-db",
                                   "--skip-name-resolve"};
  argv.insert(argv.end(), kStorageOptions.begin(), kStorageOptions.end());
  auto result = run_command(argv, {}, std::chrono::seconds(60));
  if (result.exit_code != 0) {
    throw std::runtime_error("mariadb-install-db failed:\n" + result.out + result.err);
  }
}

std::vector<std::string> MariaDbServer::server_argv() const {
  std::vector<std::string> argv = {kServer,
                                   "--no-defaults",
                                   "--datadir=" + data_dir_.string(),
                                   "--socket=" + socket_path_.string(),
                                   "--port=" + std::to_string(port_),
                                   "--bind-address=127.0.0.1",
                                   "--pid-file=" + (dir_ / "mariadbd.pid").string(),
                                   "--log-error=" + error_log_.string(),
                                   "--skip-name-resolve",
                                   "--performance-schema=OFF",
                                   "--innodb-flush-log-at-trx-commit=2",
                                   "--max-connections=" + std::to_string(options_.max_connections)};
  argv.insert(argv.end(), kStorageOptions.begin(), kStorageOptions.end());
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  return argv;
}

// install-db's root accounts have no password (auth method `normal`); root@<hostname> is left
// alone (ignored under skip-name-resolve).
void MariaDbServer::set_root_password() {
  std::string statements;
  for (const char* host : {"localhost", "127.0.0.1", "::1"}) {
    statements +=
        "SET PASSWORD FOR 'root'@'" + std::string(host) + "' = PASSWORD('" + password_ + "');";
  }
  auto result = run_command({kClient, "--no-defaults", "--socket=" + socket_path_.string(),
                             "--user=root", "--batch", "-e", statements});
  if (result.exit_code != 0) throw std::runtime_error("setting root's password: " + result.err);
  std::ofstream(defaults_file_) << "[client]\nuser=" << user_ << "\npassword=" << password_
                                << "\nhost=127.0.0.1\nport=" << port_ << "\n";
  std::filesystem::permissions(
      defaults_file_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

void MariaDbServer::wait_until_answering(const std::vector<std::string>& probe_argv) {
  auto answers = [&] {
    return run_command(probe_argv, {}, std::chrono::seconds(5)).exit_code == 0;
  };
  wait_until([&] { return !process_->running() || answers(); }, std::chrono::seconds(30),
             std::chrono::milliseconds(100));
  if (!process_->running() || !answers()) {
    process_.reset();
    throw std::runtime_error("mariadbd on port " + std::to_string(port_) + " did not answer:\n" +
                             read_text(error_log_) + read_text(dir_ / "mariadbd.out"));
  }
}

std::string MariaDbServer::sql(const std::string& statements) const {
  auto result =
      run_command({kClient, "--defaults-file=" + defaults_file_.string(), "--connect-timeout=5",
                   "--batch", "--skip-column-names", "-e", statements});
  if (result.exit_code != 0) throw std::runtime_error("mariadb failed: " + result.err);
  return result.out;
}

void MariaDbServer::start() {
  if (running()) return;
  process_ = std::make_unique<ChildProcess>(
      ProcessOptions{server_argv(), {}, "/dev/null", dir_ / "mariadbd.out"});
  frozen_ = false;
  wait_until_answering({kClient, "--defaults-file=" + defaults_file_.string(),
                        "--connect-timeout=2", "--batch", "-e", "SELECT 1"});
}

void MariaDbServer::stop() {
  if (!process_) return;
  thaw();
  process_->signal(SIGTERM);
  if (!process_->wait(std::chrono::seconds(20))) {
    process_->signal(SIGKILL);
    process_->wait(std::chrono::seconds(5));
  }
  process_.reset();
}

void MariaDbServer::kill() {
  if (!process_) return;
  thaw();
  process_->signal(SIGKILL);
  process_->wait(std::chrono::seconds(5));
  process_.reset();
}

bool MariaDbServer::running() const { return process_ && process_->running(); }

void MariaDbServer::freeze() {
  if (process_ && !frozen_) process_->signal(SIGSTOP);
  frozen_ = process_ != nullptr;
}

void MariaDbServer::thaw() {
  if (process_ && frozen_) process_->signal(SIGCONT);
  frozen_ = false;
}

}  // namespace watchdog::testing
