#pragma once
// What to do with a receiver's answer, as a pure function (table-tested): delivered, retry
// after a wait (Retry-After exactly, else exponential back-off with jitter), failed for good
// (a permanent answer), or expired (still failing after give_up_after).

#include <chrono>
#include <string>

#include "probes/clients/http_client.h"
#include "watchdog/alerts/provider.h"

namespace watchdog::alerts {

// What became of one delivery attempt (not core::Verdict, a probe track's pass/fail reading).
enum class DeliveryVerdict { Delivered, Retry, Failed, Expired };
// The former name, still used by retry_policy_test.cpp; new code says DeliveryVerdict.
using Verdict = DeliveryVerdict;
std::string_view to_string(DeliveryVerdict verdict);  // "success" | "retry" | "failure" | "expired"

struct Judgement {
  DeliveryVerdict verdict = DeliveryVerdict::Delivered;
  milliseconds wait{0};  // before the next attempt (Retry only)
  std::string detail;    // "HTTP 429 (Retry-After 2000 ms)", "Couldn't connect to server"
};

// Retry-After longer than this is capped (a receiver asking for a day would stall the sink).
constexpr milliseconds kMaxRetryAfter{std::chrono::hours(1)};

// `retry`: 1 for the first retry. Doubles from retry_backoff up to max_backoff; the result is
// spread uniformly over [d/2, d] by `jitter` in [0, 1) so that sinks do not retry in step.
milliseconds backoff(const DeliveryPolicy& policy, int retry, double jitter);

// `attempts`: sends of this row so far, including this one. `age`: since it was queued.
Judgement judge(const Provider& provider, const probes::HttpResponse& response, int attempts,
                std::chrono::seconds age, double jitter);

}  // namespace watchdog::alerts
