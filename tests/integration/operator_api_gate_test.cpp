// Request bodies are judged before they are read (watchdog/http/request_gate.h): cpp-httplib
// 0.11 caps a Content-Length only, so a chunked body or one without a length (read until the
// peer closes) must be refused from the headers alone, for any path, before the token check
// would even run in a handler. Raw sockets: the test controls what is sent when.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tests/integration/operator_api_fixture.h"

namespace watchdog::testing {
namespace {

using namespace operator_api;

// One connection to the watchdog; every read waits at most 3 s (a refusal comes at once; the
// old behaviour waited for the server's 5 s read timeout or the peer's close).
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{3, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool send(const std::string& bytes) {
    std::size_t sent = 0;
    while (connected_ && sent < bytes.size()) {
      const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return connected_;
  }
  // The status code of the first answer, 0 when none came within the timeout.
  int status() {
    std::string head;
    char buffer[4096];
    while (head.find("\r\n") == std::string::npos) {
      const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return 0;
      head.append(buffer, static_cast<std::size_t>(n));
    }
    return head.rfind("HTTP/1.1 ", 0) == 0 ? std::stoi(head.substr(9, 3)) : 0;
  }
  // Sends `total` bytes of chunked body; false once the server has closed the connection.
  bool send_chunks(std::size_t total) {
    const std::string chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
    for (std::size_t sent = 0; sent < total; sent += 0x10000) {
      if (!send(chunk)) return false;
    }
    return true;
  }

 private:
  int fd_;
  bool connected_ = false;
};

std::string head(const std::string& request_line, const std::string& headers) {
  return request_line + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
}

const std::string kAuth = std::string("Authorization: Bearer ") + kToken + "\r\n";
constexpr std::size_t kTenMegabytes = 10 * 1024 * 1024;

TEST(OperatorApiGate, BodiesAreRefusedFromTheHeadersAloneAndTheConnectionCloses) {
  TempDir dir;
  heal_svc(dir);
  WatchdogProcess wd(dir, with_token(dir, svc_yaml(dir, "300ms")));
  const double rss_before = wd.metric("process_resident_memory_bytes");
  ASSERT_GT(rss_before, 0);

  // Chunked, with and without the token: answered after the first chunk, and the other 10 MB
  // are not read (the server closed the connection).
  for (const auto& [auth, expected] : {std::pair{kAuth, 411}, std::pair{std::string(), 401}}) {
    RawConnection c(wd.port());
    ASSERT_TRUE(c.send(head("POST /api/v1/components/svc/pause",
                            auth + "Transfer-Encoding: chunked\r\n") +
                       "10000\r\n" + std::string(0x10000, 'x') + "\r\n"));
    EXPECT_EQ(c.status(), expected);
    EXPECT_FALSE(c.send_chunks(kTenMegabytes)) << "the server went on reading";
  }
  // No length at all, to paths that take no POST: 405 at once, not after the peer closes.
  for (const char* path : {"/", "/metrics", "/healthz"}) {
    RawConnection c(wd.port());
    ASSERT_TRUE(c.send(head(std::string("POST ") + path, "") + std::string(0x10000, 'x')));
    EXPECT_EQ(c.status(), 405) << path;
    EXPECT_FALSE(c.send_chunks(kTenMegabytes)) << path;
  }
  // Other methods, and a Content-Length over the limit (without sending the body).
  for (const auto& [request, expected] :
       std::vector<std::pair<std::string, int>>{
           {head("PUT /api/v1/components/svc/pause", kAuth + "Content-Length: 2\r\n"), 405},
           {head("DELETE /", "Content-Length: 10485760\r\n"), 405},
           {head("POST /api/v1/components/svc/pause", "Content-Length: 10485760\r\n"), 401},
           {head("POST /api/v1/components/svc/pause", kAuth + "Content-Length: 10485760\r\n"),
            413},
           {head("GET /status", "Transfer-Encoding: chunked\r\n"), 400}}) {
    RawConnection c(wd.port());
    ASSERT_TRUE(c.send(request));
    EXPECT_EQ(c.status(), expected) << request;
  }
  // curl sends "Expect: 100-continue" for a large body: refused before it sends any.
  const auto huge = dir.write("huge", std::string(kTenMegabytes, 'x'));
  const auto header = dir.write("auth-header", std::string("Authorization: Bearer ") + kToken);
  const auto curl = run_command(
      {"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "10", "-H",
       "@" + header.string(), "--data-binary", "@" + huge.string(),
       "http://127.0.0.1:" + std::to_string(wd.port()) + "/api/v1/components/svc/pause"});
  EXPECT_EQ(curl.out, "413");

  // It still serves, acts on a proper request, and never held the 10 MB bodies.
  EXPECT_EQ(get(wd.port(), "/healthz").status, 200);
  EXPECT_EQ(post(wd.port(), "/api/v1/components/svc/resume").status, 200);
  const double rss_after = wd.metric("process_resident_memory_bytes");
  EXPECT_LT(rss_after - rss_before, 8.0 * 1024 * 1024);
  // The token file was written with the default umask (0644): the daemon says so.
  EXPECT_NE(wd.log().find("api_token_file_readable_by_others"), std::string::npos);
  EXPECT_EQ(wd.log().find(kToken), std::string::npos);
}

}  // namespace
}  // namespace watchdog::testing
