#include "tests/support/postgres_server.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "tests/support/child_process.h"

namespace watchdog::testing {
namespace {

const std::string kBin = "/usr/lib/postgresql/15/bin/";

std::string random_password() {
  std::random_device device;
  std::string out = "pw-";
  for (int i = 0; i < 24; ++i) out += "0123456789abcdef"[device() % 16];
  return out;
}

void chown_to_postgres(const std::filesystem::path& path) {
  const passwd* user = getpwnam("postgres");
  if (user == nullptr) throw std::runtime_error("no `postgres` user on this machine");
  if (chown(path.c_str(), user->pw_uid, user->pw_gid) != 0) {
    throw std::runtime_error("chown " + path.string() + " failed");
  }
}

std::vector<std::string> as_postgres(std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
  return argv;
}

}  // namespace

PostgresServer::PostgresServer(int max_connections)
    : PostgresServer(PostgresOptions{max_connections}) {}

PostgresServer::PostgresServer(const PostgresOptions& options)
    : data_dir_(dir_ / "pg"),
      log_path_(dir_ / "pg" / "server.log"),
      port_(free_port()),
      max_connections_(options.max_connections),
      password_(random_password()) {
  prepare_data_dir();
  const auto pwfile = dir_.write("pwfile", password_ + "\n");
  chown_to_postgres(pwfile);
  auto init =
      run_command(as_postgres({kBin + "initdb", "-D", data_dir_.string(), "-A", "scram-sha-256",
                               "--pwfile=" + pwfile.string(), "-U", "postgres", "--no-sync"}),
                  {}, std::chrono::seconds(60));
  std::filesystem::remove(pwfile);
  if (init.exit_code != 0) throw std::runtime_error("initdb failed:\n" + init.out + init.err);
  if (options.archive) {
    archive_dir_ = dir_ / "archive";
    std::filesystem::create_directory(archive_dir_);
    chown_to_postgres(archive_dir_);
    const auto fail = (dir_ / "archive-fail").string();
    std::ofstream(data_dir_ / "postgresql.conf", std::ios::app)
        << "archive_mode = on\narchive_command = 'test ! -f " << fail << " && cp %p "
        << archive_dir_.string() << "/%f'\n";
  }
  start();
}

PostgresServer::PostgresServer(StandbyOf standby)
    : data_dir_(dir_ / "pg"),
      log_path_(dir_ / "pg" / "server.log"),
      port_(free_port()),
      max_connections_(standby.primary.max_connections_),
      password_(standby.primary.password_) {
  prepare_data_dir();
  // -R writes primary_conninfo (with the password from PGPASSWORD) and standby.signal.
  auto copy = run_command(
      as_postgres({kBin + "pg_basebackup", "-D", data_dir_.string(), "-R", "-X", "stream", "-c",
                   "fast", "-h", "127.0.0.1", "-p", std::to_string(standby.primary.port()), "-U",
                   "postgres", "--no-sync"}),
      {{"PGPASSWORD", password_}}, std::chrono::seconds(60));
  if (copy.exit_code != 0)
    throw std::runtime_error("pg_basebackup failed:\n" + copy.out + copy.err);
  std::filesystem::remove(log_path_);  // the primary's log came along
  start();
}

std::unique_ptr<PostgresServer> PostgresServer::standby_of(const PostgresServer& primary) {
  return std::unique_ptr<PostgresServer>(new PostgresServer(StandbyOf{primary}));
}

void PostgresServer::prepare_data_dir() {
  std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all |
                                                std::filesystem::perms::group_exec |
                                                std::filesystem::perms::others_exec);
  std::filesystem::create_directory(data_dir_);
  std::filesystem::permissions(data_dir_, std::filesystem::perms::owner_all);  // the server insists
  chown_to_postgres(data_dir_);
}

void PostgresServer::set_archive_failing(bool failing) {
  const auto marker = dir_ / "archive-fail";
  if (failing) {
    std::ofstream(marker) << "fail\n";
  } else {
    std::filesystem::remove(marker);
  }
}

PostgresServer::~PostgresServer() {
  thaw();
  auto pids = cluster_pids();
  auto result = run_command(
      as_postgres({kBin + "pg_ctl", "-D", data_dir_.string(), "-m", "immediate", "-w", "stop"}));
  if (result.exit_code != 0 && !pids.empty()) kill(pids.front(), SIGKILL);
}

std::string PostgresServer::dsn() const {
  return "host=127.0.0.1 port=" + std::to_string(port_) +
         " user=postgres dbname=postgres password=" + password_;
}

std::string PostgresServer::server_options() const {
  return "-p " + std::to_string(port_) + " -k " + data_dir_.string() +
         " -c listen_addresses=127.0.0.1 -c max_connections=" + std::to_string(max_connections_);
}

std::string PostgresServer::psql(const std::string& sql) const {
  auto result =
      run_command({kBin + "psql", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "postgres",
                   "-d", "postgres", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql},
                  {{"PGPASSWORD", password_}, {"PGCONNECT_TIMEOUT", "5"}});
  if (result.exit_code != 0) throw std::runtime_error("psql failed: " + result.err);
  return result.out;
}

void PostgresServer::start() {
  auto result =
      run_command(as_postgres({kBin + "pg_ctl", "-D", data_dir_.string(), "-o", server_options(),
                               "-l", log_path_.string(), "-w", "-t", "30", "start"}),
                  {}, std::chrono::seconds(40));
  if (result.exit_code != 0) {
    throw std::runtime_error("pg_ctl start failed:\n" + result.out + result.err +
                             read_text(log_path_));
  }
}

void PostgresServer::stop() {
  thaw();
  run_command(as_postgres({kBin + "pg_ctl", "-D", data_dir_.string(), "-m", "fast", "-w", "stop"}));
}

bool PostgresServer::running() const { return !cluster_pids().empty(); }

void PostgresServer::freeze() {
  for (pid_t pid : cluster_pids()) kill(pid, SIGSTOP);
  frozen_ = true;
}

void PostgresServer::thaw() {
  if (!frozen_) return;
  auto pids = cluster_pids();
  for (auto it = pids.rbegin(); it != pids.rend(); ++it) kill(*it, SIGCONT);
  frozen_ = false;
}

std::vector<pid_t> PostgresServer::cluster_pids() const {
  std::vector<pid_t> pids;
  std::istringstream pidfile(read_text(data_dir_ / "postmaster.pid"));
  pid_t postmaster = 0;
  if (!(pidfile >> postmaster) || postmaster <= 0 || kill(postmaster, 0) != 0) return pids;
  pids.push_back(postmaster);
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string stat = read_text(entry.path() / "stat");  // "pid (comm) state ppid …"
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    std::string state;
    pid_t parent = 0;
    if (rest >> state >> parent && parent == postmaster) {
      pids.push_back(static_cast<pid_t>(std::stol(entry.path().filename().string())));
    }
  }
  return pids;
}

}  // namespace watchdog::testing
