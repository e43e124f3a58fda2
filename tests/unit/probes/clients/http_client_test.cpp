#include "probes/clients/http_client.h"

#include <gtest/gtest.h>

#include <mutex>

#include "tests/support/temp_dir.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
using testing::HttpServer;

HttpRequest get(const std::string& url) {
  HttpRequest request;
  request.url = url;
  request.timeout = 2s;
  return request;
}

TEST(HttpClient, ReturnsStatusAndBody) {
  HttpServer http;
  http.server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("all good", "text/plain");
  });
  auto response = perform(get(http.start() + "/health"));
  ASSERT_TRUE(response.ok()) << response.error_text;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "all good");
  EXPECT_GT(response.elapsed.count(), 0);
}

TEST(HttpClient, ReportsNon2xxAsAResponseNotAnError) {
  HttpServer http;
  http.server.Get("/", [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
  auto response = perform(get(http.start() + "/"));
  EXPECT_TRUE(response.ok());
  EXPECT_EQ(response.status, 503);
}

TEST(HttpClient, CapsTheBodyButCompletesTheTransfer) {
  HttpServer http;
  http.server.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(200000, 'x'), "text/plain");
  });
  auto request = get(http.start() + "/big");
  request.max_body_bytes = 1000;
  auto response = perform(request);
  ASSERT_TRUE(response.ok()) << response.error_text;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body.size(), 1000u);
}

TEST(HttpClient, CollectsHeadersWithLowerCaseNames) {
  HttpServer http;
  http.server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Custom-Thing", "value 1");
    res.set_content("{}", "application/json");
  });
  auto response = perform(get(http.start() + "/"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response.headers["x-custom-thing"], "value 1");
  EXPECT_EQ(response.headers["content-type"], "application/json");
  EXPECT_EQ(response.headers.count("X-Custom-Thing"), 0u);
}

TEST(HttpClient, RefusedWhenNothingListens) {
  auto response = perform(get("http://127.0.0.1:" + std::to_string(testing::free_port()) + "/"));
  EXPECT_EQ(response.error, HttpError::Refused);
  EXPECT_EQ(response.status, 0);
  EXPECT_FALSE(response.error_text.empty());
  EXPECT_EQ(response.error_text.find("127.0.0.1"), std::string::npos);
}

TEST(HttpClient, TimesOutAgainstAHungTarget) {
  testing::HungListener hung;
  auto request = get("http://127.0.0.1:" + std::to_string(hung.port()) + "/?token=sentinel");
  request.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto response = perform(request);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(response.error, HttpError::Timeout);
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 1300ms);
  EXPECT_EQ(response.error_text.find("sentinel"), std::string::npos);
}

TEST(HttpClient, SendsMethodBodyAndHeaders) {
  HttpServer http;
  std::mutex mutex;
  std::string body, header, content_type;
  http.server.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    body = req.body;
    header = req.get_header_value("X-Token");
    content_type = req.get_header_value("Content-Type");
    res.status = 202;
  });
  auto request = get(http.start() + "/hook");
  request.method = "POST";
  request.body = R"({"event":"down"})";
  request.headers = {"Content-Type: application/json", "X-Token: abc123"};
  auto response = perform(request);
  ASSERT_TRUE(response.ok()) << response.error_text;
  EXPECT_EQ(response.status, 202);
  std::lock_guard lock(mutex);
  EXPECT_EQ(body, R"({"event":"down"})");
  EXPECT_EQ(header, "abc123");
  EXPECT_EQ(content_type, "application/json");
}

TEST(HttpClient, CustomMethodIsSent) {
  HttpServer http;
  http.server.Put("/item", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content("put:" + req.body, "text/plain");
  });
  auto request = get(http.start() + "/item");
  request.method = "PUT";
  request.body = "v";
  auto response = perform(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response.body, "put:v");
}

TEST(HttpClient, FollowsRedirectsOnlyWhenAsked) {
  HttpServer http;
  http.server.Get(
      "/old", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/new"); });
  http.server.Get("/new", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("moved here", "text/plain");
  });
  auto request = get(http.start() + "/old");
  EXPECT_EQ(perform(request).status, 302);
  request.follow_redirects = true;
  auto response = perform(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "moved here");
  EXPECT_EQ(response.headers.count("location"), 0u);  // only the final response's headers
}

TEST(HttpClient, RejectsNonHttpSchemes) {
  testing::TempDir dir;
  auto request = get("file://" + dir.write("secret.txt", "x").string());
  auto response = perform(request);
  EXPECT_FALSE(response.ok());
  EXPECT_TRUE(response.body.empty());
}

}  // namespace
}  // namespace watchdog::probes
