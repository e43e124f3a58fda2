// The http and tcp probes on the event loop give the results their blocking check() gives: the
// cases of tests/unit/probes/{http,tcp}_probe_test.cpp, run through both paths side by side.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "tests/unit/probes/probe_test_helpers.h"
#include "watchdog/engine/async_loop.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
using probes::FailureKind;
using probes::ProbeResult;
using probes::ProbeStatus;
using testing::measurement;
using testing::probe_from_yaml;

// The result of one check on `loop`; nullopt when the probe declined (needs a thread).
std::optional<ProbeResult> on_loop(AsyncLoop& loop, std::shared_ptr<probes::Probe> probe,
                                   std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<std::optional<ProbeResult>>>();
  auto future = promise->get_future();
  loop.submit(
      std::move(probe), timeout,
      [promise](ProbeResult result) { promise->set_value(std::move(result)); },
      [promise] { promise->set_value(std::nullopt); });
  return future.get();
}

// Same status, failure kind, measurement names; details equal up to the milliseconds in them.
void expect_same(const ProbeResult& sync, const ProbeResult& async) {
  EXPECT_EQ(sync.status, async.status) << sync.detail << " | " << async.detail;
  EXPECT_EQ(sync.failure, async.failure);
  auto without_ms = [](std::string detail) {
    auto at = detail.find(" in ");
    return at == std::string::npos ? detail : detail.substr(0, at);
  };
  EXPECT_EQ(without_ms(sync.detail), without_ms(async.detail));
  ASSERT_EQ(sync.measurements.size(), async.measurements.size());
  for (std::size_t i = 0; i < sync.measurements.size(); ++i) {
    EXPECT_EQ(sync.measurements[i].name, async.measurements[i].name);
  }
  EXPECT_GT(async.latency.count(), 0);
}

class AsyncHttpProbe : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::add_http_probe_routes(http.server);
    base = http.start();
  }
  std::shared_ptr<probes::Probe> probe(const std::string& url, const std::string& more = "") {
    return probe_from_yaml("http", "url: " + url + "\n" + more);
  }
  // Runs `yaml`'s probe both ways and compares; returns the loop's result.
  ProbeResult both(const std::string& url, const std::string& more = "",
                   std::chrono::milliseconds timeout = 2s) {
    auto p = probe(url, more);
    const auto sync = p->check(timeout);
    auto async = on_loop(loop, p, timeout);
    if (!async) {
      ADD_FAILURE() << "the http probe declined the event loop";
      return sync;
    }
    expect_same(sync, *async);
    return *async;
  }

  testing::HttpServer http;
  std::string base;
  AsyncLoop loop;
};

TEST_F(AsyncHttpProbe, SameResultsAsTheBlockingCheck) {
  auto ok = both(base + "/ok");
  EXPECT_EQ(ok.status, ProbeStatus::Healthy) << ok.detail;
  EXPECT_TRUE(ok.detail.starts_with("HTTP 200 in ")) << ok.detail;
  EXPECT_EQ(measurement(ok, "http_status_code"), 200);
  EXPECT_EQ(both(base + "/down").detail, "HTTP 503 (expected 2xx)");
  EXPECT_EQ(both(base + "/down", "expect_status: [200, 503]").status, ProbeStatus::Healthy);
  EXPECT_EQ(both(base + "/ok", "body_contains: degraded").failure, FailureKind::BadResponse);
  auto slow = both(base + "/slow", "latency_warn: 100ms");
  EXPECT_EQ(slow.failure, FailureKind::Threshold);
  EXPECT_GE(measurement(slow, "http_duration_seconds"), 0.29);
  auto echo = both(base + "/echo", "headers:\n  Authorization: Bearer hush\nbody_contains: hush");
  EXPECT_EQ(echo.status, ProbeStatus::Healthy) << echo.detail;
  EXPECT_EQ(echo.detail.find("hush"), std::string::npos);
}

