// Patroni's REST API client: the pure judgement of the two answers (a table), then real
// questions to the Patroni stand-in (tests/support/patroni_standin.h: Patroni itself cannot run
// here) on loopback.
#include "probes/clients/patroni_api.h"

#include <gtest/gtest.h>

#include "tests/support/patroni_standin.h"
#include "tests/support/temp_dir.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;

ApiResponse http(long status, std::string body = "{}") {
  ApiResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

ApiResponse failed(std::string text, HttpError error = HttpError::Refused) {
  ApiResponse response;
  response.error = error;
  response.error_text = std::move(text);
  return response;
}

const std::string kRunning = R"({"state":"running","role":"master"})";
const std::string kPaused = R"({"state":"running","role":"master","pause":true})";

struct Case {
  const char* what;
  ApiResponse liveness;
  std::optional<ApiResponse> patroni;
  bool answered, alive;
  std::optional<bool> paused;
  std::string problem;
  bool known = true;  // false: held whatever act_when_manager_down says
};

const Case kCases[] = {
    {"alive", http(200), http(200, kRunning), true, true, false, ""},
    {"alive and paused", http(200), http(200, kPaused), true, true, true, ""},
    {"alive, /patroni missing", http(200), http(404), true, true, std::nullopt, ""},
    {"alive, /patroni not json", http(200), http(200, "<html>"), true, true, std::nullopt, ""},
    {"alive, /patroni not asked", http(200), std::nullopt, true, true, std::nullopt, ""},
    {"HA loop stuck", http(503), http(200, kRunning), true, false, false,
     "GET /liveness: HTTP 503"},
    {"old Patroni without /liveness", http(404), http(200, kPaused), true, true, true, ""},
    {"no /liveness, no /patroni", http(404), http(404), true, false, std::nullopt,
     "GET /patroni: HTTP 404", false},
    {"no /liveness, /patroni unreachable", http(404), failed("Timeout was reached"), true, false,
     std::nullopt, "GET /patroni: Timeout was reached", false},
    {"refused", failed("Couldn't connect to server"), std::nullopt, false, false, std::nullopt,
     "Couldn't connect to server"},
    {"timeout", failed("Timeout was reached", HttpError::Timeout), std::nullopt, false, false,
     std::nullopt, "Timeout was reached"},
    // Not Patroni's word: a proxy, a wrong CA, a typo in the host name. Never "down".
    {"TLS error", failed("SSL connect error", HttpError::Tls), std::nullopt, false, false,
     std::nullopt, "SSL connect error", false},
    {"DNS error", failed("Couldn't resolve host name", HttpError::Resolve), std::nullopt, false,
     false, std::nullopt, "Couldn't resolve host name", false},
    {"malformed URL", failed("URL using bad/illegal format", HttpError::Other), std::nullopt,
     false, false, std::nullopt, "URL using bad/illegal format", false},
    {"401", http(401), http(401), true, false, std::nullopt, "GET /liveness: HTTP 401", false},
    {"403", http(403), std::nullopt, true, false, std::nullopt, "GET /liveness: HTTP 403", false},
    {"redirect", http(302), std::nullopt, true, false, std::nullopt, "GET /liveness: HTTP 302",
     false},
    {"502 from a proxy", http(502), http(502), true, false, std::nullopt,
     "GET /liveness: HTTP 502", false},
    {"500", http(500), std::nullopt, true, false, std::nullopt, "GET /liveness: HTTP 500", false},
};

TEST(PatroniJudge, Table) {
  for (const auto& c : kCases) {
    const auto status = judge_patroni(c.liveness, c.patroni);
    EXPECT_EQ(status.answered, c.answered) << c.what;
    EXPECT_EQ(status.alive, c.alive) << c.what;
    EXPECT_EQ(status.paused, c.paused) << c.what;
    EXPECT_EQ(status.problem, c.problem) << c.what;
    EXPECT_EQ(status.known, c.known) << c.what;
  }
  const auto status = judge_patroni(http(200), http(200, kRunning));
  EXPECT_EQ(status.state, "running");
  EXPECT_EQ(status.role, "master");
}

TEST(PatroniApi, AsksTheStandinAliveThenPausedThenStopped) {
  testing::PatroniStandin standin;
  PatroniApi api(standin.url(), 2s);
  auto status = api.ask();
  EXPECT_TRUE(status.alive) << status.problem;
  EXPECT_EQ(status.paused, false);
  EXPECT_EQ(status.role, "master");
  EXPECT_EQ(standin.requests("/liveness"), 1u);
  EXPECT_EQ(standin.requests("/patroni"), 1u);

  standin.set_paused(true);
  EXPECT_EQ(api.ask().paused, true);

  standin.set_liveness_status(503);
  status = api.ask();
  EXPECT_TRUE(status.answered);
  EXPECT_FALSE(status.alive);
  EXPECT_EQ(status.problem, "GET /liveness: HTTP 503");
  EXPECT_TRUE(status.known) << "503 from /liveness: Patroni says it is down";

  standin.set_liveness_status(200);
  standin.set_without_liveness(true);
  EXPECT_TRUE(api.ask().alive) << "an old Patroni: /patroni answering is alive";

  standin.stop();
  status = api.ask();
  EXPECT_FALSE(status.answered);
  EXPECT_FALSE(status.alive);
  EXPECT_TRUE(status.known) << "refused: unreachable";
  EXPECT_FALSE(status.problem.empty());
  EXPECT_EQ(status.problem.find("127.0.0.1"), std::string::npos) << "never the URL";

  standin.start();
  standin.set_without_liveness(false);
  EXPECT_TRUE(api.ask().alive) << "back on the same port";
}

}  // namespace
}  // namespace watchdog::probes
