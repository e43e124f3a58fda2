#pragma once
// A TCP socket on 127.0.0.1 that listens but never accept()s: clients connect (the kernel
// completes the handshake into the backlog), send their request, and never get an answer.
// The "hung target" of the isolation tests; also a port that merely accepts TCP connections.

namespace watchdog::testing {

class HungListener {
 public:
  explicit HungListener(int port = 0);  // 0: any free port; throws std::runtime_error
  ~HungListener();
  HungListener(const HungListener&) = delete;
  HungListener& operator=(const HungListener&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace watchdog::testing