TEST_F(AsyncHttpProbe, FailuresAndSecrets) {
  auto refused = both("http://127.0.0.1:" + std::to_string(testing::free_port()) + "/?token=s3");
  EXPECT_EQ(refused.failure, FailureKind::Refused);
  EXPECT_EQ(refused.detail, "connection refused");
  testing::HungListener hung;
  auto timeout = both("http://127.0.0.1:" + std::to_string(hung.port()) + "/?token=s3", "", 400ms);
  EXPECT_EQ(timeout.failure, FailureKind::Timeout);
  EXPECT_EQ(timeout.detail, "no answer within 400ms");
  EXPECT_GE(timeout.latency, 390ms);
  for (const auto& result : {refused, timeout, both(base + "/nope?token=s3")}) {
    EXPECT_EQ(result.detail.find("s3"), std::string::npos) << result.detail;
    EXPECT_EQ(result.detail.find("127.0.0.1"), std::string::npos) << result.detail;
  }
}

// One hung target holds only its own transfer: checks of a live target submitted after it all
// complete while it is still waiting for its timeout.
TEST_F(AsyncHttpProbe, AHungTargetDelaysNoOtherCheck) {
  testing::HungListener hung;
  auto hung_result = std::make_shared<std::promise<ProbeResult>>();
  auto hung_done = hung_result->get_future();
  loop.submit(
      probe("http://127.0.0.1:" + std::to_string(hung.port()) + "/"), 20s,
      [hung_result](ProbeResult result) { hung_result->set_value(std::move(result)); }, [] {});
  auto live = probe(base + "/ok");
  for (int n = 0; n < 20; ++n) {
    auto result = on_loop(loop, live, 20s);
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->status, ProbeStatus::Healthy) << result->detail;
  }
  EXPECT_EQ(hung_done.wait_for(0s), std::future_status::timeout);
}

// The transfer cap: a check beyond it waits for a place, keeps its own deadline, and one that
// finds none in time is the watchdog's congestion (Unknown / LocalResource), not the target's.
class CappedHttpLoop : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::add_http_probe_routes(http.server);
    base = http.start();
  }
  std::shared_ptr<probes::Probe> probe(const std::string& url) {
    return probe_from_yaml("http", "url: " + url + "\n");
  }
  std::future<ProbeResult> submit(AsyncLoop& loop, std::shared_ptr<probes::Probe> p,
                                  std::chrono::milliseconds timeout) {
    auto promise = std::make_shared<std::promise<ProbeResult>>();
    auto future = promise->get_future();
    loop.submit(
        std::move(p), timeout, [promise](ProbeResult r) { promise->set_value(std::move(r)); },
        [promise] { promise->set_value(ProbeResult{}); });
    return future;
  }
  std::string hung_url() { return "http://127.0.0.1:" + std::to_string(hung.port()) + "/"; }

  testing::HttpServer http;
  testing::HungListener hung;
  std::string base;
};

TEST_F(CappedHttpLoop, AFreePlaceKeepsEveryOtherCheckGoing) {
  AsyncLoop loop(2);
  auto stuck = submit(loop, probe(hung_url()), 20s);  // holds one of the two places
  auto live = probe(base + "/ok");
  for (int n = 0; n < 10; ++n) {
    auto result = submit(loop, live, 2s).get();
    EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  }
  EXPECT_EQ(stuck.wait_for(0s), std::future_status::timeout);
}

TEST_F(CappedHttpLoop, AWaitingCheckStartsWhenAPlaceFreesWithWhatIsLeftOfItsTimeout) {
  AsyncLoop loop(1);
  auto stuck = submit(loop, probe(hung_url()), 600ms);
  auto waiting = submit(loop, probe(base + "/ok"), 3s);
  const auto stuck_result = stuck.get();
  EXPECT_EQ(stuck_result.failure, FailureKind::Timeout) << stuck_result.detail;
  const auto result = waiting.get();
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_GE(result.latency, 550ms);  // its latency includes the wait for the place
}

