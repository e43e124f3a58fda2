#include "watchdog/http/connection_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace watchdog::core {
namespace {

constexpr std::size_t kReadChunk = 4096;
// Collected response bytes are sent once they pass this (a large /metrics page streams).
constexpr std::size_t kFlushAt = 64 * 1024;

void address_of(const sockaddr_storage& address, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof(text));
    port = ntohs(v4.sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof(text));
    port = ntohs(v6.sin6_port);
  }
  ip = text;
}

int remaining_ms(ConnectionStream::Clock::time_point until) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(
      until - ConnectionStream::Clock::now());
  return static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, left.count()));
}

}  // namespace

ConnectionStream::ConnectionStream(int fd, std::chrono::milliseconds write_timeout)
    : fd_(fd), write_timeout_(write_timeout) {}

ConnectionStream::~ConnectionStream() { ::close(fd_); }

void ConnectionStream::begin_request(Clock::time_point deadline) {
  deadline_ = deadline;
  timed_out_ = false;
  // Keep the unread rest (a pipelined request) at the front; drop what was consumed.
  read_buffer_.erase(0, read_offset_);
  read_offset_ = 0;
}

void ConnectionStream::shut_down() { ::shutdown(fd_, SHUT_RDWR); }

bool ConnectionStream::has_whole_head() const {
  // A head ends at its first empty line, CRLF only: cpp-httplib 0.11 (built without
  // CPPHTTPLIB_ALLOW_LF_AS_LINE_TERMINATOR) skips bare-LF lines and would wait for more.
  const std::string_view unread = std::string_view(read_buffer_).substr(read_offset_);
  return unread.find("\r\n\r\n") != std::string_view::npos;
}

void ConnectionStream::refuse(std::string_view response) {
  [[maybe_unused]] const auto sent =
      ::send(fd_, response.data(), response.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

ConnectionStream::Gathered ConnectionStream::gather(std::size_t cap) {
  read_buffer_.erase(0, read_offset_);
  read_offset_ = 0;
  bool ended = false;
  char chunk[kReadChunk];
  while (read_buffer_.size() < cap) {
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), MSG_DONTWAIT);
    if (n > 0) {
      read_buffer_.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    ended = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    break;
  }
  // A whole head is served even when the peer has already shut down its side (a one-shot
  // client: request, then EOF); a part of one never can be.
  if (has_whole_head()) return Gathered::Head;
  if (read_buffer_.size() >= cap) return Gathered::TooLarge;
  return ended ? Gathered::Closed : Gathered::More;
}

bool ConnectionStream::wait_for(short events, Clock::time_point until) const {
  while (true) {
    pollfd entry{fd_, events, 0};
    const int ready = ::poll(&entry, 1, remaining_ms(until));
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) return false;
  }
}

bool ConnectionStream::fill() {
  char chunk[kReadChunk];
  while (true) {
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n > 0) {
      read_buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
    if (!wait_for(POLLIN, deadline_)) {
      timed_out_ = Clock::now() >= deadline_;
      return false;
    }
  }
}

bool ConnectionStream::is_readable() const {
  return has_buffered() || wait_for(POLLIN, deadline_);
}

bool ConnectionStream::is_writable() const {
  return wait_for(POLLOUT, Clock::now() + write_timeout_);
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (!has_buffered()) {
    read_buffer_.clear();
    read_offset_ = 0;
    if (!fill()) return timed_out_ ? -1 : 0;
  }
  const std::size_t n = std::min(size, read_buffer_.size() - read_offset_);
  std::memcpy(ptr, read_buffer_.data() + read_offset_, n);
  read_offset_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  write_buffer_.append(ptr, size);
  if (write_buffer_.size() >= kFlushAt && !flush()) return -1;
  return static_cast<ssize_t>(size);
}

bool ConnectionStream::flush() {
  std::size_t sent = 0;
  bool ok = true;
  while (sent < write_buffer_.size()) {
    const ssize_t n =
        ::send(fd_, write_buffer_.data() + sent, write_buffer_.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
        wait_for(POLLOUT, Clock::now() + write_timeout_)) {
      continue;
    }
    ok = false;
    break;
  }
  write_buffer_.clear();
  return ok;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    address_of(address, ip, port);
  }
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    address_of(address, ip, port);
  }
}

}  // namespace watchdog::core
