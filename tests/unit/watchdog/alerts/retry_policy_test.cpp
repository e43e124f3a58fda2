// What the dispatcher does with an answer: table tests of the pure retry policy.
#include "watchdog/alerts/retry_policy.h"

#include <gtest/gtest.h>

#include <limits>

#include "config/redaction.h"
#include "watchdog/alerts/webhook_provider.h"

namespace watchdog::alerts {
namespace {

using namespace std::chrono_literals;

probes::HttpResponse answer(long status, std::map<std::string, std::string> headers = {}) {
  probes::HttpResponse response;
  response.status = status;
  response.headers = std::move(headers);
  return response;
}

probes::HttpResponse transport_error() {
  probes::HttpResponse response;
  response.error = probes::HttpError::Refused;
  response.error_text = "Couldn't connect to server";
  return response;
}

WebhookProvider provider() {
  DeliveryPolicy policy;
  policy.retry_backoff = 1000ms;
  policy.max_backoff = 60000ms;
  return WebhookProvider("ops", policy, Route{}, config::Secret{"http://x/", "inline"},
                         std::nullopt);
}

TEST(RetryPolicy, BackoffDoublesWithinJitterBoundsUpToTheCap) {
  DeliveryPolicy policy;
  policy.retry_backoff = 1000ms;
  policy.max_backoff = 5000ms;
  EXPECT_EQ(backoff(policy, 1, 0.0), 500ms);  // [d/2, d]
  EXPECT_EQ(backoff(policy, 1, 1.0), 1000ms);
  EXPECT_EQ(backoff(policy, 2, 1.0), 2000ms);
  EXPECT_EQ(backoff(policy, 3, 0.5), 3000ms);  // d = 4000: 2000 + 1000
  EXPECT_EQ(backoff(policy, 4, 1.0), 5000ms);  // capped
  EXPECT_EQ(backoff(policy, 60, 1.0), 5000ms);  // no overflow
  // Found by tests/fuzz/retry_after_fuzz.cpp: INT_MIN - 1 overflowed (a corrupt outbox row).
  EXPECT_EQ(backoff(policy, std::numeric_limits<int>::min(), 1.0), 1000ms);
  EXPECT_EQ(backoff(policy, std::numeric_limits<int>::max(), 1.0), 5000ms);
  for (double j = 0; j < 1; j += 0.1) {
    const auto d = backoff(policy, 2, j);
    EXPECT_GE(d, 1000ms);
    EXPECT_LE(d, 2000ms);
  }
}

struct Case {
  const char* name;
  probes::HttpResponse response;
  std::chrono::seconds age;
  Verdict verdict;
  std::chrono::milliseconds wait;
};

TEST(RetryPolicy, JudgesAnswers) {
  const auto webhook = provider();
  const Case cases[] = {
      {"200", answer(200), 0s, Verdict::Delivered, 0ms},
      {"204", answer(204), 0s, Verdict::Delivered, 0ms},
      {"500 retries with back-off", answer(500), 0s, Verdict::Retry, 1000ms},
      {"503 too old expires", answer(503), 25h, Verdict::Expired, 0ms},
      {"refused retries", transport_error(), 0s, Verdict::Retry, 1000ms},
      {"408", answer(408), 0s, Verdict::Retry, 1000ms},
      {"429 Retry-After 7", answer(429, {{"retry-after", "7"}}), 0s, Verdict::Retry, 7000ms},
      {"429 Retry-After 0.25", answer(429, {{"retry-after", "0.25"}}), 0s, Verdict::Retry, 250ms},
      {"429 Retry-After a week is capped", answer(429, {{"retry-after", "604800"}}), 0s,
       Verdict::Retry, kMaxRetryAfter},
      {"429 garbage Retry-After backs off", answer(429, {{"retry-after", "soon"}}), 0s,
       Verdict::Retry, 1000ms},
      {"404 permanent", answer(404), 0s, Verdict::Failed, 0ms},
      {"410 permanent", answer(410), 0s, Verdict::Failed, 0ms},
      {"400 permanent", answer(400), 0s, Verdict::Failed, 0ms},
      {"401 permanent", answer(401), 0s, Verdict::Failed, 0ms},
      {"404 even when old is failed, not expired", answer(404), 25h, Verdict::Failed, 0ms},
  };
  for (const auto& c : cases) {
    const auto j = judge(webhook, c.response, 1, c.age, 1.0);
    EXPECT_EQ(j.verdict, c.verdict) << c.name;
    EXPECT_EQ(j.wait, c.wait) << c.name;
  }
}

TEST(RetryPolicy, DetailSaysWhatHappened) {
  const auto webhook = provider();
  EXPECT_EQ(judge(webhook, answer(404), 1, 0s, 0).detail, "HTTP 404");
  EXPECT_EQ(judge(webhook, transport_error(), 1, 0s, 0).detail, "Couldn't connect to server");
  EXPECT_EQ(judge(webhook, answer(429, {{"retry-after", "2"}}), 1, 0s, 0).detail,
            "HTTP 429 (Retry-After 2000 ms)");
}

TEST(RetryAfter, ParsesSecondsAndHttpDates) {
  const auto now = std::chrono::system_clock::from_time_t(1'795'318'500);  // 2026-11-22 03:35 Z
  EXPECT_EQ(parse_retry_after("120", now), 120000ms);
  EXPECT_EQ(parse_retry_after("1.5", now), 1500ms);
  EXPECT_EQ(parse_retry_after("0", now), 0ms);
  EXPECT_EQ(parse_retry_after("Sun, 22 Nov 2026 03:35:30 GMT", now), 30000ms);
  EXPECT_EQ(parse_retry_after("Sun, 22 Nov 2026 03:00:00 GMT", now), 0ms);  // past: at once
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("-3", now));
  EXPECT_FALSE(parse_retry_after("10 seconds", now));
  EXPECT_FALSE(parse_retry_after("nan", now));
}

// Found by tests/fuzz/retry_after_fuzz.cpp: a date past year 2262 overflowed system_clock's
// nanoseconds (undefined behaviour; in practice a wrapped, negative wait: a retry at once).
TEST(RetryAfter, AFarFutureDateIsCappedLikeDeltaSeconds) {
  const auto now = std::chrono::system_clock::from_time_t(1'795'318'500);  // 2026-11-22 03:35 Z
  EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now), 1'000'000'000'000ms);
  EXPECT_EQ(parse_retry_after("1e300", now), 1'000'000'000'000ms);
  EXPECT_EQ(parse_retry_after("Mon, 01 Jan 0001 00:00:00 GMT", now), 0ms);
  EXPECT_EQ(judge(provider(), answer(503, {{"retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"}}), 1,
                  0s, 0)
                .wait,
            kMaxRetryAfter);
}

// A sink that echoes the request path (a webhook URL's token) in its error body: the detail
// that reaches the outbox, the log and `watchdog alerts` carries none of it, even when the
// token straddles the 120-character excerpt cut.
TEST(RetryPolicy, ErrorBodiesAreRedactedBeforeTheExcerptIsCut) {
  const std::string token = "T0ken5ecretValue-0123456789abcdef";
  config::install_secrets({"https://hooks.example.com/hook/" + token});
  auto response = answer(404);
  response.body = std::string(100, '.') + "Cannot POST /hook/" + token + "\n";
  const auto j = judge(provider(), response, 1, 0s, 0.5);
  config::clear_secrets();
  EXPECT_EQ(j.verdict, DeliveryVerdict::Failed);
  EXPECT_EQ(j.detail.find("T0ken"), std::string::npos) << j.detail;
  EXPECT_EQ(j.detail.find("0123"), std::string::npos) << j.detail;
  EXPECT_NE(j.detail.find("Cannot POST /hook/[R"), std::string::npos) << j.detail;
}

}  // namespace
}  // namespace watchdog::alerts
