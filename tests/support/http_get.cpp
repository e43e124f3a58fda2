#include "tests/support/http_get.h"

#include <httplib.h>

namespace watchdog::testing {

HttpResult http_get(int port, const std::string& path, std::chrono::milliseconds timeout) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  client.set_keep_alive(false);
  auto response = client.Get(path.c_str());
  if (!response) return {};
  return {response->status, response->body};
}

}  // namespace watchdog::testing
