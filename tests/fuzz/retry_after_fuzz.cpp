// libFuzzer target: the receiver's answer as the dispatcher reads it — parse_retry_after on any
// header text, judge() on a fuzzed status, Retry-After header and body (webhook and Discord,
// which also reads `retry_after` from its JSON body), backoff() on fuzzed policies.
// Properties, each a trap when broken:
//   - a parsed Retry-After is never negative; plain delta-seconds "N" reads as N s exactly;
//   - an HTTP-date we print reads back as exactly its distance from `now` (0 when past);
//   - judge() waits 0..kMaxRetryAfter on a retry, and its detail is one line;
//   - backoff() stays within [full/2, full] of its doubled, capped delay, and at least 1 ms.
// Built and run by scripts/fuzz.sh, not by the test suite.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>

#include "watchdog/alerts/discord_provider.h"
#include "watchdog/alerts/retry_policy.h"
#include "watchdog/alerts/webhook_provider.h"

namespace {

using namespace watchdog::alerts;
using std::chrono::milliseconds;
using Clock = std::chrono::system_clock;

void check(bool property) {
  if (!property) __builtin_trap();
}

const Clock::time_point kNow = Clock::from_time_t(1'795'318'500);  // 2026-11-22

void check_parse(const std::string& value) {
  const auto parsed = parse_retry_after(value, kNow);
  if (parsed) check(parsed->count() >= 0);
  if (!value.empty() && value.size() <= 9 &&
      value.find_first_not_of("0123456789") == std::string::npos) {
    check(parsed && *parsed == milliseconds(std::stoll(value) * 1000));
  }
}

// An IMF-fixdate `offset` seconds from kNow (any 4-digit year): it reads back as that
// distance, 0 once it is past, at most the 1e9 s that delta-seconds are capped at too.
void check_date_round_trip(std::int64_t offset) {
  const std::time_t at = Clock::to_time_t(kNow) + offset;
  std::tm utc{};
  if (gmtime_r(&at, &utc) == nullptr) return;
  char text[64];
  if (std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc) == 0) return;
  // IMF-fixdate years have 4 digits (and strptime's %Y reads at most 4).
  if (utc.tm_year + 1900 < 1000 || utc.tm_year + 1900 > 9999) return;
  const auto parsed = parse_retry_after(text, kNow);
  check(parsed.has_value());
  check(*parsed == milliseconds(std::clamp<std::int64_t>(offset, 0, 1'000'000'000) * 1000));
}

void check_judge(const Provider& sink, FuzzedDataProvider& in) {
  watchdog::probes::HttpResponse response;
  response.status = in.ConsumeIntegralInRange<long>(100, 599);
  if (in.ConsumeBool()) response.headers["retry-after"] = in.ConsumeRandomLengthString(64);
  response.body = in.ConsumeRandomLengthString(4096);
  const int attempts = in.ConsumeIntegralInRange<int>(1, 1000);
  const auto age = std::chrono::seconds(in.ConsumeIntegralInRange<int>(0, 200'000));
  const Judgement j = judge(sink, response, attempts, age, in.ConsumeProbability<double>());
  if (j.verdict == DeliveryVerdict::Retry) {
    check(j.wait >= milliseconds(0) && j.wait <= kMaxRetryAfter);
  }
  check(j.detail.find_first_of("\r\n") == std::string::npos);
}

void check_backoff(FuzzedDataProvider& in) {
  DeliveryPolicy policy;
  policy.retry_backoff = milliseconds(in.ConsumeIntegralInRange<std::int64_t>(10, 1LL << 40));
  policy.max_backoff =
      policy.retry_backoff + milliseconds(in.ConsumeIntegralInRange<std::int64_t>(0, 1LL << 40));
  const int retry = in.ConsumeIntegral<int>();
  const double jitter = in.ConsumeFloatingPoint<double>();
  const auto wait = backoff(policy, retry, jitter);
  const double full = std::min<double>(
      static_cast<double>(policy.max_backoff.count()),
      static_cast<double>(policy.retry_backoff.count()) *
          std::ldexp(1.0, std::clamp(retry, 1, 31) - 1));
  check(wait >= milliseconds(1));
  check(static_cast<double>(wait.count()) >= std::floor(full / 2) - 1);
  check(static_cast<double>(wait.count()) <= std::ceil(full) + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const WebhookProvider webhook("ops", DeliveryPolicy{}, Route{},
                                       {"http://receiver.example/", "test"}, std::nullopt);
  static const DiscordProvider discord("chat", DeliveryPolicy{}, Route{},
                                       {"https://discord.example/api/webhooks/1/x", "test"});
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange<int>(0, 4)) {
    case 0: check_parse(in.ConsumeRemainingBytesAsString()); break;
    case 1: check_date_round_trip(in.ConsumeIntegral<std::int64_t>() % 300'000'000'000LL); break;
    case 2: check_judge(webhook, in); break;
    case 3: check_judge(discord, in); break;
    case 4: check_backoff(in); break;
  }
  return 0;
}
