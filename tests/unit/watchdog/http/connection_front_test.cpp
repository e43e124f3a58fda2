// The HTTP connection front (connection_front.h) on real loopback sockets, with cpp-httplib
// routing the requests exactly as the daemon's endpoint does: idle connections cost no worker,
// the connection cap evicts the longest idle, slow clients run out of time, pipelined requests
// are all answered.
#include "watchdog/http/connection_front.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class TestServer final : public httplib::Server {
 public:
  TestServer() {
    Get("/hello", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("hello\n", "text/plain");
    });
  }
  bool serve(httplib::Stream& stream, bool last) {
    bool closed = false;
    return process_request(stream, last, closed, nullptr) && !closed;
  }
};

struct Front {
  explicit Front(FrontLimits limits)
      : front([this](httplib::Stream& s, bool last) { return server.serve(s, last); }, limits) {
    front.start("127.0.0.1", 0);
  }
  TestServer server;
  ConnectionFront front;
};

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void send_text(int fd, const std::string& text) {
  ASSERT_EQ(::send(fd, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
}

// Everything the peer sends until it closes or `wait` passes without a byte.
std::string receive(int fd, std::chrono::milliseconds wait = 3000ms) {
  std::string out;
  char buffer[4096];
  while (true) {
    pollfd entry{fd, POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(wait.count())) <= 0) return out;
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return out;
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

// True when the peer closed the connection within `wait`.
bool closed_by_peer(int fd, std::chrono::milliseconds wait) {
  pollfd entry{fd, POLLIN, 0};
  if (::poll(&entry, 1, static_cast<int>(wait.count())) <= 0) return false;
  char byte;
  return ::recv(fd, &byte, 1, MSG_PEEK) == 0;
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

const std::string kGet = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
const std::string kGetClose = "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

TEST(ConnectionFront, IdleConnectionsHoldNoWorker) {
  // One worker: before, one idle client would have kept it (and every later request) waiting.
  Front f({.max_connections = 64, .workers = 1, .idle_timeout = 30s});
  std::vector<int> idle;
  for (int i = 0; i < 20; ++i) idle.push_back(connect_to(f.front.port()));
  const int client = connect_to(f.front.port());
  send_text(client, kGetClose);
  const auto response = receive(client);
  EXPECT_NE(response.find("200 OK"), std::string::npos) << response;
  EXPECT_NE(response.find("hello"), std::string::npos) << response;
  EXPECT_EQ(f.front.counts().open, 20u);  // the answered one closed itself
  for (int fd : idle) ::close(fd);
  ::close(client);
}

TEST(ConnectionFront, AtTheCapTheLongestIdleConnectionMakesRoom) {
  Front f({.max_connections = 3, .workers = 2, .idle_timeout = 30s});
  const int oldest = connect_to(f.front.port());
  std::this_thread::sleep_for(50ms);
  std::vector<int> newer = {connect_to(f.front.port()), connect_to(f.front.port())};
  std::this_thread::sleep_for(50ms);
  const int client = connect_to(f.front.port());  // the 4th: the oldest idle one goes
  EXPECT_TRUE(closed_by_peer(oldest, 2000ms));
  send_text(client, kGetClose);
  EXPECT_NE(receive(client).find("hello"), std::string::npos);
  for (int fd : newer) EXPECT_FALSE(closed_by_peer(fd, 0ms));
  EXPECT_EQ(f.front.counts().evicted, 1u);
  for (int fd : newer) ::close(fd);
  ::close(oldest);
  ::close(client);
}

TEST(ConnectionFront, SilentConnectionsAreClosedAfterTheIdleTimeout) {
  Front f({.max_connections = 8, .workers = 1, .idle_timeout = 200ms});
  const int silent = connect_to(f.front.port());
  EXPECT_TRUE(closed_by_peer(silent, 3000ms));
  // A kept-alive connection is closed the same way after its answer.
  const int kept = connect_to(f.front.port());
  send_text(kept, kGet);
  const auto response = receive(kept, 3000ms);  // ends when the front closes it
  EXPECT_NE(response.find("hello"), std::string::npos) << response;
  EXPECT_GE(f.front.counts().timed_out, 2u);
  ::close(silent);
  ::close(kept);
}

TEST(ConnectionFront, ADribblingClientRunsOutOfTimeAndFreesItsWorker) {
  Front f({.max_connections = 8, .workers = 1, .idle_timeout = 30s, .request_timeout = 300ms});
  const int slow = connect_to(f.front.port());
  send_text(slow, "GET /hel");  // and never the rest
  const auto started = Clock::now();
  EXPECT_TRUE(closed_by_peer(slow, 3000ms));
  EXPECT_LT(Clock::now() - started, 2500ms);  // the deadline (300 ms), not forever
  const int client = connect_to(f.front.port());
  send_text(client, kGetClose);
  EXPECT_NE(receive(client).find("hello"), std::string::npos);
  ::close(slow);
  ::close(client);
}

// Heads are gathered on the epoll thread: clients that send part of a request and then
// nothing (slowloris) hold no worker, so the one worker still answers at once.
TEST(ConnectionFront, ClientsDribblingTheirHeadsHoldNoWorker) {
  Front f({.max_connections = 16, .workers = 1, .idle_timeout = 30s, .request_timeout = 20s});
  std::vector<int> slow;
  for (int i = 0; i < 5; ++i) {
    slow.push_back(connect_to(f.front.port()));
    send_text(slow.back(), "GET /hel");
  }
  std::this_thread::sleep_for(100ms);  // each partial head has reached the front
  const int client = connect_to(f.front.port());
  send_text(client, kGetClose);
  EXPECT_NE(receive(client, 3000ms).find("hello"), std::string::npos)
      << "not the 20 s a worker would wait for the first partial head";
  // The rest of a gathered head completes its request as if sent at once.
  send_text(slow.front(), "lo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(receive(slow.front(), 3000ms).find("hello"), std::string::npos);
  for (int fd : slow) ::close(fd);
  ::close(client);
}

// Heads that never end as cpp-httplib needs — bare-LF blank lines, or 16 KiB of short header
// lines — are not handed to a worker (it would read on until the deadline): the first stays
// partial until request_timeout, the second is refused with 431 at once.
TEST(ConnectionFront, HeadsThatNeverEndHoldNoWorker) {
  Front f({.max_connections = 16, .workers = 1, .idle_timeout = 30s, .request_timeout = 20s});
  const int bare_lf = connect_to(f.front.port());
  send_text(bare_lf, "GET /hello HTTP/1.1\r\nHost: x\n\n");
  const int endless = connect_to(f.front.port());
  // Exactly the 16 KiB the front gathers (short lines, no blank one): nothing is left unread
  // when it closes, so the close is a FIN and the 431 arrives.
  std::string head = "GET /hello HTTP/1.1\r\n";
  while (head.size() + 14 <= 16 * 1024) head += "X-Filler: yy\r\n";
  head.append(16 * 1024 - head.size(), 'z');
  send_text(endless, head);
  EXPECT_NE(receive(endless, 3000ms).find("HTTP/1.1 431"), std::string::npos);
  const int client = connect_to(f.front.port());
  send_text(client, kGetClose);
  EXPECT_NE(receive(client, 3000ms).find("hello"), std::string::npos)
      << "the one worker is free";
  ::close(bare_lf);
  ::close(endless);
  ::close(client);
}

// The deadline of a request counts from its first byte, also when its head was gathered on the
// epoll thread: a slow head does not buy its body a fresh request_timeout on a worker.
TEST(ConnectionFront, ARequestsDeadlineCountsFromItsFirstByte) {
  Front f({.max_connections = 8, .workers = 1, .idle_timeout = 30s, .request_timeout = 2000ms});
  const int slow = connect_to(f.front.port());
  const auto first_byte = Clock::now();
  send_text(slow, "POST /hello HTTP/1.1\r\nContent-Le");
  std::this_thread::sleep_for(1500ms);
  send_text(slow, "ngth: 10\r\n\r\n");  // the head is whole; the body never comes
  // cpp-httplib answers the missing body with an error once the deadline has passed.
  pollfd entry{slow, POLLIN, 0};
  ASSERT_EQ(::poll(&entry, 1, 5000), 1);
  EXPECT_LT(Clock::now() - first_byte, 3000ms) << "2 s from the first byte, not 1.5 s + 2 s";
  EXPECT_EQ(receive(slow, 200ms).rfind("HTTP/1.1 4", 0), 0u);
  ::close(slow);
}

// A whole request followed at once by EOF (a one-shot client) is still answered.
TEST(ConnectionFront, ARequestFollowedByEofIsAnswered) {
  Front f({.max_connections = 8, .workers = 1, .idle_timeout = 30s});
  const int client = connect_to(f.front.port());
  send_text(client, kGetClose);
  ::shutdown(client, SHUT_WR);
  EXPECT_NE(receive(client).find("hello"), std::string::npos);
  ::close(client);
}

TEST(ConnectionFront, PipelinedRequestsAreAllAnsweredInOrder) {
  Front f({.max_connections = 8, .workers = 2, .idle_timeout = 30s});
  const int client = connect_to(f.front.port());
  send_text(client, kGet + kGet + kGetClose);
  const auto response = receive(client);
  EXPECT_EQ(count_of(response, "HTTP/1.1 200 OK"), 3u) << response;
  EXPECT_EQ(count_of(response, "hello"), 3u);
  ::close(client);
}

TEST(ConnectionFront, KeepAliveEndsAfterMaxRequests) {
  Front f({.max_connections = 8, .workers = 1, .idle_timeout = 30s, .max_requests = 2});
  const int client = connect_to(f.front.port());
  send_text(client, kGet + kGet + kGet);
  const auto response = receive(client);
  EXPECT_EQ(count_of(response, "HTTP/1.1 200 OK"), 2u) << response;
  EXPECT_NE(response.find("Connection: close"), std::string::npos);
  ::close(client);
}

TEST(ConnectionFront, StopReturnsWhileAClientHoldsAWorker) {
  auto f = std::make_unique<Front>(
      FrontLimits{.max_connections = 8, .workers = 1, .idle_timeout = 30s, .request_timeout = 60s});
  const int slow = connect_to(f->front.port());
  send_text(slow, "POST /hello HTTP/1.1\r\nContent-Length: 10\r\n\r\n");
  std::this_thread::sleep_for(100ms);  // a worker now waits for the body
  const auto started = Clock::now();
  f.reset();
  EXPECT_LT(Clock::now() - started, 5s);  // not the 60 s request deadline
  ::close(slow);
}

TEST(ConnectionFront, AnAddressInUseIsAClearError) {
  Front f({});
  ConnectionFront second([](httplib::Stream&, bool) { return false; }, {});
  try {
    second.start("127.0.0.1", f.front.port());
    FAIL() << "bound a port in use";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("127.0.0.1:" + std::to_string(f.front.port())),
              std::string::npos);
  }
}

}  // namespace
}  // namespace watchdog::core