TEST_F(CappedHttpLoop, NoPlaceWithinTheTimeoutIsTheWatchdogsOwnCongestion) {
  AsyncLoop loop(2);
  auto first = submit(loop, probe(hung_url()), 20s);
  auto second = submit(loop, probe(hung_url()), 20s);
  const auto begun = std::chrono::steady_clock::now();
  auto waiting = submit(loop, probe(base + "/ok"), 400ms);
  ASSERT_EQ(waiting.wait_for(10s), std::future_status::ready);  // not after the hung ones' 20 s
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 5s);
  const auto result = waiting.get();
  EXPECT_EQ(result.status, ProbeStatus::Unknown) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::LocalResource) << result.detail;
  EXPECT_NE(result.detail.find("HTTP checks were in flight"), std::string::npos) << result.detail;
  EXPECT_EQ(first.wait_for(0s), std::future_status::timeout);
  EXPECT_EQ(second.wait_for(0s), std::future_status::timeout);
}

TEST_F(CappedHttpLoop, AShortTimeoutBehindALongOneIsReportedOnItsOwnDeadline) {
  AsyncLoop loop(1);
  auto stuck = submit(loop, probe(hung_url()), 20s);
  auto long_wait = submit(loop, probe(base + "/ok"), 15s);  // first in line
  const auto begun = std::chrono::steady_clock::now();
  auto short_wait = submit(loop, probe(base + "/ok"), 300ms);
  ASSERT_EQ(short_wait.wait_for(5s), std::future_status::ready) << "not after the one before it";
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 3s);
  const auto result = short_wait.get();
  EXPECT_EQ(result.failure, FailureKind::LocalResource) << result.detail;
  EXPECT_EQ(long_wait.wait_for(0s), std::future_status::timeout);
}

TEST_F(CappedHttpLoop, ACheckThatWaitedIsNotBlamedWhenTheRestOfItsTimeoutRunsOut) {
  AsyncLoop loop(1);
  auto first = submit(loop, probe(hung_url()), 600ms);
  auto second = submit(loop, probe(hung_url()), 1200ms);  // starts with ~600 ms of its 1.2 s
  EXPECT_EQ(first.get().failure, FailureKind::Timeout) << "it had its whole timeout";
  const auto result = second.get();
  EXPECT_EQ(result.status, ProbeStatus::Unknown) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::LocalResource) << result.detail;
  EXPECT_NE(result.detail.find("waited "), std::string::npos) << result.detail;
}

std::shared_ptr<probes::Probe> tcp(const std::string& host, int port) {
  return probe_from_yaml("tcp", "host: " + host + "\nport: " + std::to_string(port));
}

TEST(AsyncTcpProbe, SameResultsAsTheBlockingCheck) {
  AsyncLoop loop;
  testing::HungListener hung;  // accepts into its backlog: counts as connected
  const int closed = testing::free_port();
  for (const auto& [port, status] :
       {std::pair(hung.port(), ProbeStatus::Healthy), std::pair(closed, ProbeStatus::Unhealthy)}) {
    auto probe = tcp("127.0.0.1", port);
    const auto sync = probe->check(2s);
    const auto async = on_loop(loop, probe, 2s);
    ASSERT_TRUE(async.has_value());
    expect_same(sync, *async);
    EXPECT_EQ(async->status, status) << async->detail;
    EXPECT_GE(measurement(*async, "tcp_connect_seconds"), 0);
  }
  EXPECT_EQ(on_loop(loop, tcp("127.0.0.1", closed), 2s)->detail,
            "127.0.0.1:" + std::to_string(closed) + ": connection refused");
}

TEST(AsyncTcpProbe, UnansweredConnectTimesOutAtItsDeadline) {
  AsyncLoop loop;
  // 192.0.2.0/24 (TEST-NET-1) is never routed: the SYN goes unanswered (or the network is
  // unreachable at once — then both paths say so alike).
  auto probe = tcp("192.0.2.1", 9);
  const auto sync = probe->check(300ms);
  const auto async = on_loop(loop, probe, 300ms);
  ASSERT_TRUE(async.has_value());
  expect_same(sync, *async);
  if (async->failure == FailureKind::Timeout) {
    EXPECT_EQ(async->detail, "192.0.2.1:9: no connection within 300ms");
  }
}

TEST(AsyncTcpProbe, NamesNeedAThread) {
  AsyncLoop loop;
  EXPECT_FALSE(on_loop(loop, tcp("localhost", 80), 1s).has_value());
}

}  // namespace
}  // namespace watchdog::core
