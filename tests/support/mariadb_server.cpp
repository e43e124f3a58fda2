#include "tests/support/mariadb_server.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <stdexcept>

namespace watchdog::testing {
namespace {

constexpr const char* kServer = "/usr/sbin/mariadbd";
constexpr const char* kInstallDb = "/usr/bin/mariadb-install-db";
constexpr const char* kClient = "/usr/bin/mariadb";

// Letters, digits and '-' only: safe inside SQL quotes and an option file without escaping.
std::string random_password() {
  std::random_device device;
  std::string out = "my-";
  for (int i = 0; i < 24; ++i) out += "0123456789abcdef"[device() % 16];
  return out;
}

// A directory only the server's user (`mysql`) may write: data/ and run/.
void create_dir_for_mysql(const std::filesystem::path& path) {
  std::filesystem::create_directory(path);
  const passwd* user = getpwnam("mysql");
  if (user == nullptr) throw std::runtime_error("no `mysql` user on this machine");
  if (chown(path.c_str(), user->pw_uid, user->pw_gid) != 0) {
    throw std::runtime_error("chown " + path.string() + " failed");
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
}

// A new file with mode 0600 from the start (never briefly readable by others), refusing to
// follow or reuse anything already at `path`.
void write_private_file(const std::filesystem::path& path, const std::string& content) {
  const int fd = open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("creating " + path.string() + ": " + std::strerror(errno));
  const bool written =
      write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::close(fd);
  if (!written) throw std::runtime_error("writing " + path.string() + " failed");
}

// Options both the bootstrap and the server get, so the files install-db writes fit the server.
const std::vector<std::string> kStorageOptions = {"--innodb-buffer-pool-size=16M",
                                                  "--innodb-log-file-size=4M", "--user=mysql"};

}  // namespace

MariaDbServer::MariaDbServer(MariaDbOptions options)
    : options_(std::move(options)),
      data_dir_(dir_ / "data"),
      run_dir_(dir_ / "run"),
      secrets_dir_(dir_ / "secrets"),
      socket_path_(run_dir_ / "mysqld.sock"),
      error_log_(run_dir_ / "error.log"),
      defaults_file_(secrets_dir_ / "client.cnf"),
      password_(random_password()) {
  // The top dir stays root's (0711: `mysql` may pass through, not write); the secrets dir is
  // root's alone (0700), so the server's user can neither read nor plant a link there.
  std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all |
                                                std::filesystem::perms::group_exec |
                                                std::filesystem::perms::others_exec);
  std::filesystem::create_directory(secrets_dir_);
  std::filesystem::permissions(secrets_dir_, std::filesystem::perms::owner_all);
  create_dir_for_mysql(run_dir_);
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
  create_dir_for_mysql(data_dir_);
  std::vector<std::string> argv = {kInstallDb,
                                   "--no-defaults",
                                   "--datadir=" + data_dir_.string(),
                                   "--auth-root-authentication-method=normal",
                                   "--skip-test-db",
                                   "--skip-name-resolve",
                                   // Its own temp dir: two bootstraps at once (ctest -j2) in a
                                   // shared /tmp collide on #sql-temptable-… names.
                                   "--tmpdir=" + run_dir_.string()};
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
                                   "--pid-file=" + (run_dir_ / "mariadbd.pid").string(),
                                   "--log-error=" + error_log_.string(),
                                   "--skip-name-resolve",
                                   "--tmpdir=" + run_dir_.string(),
                                   "--performance-schema=OFF",
                                   "--innodb-flush-log-at-trx-commit=2",
                                   "--max-connections=" + std::to_string(options_.max_connections)};
  argv.insert(argv.end(), kStorageOptions.begin(), kStorageOptions.end());
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  return argv;
}

// install-db's root accounts have no password (auth method `normal`); root@<hostname> is left
// alone (ignored under skip-name-resolve). The statements go in on stdin from a private file,
// never on the command line (visible to every user in /proc/*/cmdline).
void MariaDbServer::set_root_password() {
  std::string statements;
  for (const char* host : {"localhost", "127.0.0.1", "::1"}) {
    statements +=
        "SET PASSWORD FOR 'root'@'" + std::string(host) + "' = PASSWORD('" + password_ + "');\n";
  }
  const auto script = secrets_dir_ / "set-password.sql";
  write_private_file(script, statements);
  auto result = run_command(
      {kClient, "--no-defaults", "--socket=" + socket_path_.string(), "--user=root", "--batch"}, {},
      std::chrono::seconds(20), script);
  std::filesystem::remove(script);
  if (result.exit_code != 0) throw std::runtime_error("setting root's password: " + result.err);
  write_private_file(defaults_file_, "[client]\nuser=" + user_ + "\npassword=" + password_ +
                                         "\nhost=127.0.0.1\nport=" + std::to_string(port_) + "\n");
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
