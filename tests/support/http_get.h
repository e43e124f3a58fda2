#pragma once
// A one-shot HTTP GET against 127.0.0.1 (cpp-httplib client, hard timeouts, no keep-alive).

#include <chrono>
#include <string>

namespace watchdog::testing {

struct HttpResult {
  int status = 0;  // 0: no answer (refused, timed out)
  std::string body;
};

HttpResult http_get(int port, const std::string& path,
                    std::chrono::milliseconds timeout = std::chrono::seconds(3));

}  // namespace watchdog::testing
