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
    : data_dir_(dir_ / "pg"),
      log_path_(dir_ / "pg" / "server.log"),
      port_(free_port()),
      max_connections_(max_connections),
      password_(random_password()) {
  std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all |
                                                std::filesystem::perms::group_exec |
                                                std::filesystem::perms::others_exec);
  std::filesystem::create_directory(data_dir_);
  chown_to_postgres(data_dir_);
  const auto pwfile = dir_.write("pwfile", password_ + "\n");
  chown_to_postgres(pwfile);
  auto init =
      run_command(as_postgres({kBin + "initdb", "-D", data_dir_.string(), "-A", "scram-sha-256",
                               "--pwfile=" + pwfile.string(), "-U", "postgres", "--no-sync"}),
                  {}, std::chrono::seconds(60));
  std::filesystem::remove(pwfile);
  if (init.exit_code != 0) throw std::runtime_error("initdb failed:\n" + init.out + init.err);
  start();
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
