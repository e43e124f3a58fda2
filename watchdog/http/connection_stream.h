#pragma once
// One accepted HTTP connection as cpp-httplib reads and writes it (its Stream interface), for
// the connection front (connection_front.h).
//   - Reads are buffered (cpp-httplib reads request lines a byte at a time) and the buffer lives
//     as long as the connection: bytes of a pipelined next request wait for the next turn.
//   - Every read of one request must finish by that request's deadline (begin_request): a client
//     that sends a byte now and then cannot hold a worker longer than that.
//   - Writes are collected and sent by flush(), so a response leaves in one send where it fits
//     (no Nagle/delayed-ACK stall between its head and body); a send that makes no progress for
//     `write_timeout` gives up.
//   - gather() collects a request's head without blocking, for the front's epoll thread: a
//     worker is handed the connection only once the head is whole (a client that dribbles its
//     head holds no worker at all).
// Not thread-safe: one thread at a time (the epoll thread or one worker) uses a connection.

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace watchdog::core {

class ConnectionStream final : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;

  // Takes ownership of `fd` (a connected, non-blocking socket); closes it when destroyed.
  ConnectionStream(int fd, std::chrono::milliseconds write_timeout);
  ~ConnectionStream() override;
  ConnectionStream(const ConnectionStream&) = delete;
  ConnectionStream& operator=(const ConnectionStream&) = delete;

  // Starts a request: reads from now on must complete by `deadline`.
  void begin_request(Clock::time_point deadline);
  // Sends what write() collected. False when the peer is gone or stopped reading.
  bool flush();
  // Bytes already received and not yet read (the start of a pipelined request).
  bool has_buffered() const { return read_offset_ < read_buffer_.size(); }
  // The unread bytes hold a whole request head (up to its blank line).
  bool has_whole_head() const;

  enum class Gathered {
    Head,      // a whole head is buffered
    More,      // part of a head, or nothing yet: wait for the socket again
    Closed,    // the peer closed or failed before a whole head arrived
    TooLarge,  // `cap` bytes and no end of the head
  };
  // Reads what the socket holds now, without waiting.
  Gathered gather(std::size_t cap);
  // Sends `response` if the socket takes it now (never waits); for a refusal before closing.
  void refuse(std::string_view response);
  // The last read gave up at the request deadline.
  bool timed_out() const { return timed_out_; }
  // Wakes a worker blocked on this connection (the daemon is stopping).
  void shut_down();

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

 private:
  // Waits until the socket is ready for `events` (POLLIN/POLLOUT) or `until`; true when ready.
  bool wait_for(short events, Clock::time_point until) const;
  bool fill();  // one recv into the read buffer; false at EOF, error or deadline

  int fd_;
  std::chrono::milliseconds write_timeout_;
  Clock::time_point deadline_{};
  bool timed_out_ = false;
  std::string read_buffer_;
  std::size_t read_offset_ = 0;
  std::string write_buffer_;
};

}  // namespace watchdog::core
