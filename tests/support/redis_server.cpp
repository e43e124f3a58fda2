#include "tests/support/redis_server.h"

#include <csignal>
#include <sstream>
#include <stdexcept>

namespace watchdog::testing {
namespace {

constexpr const char* kRedisServer = "/usr/bin/redis-server";
constexpr const char* kRedisCli = "/usr/bin/redis-cli";

}  // namespace

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {
  // A port that was free a moment ago may be taken by a parallel test: try a few.
  for (int attempt = 0;; ++attempt) {
    port_ = free_port();
    try {
      start();
      return;
    } catch (const std::runtime_error&) {
      if (attempt == 2) throw;
    }
  }
}

RedisServer::~RedisServer() {
  if (process_ && frozen_) process_->signal(SIGCONT);
  process_.reset();  // SIGKILLs the group (server and any bgsave child)
}

void RedisServer::start() {
  std::vector<std::string> argv = {kRedisServer, "--port",      std::to_string(port_),
                                   "--bind",     "127.0.0.1",   "--save",
                                   "",           "--daemonize", "no",
                                   "--dir",      dir().string()};
  if (!options_.password.empty()) {
    argv.insert(argv.end(), {"--requirepass", options_.password});
  }
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  ProcessOptions process;
  process.argv = argv;
  process.stdout_path = dir() / "redis.log";
  process_ = std::make_unique<ChildProcess>(process);
  frozen_ = false;
  auto answers = [&] {
    try {
      return command({"PING"}) == "PONG";
    } catch (const std::runtime_error&) {
      return false;  // not listening yet
    }
  };
  wait_until([&] { return !process_->running() || answers(); }, std::chrono::seconds(10));
  if (!process_->running() || !answers()) {
    process_.reset();
    throw std::runtime_error("redis-server on port " + std::to_string(port_) +
                             " did not answer PING:\n" + read_text(dir() / "redis.log"));
  }
}

void RedisServer::stop() {
  if (!process_) return;
  thaw();
  process_->signal(SIGTERM);
  if (!process_->wait(std::chrono::seconds(5))) {
    process_->signal(SIGKILL);
    process_->wait(std::chrono::seconds(5));
  }
  process_.reset();
}

void RedisServer::restart() {
  stop();
  start();
}

void RedisServer::freeze() {
  if (process_ && !frozen_) process_->signal(SIGSTOP);
  frozen_ = process_ != nullptr;
}

void RedisServer::thaw() {
  if (process_ && frozen_) process_->signal(SIGCONT);
  frozen_ = false;
}

std::string RedisServer::command(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {kRedisCli, "-h", "127.0.0.1", "-p", std::to_string(port_)};
  if (!options_.password.empty())
    argv.insert(argv.end(), {"--no-auth-warning", "-a", options_.password});
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = run_command(argv, {}, std::chrono::seconds(10));
  if (result.exit_code != 0) {
    throw std::runtime_error("redis-cli failed (" + std::to_string(result.exit_code) +
                             "): " + result.err);
  }
  std::string out = result.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string RedisServer::info(const std::string& field) const {
  std::istringstream lines(command({"INFO"}));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(field + ":", 0) == 0) return line.substr(field.size() + 1);
  }
  return "";
}

}  // namespace watchdog::testing
