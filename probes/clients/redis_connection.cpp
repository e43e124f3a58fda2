#include "probes/clients/redis_connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include "probes/clients/failure_kind.h"

namespace watchdog::probes::redis {
namespace {

using std::chrono::milliseconds;

timeval to_timeval(milliseconds duration) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(duration.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((duration.count() % 1000) * 1000);
  return tv;
}

milliseconds time_left(Connection::Clock::time_point deadline) {
  return std::chrono::ceil<milliseconds>(deadline - Connection::Clock::now());
}

Outcome failed(Failure failure, std::string command, std::string error = {}) {
  Outcome outcome;
  outcome.failure = failure;
  outcome.command = std::move(command);
  outcome.error = std::move(error);
  return outcome;
}

}  // namespace

Failure classify_connect_error(const std::string& errstr) {
  // socket() failing is reported as strerror(errno), alone or after "Can't create socket: ".
  if (ends_with_local_exhaustion(errstr)) return Failure::LocalResource;
  if (errstr.find("refused") != std::string::npos) return Failure::Refused;
  if (errstr.find("timed out") != std::string::npos) return Failure::Timeout;
  return Failure::ConnectError;
}

void ReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

void Connection::ContextDeleter::operator()(redisContext* context) const { redisFree(context); }

Connection::Connection(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}

Connection::~Connection() = default;

void Connection::close() { context_.reset(); }

Outcome Connection::connect(Clock::time_point deadline) {
  context_.reset();
  const auto left = time_left(deadline);
  if (left.count() <= 0) return failed(Failure::Timeout, "");
  context_.reset(redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, to_timeval(left)));
  if (!context_) return failed(Failure::LocalResource, "", "out of memory");
  if (context_->err) {
    const std::string error = context_->errstr;
    context_.reset();
    const Failure failure = classify_connect_error(error);
    if (failure == Failure::Refused || failure == Failure::Timeout) return failed(failure, "");
    return failed(failure, "", redact(error));
  }
  if (endpoint_.password) {
    std::vector<std::string> auth = {"AUTH"};
    if (endpoint_.user) auth.push_back(*endpoint_.user);
    auth.push_back(*endpoint_.password);
    if (auto outcome = command(auth, deadline); !outcome.ok()) return outcome;
  }
  if (endpoint_.database != 0) {
    auto outcome = command({"SELECT", std::to_string(endpoint_.database)}, deadline);
    if (!outcome.ok()) return outcome;
  }
  return {};
}

Outcome Connection::command(const std::vector<std::string>& args, Clock::time_point deadline) {
  const std::string& name = args.front();
  if (!context_) return failed(Failure::IoError, name, "not connected");
  const auto left = time_left(deadline);
  if (left.count() <= 0 || redisSetTimeout(context_.get(), to_timeval(left)) != REDIS_OK) {
    context_.reset();
    return failed(Failure::Timeout, name);
  }
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  Reply reply(static_cast<redisReply*>(redisCommandArgv(
      context_.get(), static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (!reply) {
    const std::string error = context_->errstr;
    const bool eof = context_->err == REDIS_ERR_EOF;
    context_.reset();
    if (error.find("temporarily unavailable") != std::string::npos ||
        error.find("timed out") != std::string::npos) {
      return failed(Failure::Timeout, name);
    }
    if (eof) return failed(Failure::Closed, name);
    return failed(Failure::IoError, name, redact(error));
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    context_.reset();
    return failed(Failure::ErrorReply, name,
                  reply->str ? std::string(reply->str, reply->len) : std::string());
  }
  Outcome outcome;
  outcome.command = name;
  outcome.reply = std::move(reply);
  return outcome;
}

std::string Connection::redact(std::string text) const {
  if (!endpoint_.password || endpoint_.password->empty()) return text;
  const std::string& secret = *endpoint_.password;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

}  // namespace watchdog::probes::redis
