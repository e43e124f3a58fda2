#pragma once
// What the operator API tests share (operator_api_test.cpp, operator_api_ack_test.cpp,
// status_page_browser_test.cpp): a watchdog with a token file and the flag-file service `svc`
// (passes while DIR/up exists), and a small HTTP client for the API.

#include <httplib.h>

#include <optional>
#include <string>

#include "tests/integration/harness.h"

namespace watchdog::testing::operator_api {

inline constexpr const char* kToken = "op-token-5d1c9a7e3b2f4e60";

struct Answer {
  int status = 0;  // 0: no answer
  std::string body;
  nlohmann::json json;  // null when the body is not JSON
  std::string header_www_authenticate;
};

inline Answer to_answer(const httplib::Result& result) {
  if (!result) return {};
  Answer answer{result->status, result->body, nlohmann::json::parse(result->body, nullptr, false),
                result->get_header_value("WWW-Authenticate")};
  if (answer.json.is_discarded()) answer.json = nullptr;
  return answer;
}

// A POST to the watchdog; `token` nullopt = no Authorization header. `path` is sent as is
// (percent-escapes included).
inline Answer post(int port, const std::string& path, const std::string& body = "",
                   std::optional<std::string> token = std::string(kToken)) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(3));
  client.set_read_timeout(std::chrono::seconds(15));
  client.set_write_timeout(std::chrono::seconds(15));
  httplib::Headers headers;
  if (token) headers.emplace("Authorization", "Bearer " + *token);
  return to_answer(client.Post(path.c_str(), headers, body, "application/json"));
}

inline Answer get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(3));
  client.set_read_timeout(std::chrono::seconds(10));
  return to_answer(client.Get(path.c_str()));
}

inline void heal_svc(const TempDir& dir) { dir.write("up", "1\n"); }
inline void break_svc(const TempDir& dir) { std::filesystem::remove(dir / "up"); }

// `svc` (flag file, every `interval`, one result decides) with `recovery` (indented YAML under
// the component, may be ""), then `more` (e.g. an `alerts:` section).
inline std::string svc_yaml(const TempDir& dir, const std::string& interval,
                            const std::string& recovery = "", const std::string& more = "") {
  return fast_defaults(interval) +
         fill(R"(components:
  - name: svc
    rto: 2m
    probes:
      - name: svc-flag
        kind: command
        argv: ["/bin/sh", "-c", "test -f @DIR@/up || { echo 'flag <missing> & gone'; exit 2; }"]
)",
              {{"DIR", dir.path().string()}}) +
         recovery + more;
}

// The watchdog's options with the token file DIR/api-token (written here) configured.
inline WatchdogOptions with_token(const TempDir& dir, std::string yaml) {
  const auto file = dir.write("api-token", std::string(kToken) + "\n");
  auto options = watchdog_options(std::move(yaml));
  options.watchdog_keys = "  api_token_file: " + file.string() + "\n";
  return options;
}

}  // namespace watchdog::testing::operator_api
