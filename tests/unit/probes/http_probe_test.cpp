#include "probes/http_probe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "config/options.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
using testing::HttpServer;
using testing::measurement;
using testing::probe_from_yaml;

class HttpProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::add_http_probe_routes(http.server);
    base = http.start();
  }
  std::unique_ptr<Probe> probe(const std::string& path, const std::string& more = "") {
    return probe_from_yaml("http", "url: " + base + path + "\n" + more);
  }

  HttpServer http;
  std::string base;
};

TEST_F(HttpProbeTest, HealthyOn2xx) {
  auto result = probe("/ok")->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::None);
  EXPECT_TRUE(result.detail.starts_with("HTTP 200 in ")) << result.detail;
  EXPECT_EQ(measurement(result, "http_status_code"), 200);
  EXPECT_GE(measurement(result, "http_duration_seconds"), 0);
  EXPECT_GT(result.latency.count(), 0);
}

TEST_F(HttpProbeTest, UnexpectedStatusIsABadResponse) {
  auto result = probe("/down")->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::BadResponse);
  EXPECT_EQ(result.detail, "HTTP 503 (expected 2xx)");
  EXPECT_EQ(measurement(result, "http_status_code"), 503);
}

TEST_F(HttpProbeTest, ExpectedStatusSet) {
  auto result = probe("/down", "expect_status: [200, 503]")->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  result = probe("/created", "expect_status: [200]")->check(2s);
  EXPECT_EQ(result.failure, FailureKind::BadResponse);
  EXPECT_EQ(result.detail, "HTTP 201 (expected 200)");
}

TEST_F(HttpProbeTest, BodyContains) {
  EXPECT_EQ(probe("/ok", "body_contains: ready")->check(2s).status, ProbeStatus::Healthy);
  auto result = probe("/ok", "body_contains: degraded")->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::BadResponse);
  EXPECT_NE(result.detail.find("degraded"), std::string::npos) << result.detail;
}

TEST_F(HttpProbeTest, SlowAnswerIsDegraded) {
  auto result = probe("/slow", "latency_warn: 100ms")->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::Threshold);
  EXPECT_GE(measurement(result, "http_duration_seconds"), 0.29);
  EXPECT_EQ(probe("/ok", "latency_warn: 1s")->check(2s).status, ProbeStatus::Healthy);
}

TEST_F(HttpProbeTest, SendsConfiguredHeaders) {
  auto result = probe("/echo", "headers:\n  Authorization: Bearer hush\nbody_contains: Bearer hush")
                    ->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(result.detail.find("hush"), std::string::npos);
}

TEST_F(HttpProbeTest, UrlNeverAppearsInDetail) {
  for (const char* path : {"/ok?token=sentinel", "/down?token=sentinel", "/nope?token=sentinel"}) {
    auto result = probe(path)->check(2s);
    EXPECT_EQ(result.detail.find("sentinel"), std::string::npos) << result.detail;
    EXPECT_EQ(result.detail.find("127.0.0.1"), std::string::npos) << result.detail;
  }
}

TEST(HttpProbe, RefusedWhenNothingListens) {
  auto url = "http://127.0.0.1:" + std::to_string(testing::free_port()) + "/?token=sentinel";
  auto result = probe_from_yaml("http", "url: " + url)->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::Refused);
  EXPECT_EQ(result.detail, "connection refused");
}

TEST(HttpProbe, HungTargetTimesOutWithinTheTimeout) {
  testing::HungListener hung;
  auto url = "http://127.0.0.1:" + std::to_string(hung.port()) + "/?token=sentinel";
  auto probe = probe_from_yaml("http", "url: " + url);
  auto start = std::chrono::steady_clock::now();
  auto result = probe->check(400ms);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::Timeout);
  EXPECT_EQ(result.detail, "no answer within 400ms");
  EXPECT_LT(took, 1400ms);
  EXPECT_GE(result.latency, 390ms);
}

TEST(HttpProbe, UrlFromFile) {
  HttpServer http;
  http.server.Get("/", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  testing::TempDir dir;
  auto file = dir.write("url", http.start() + "/?token=sentinel\n");
  auto result = probe_from_yaml("http", "url_file: " + file.string())->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
}

TEST(HttpProbe, ConfigErrors) {
  const std::string url = "url: http://127.0.0.1:1/?token=sentinel\n";
  auto error_for = [](const std::string& keys) -> std::string {
    try {
      probe_from_yaml("http", keys);
    } catch (const config::ConfigError& e) {
      return e.what();
    }
    return "";
  };
  auto unknown = error_for(url + "bogus_key: 1");
  EXPECT_NE(unknown.find("bogus_key"), std::string::npos) << unknown;
  EXPECT_EQ(unknown.find("sentinel"), std::string::npos) << unknown;
  auto scheme = error_for("url: ftp://host/?token=sentinel");
  EXPECT_NE(scheme.find("http://"), std::string::npos) << scheme;
  EXPECT_EQ(scheme.find("sentinel"), std::string::npos) << scheme;
  EXPECT_NE(error_for(url + "expect_status: [99]"), "");
  EXPECT_NE(error_for(url + "method: 'GET /x'"), "");
  EXPECT_NE(error_for("method: GET"), "");  // url is required
  EXPECT_EQ(error_for(url + "method: post\nfollow_redirects: true\nverify_tls: false"), "");
}

}  // namespace
}  // namespace watchdog::probes
