// Alert delivery benchmark (scripts/bench_alerts.sh): what an alert costs the engine thread
// (Dispatcher::submit = route + outbox INSERT + wake), with the outbox on disk (WAL) and in
// memory, while real loopback receivers answer at once or hang; and how many alerts a second
// one sink takes. Prints Markdown rows. Not a test: figures go to docs/benchmarks.md.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.h"
#include "tests/support/webhook_receiver.h"
#include "watchdog/alerts/dispatcher.h"
#include "watchdog/alerts/webhook_provider.h"

namespace {

using namespace std::chrono_literals;
using namespace watchdog;
using Clock = std::chrono::steady_clock;

std::shared_ptr<alerts::Provider> sink(const std::string& name, const std::string& url,
                                       std::chrono::milliseconds timeout) {
  alerts::DeliveryPolicy policy;
  policy.timeout = timeout;
  return std::make_shared<alerts::WebhookProvider>(name, policy, alerts::Route{},
                                                   config::Secret{url, "bench"}, std::nullopt);
}

alerts::AlertEvent event(int n) {
  alerts::AlertEvent e;
  e.event_id = "bench-" + std::to_string(n) + "/1-CRITICAL";
  e.incident_id = "bench-" + std::to_string(n);
  e.component = "api";
  e.to = core::State::Critical;
  e.reason = "api-http: connection refused";
  e.at = std::chrono::system_clock::now();
  e.probes.push_back({"api-http", "http", "unhealthy", "refused", "connection refused"});
  return e;
}

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// submit() latencies of `count` events to three sinks; returns when all are delivered.
void submit_run(const char* label, std::shared_ptr<alerts::Outbox> outbox, bool hang,
                int count) {
  testing::WebhookReceiver a, b, c;
  if (hang) c.reply_always(testing::Reply{200, "ok", 60s});
  core::Metrics metrics;
  alerts::Dispatcher dispatcher(metrics, std::move(outbox));
  dispatcher.set_providers({sink("a", a.url(), 5s), sink("b", b.url(), 5s),
                            sink("c", c.url(), hang ? 30s : 5s)});
  std::vector<double> took;
  for (int n = 0; n < count; ++n) {
    const auto start = Clock::now();
    dispatcher.submit(event(n));
    took.push_back(micros(Clock::now() - start));
  }
  a.wait_for(static_cast<std::size_t>(count), 120s);
  b.wait_for(static_cast<std::size_t>(count), 120s);
  dispatcher.stop(0ms);
  std::sort(took.begin(), took.end());
  auto at = [&](double q) { return took[static_cast<std::size_t>(q * (took.size() - 1))]; };
  std::printf("| submit() to 3 sinks, %s | %d | %.0f µs | %.0f µs | %.0f µs |\n", label, count,
              at(0.5), at(0.99), took.back());
}

void throughput_run(int count) {
  testing::TempDir dir;
  testing::WebhookReceiver receiver;
  core::Metrics metrics;
  alerts::Dispatcher dispatcher(metrics, alerts::Outbox::open(dir.path() / "watchdog.db"));
  dispatcher.set_providers({sink("a", receiver.url(), 5s)});
  const auto start = Clock::now();
  for (int n = 0; n < count; ++n) dispatcher.submit(event(n));
  receiver.wait_for(static_cast<std::size_t>(count), 300s);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  dispatcher.stop(0ms);
  std::printf("| delivered to one sink (outbox on disk, loopback receiver) | %d | %.0f alerts/s | | |\n",
              count, count / seconds);
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 2000;
  std::printf("| figure | events | p50 | p99 | max |\n|---|---|---|---|---|\n");
  {
    testing::TempDir dir;
    submit_run("outbox on disk (WAL)", alerts::Outbox::open(dir.path() / "watchdog.db"), false,
               count);
  }
  submit_run("outbox in memory", alerts::Outbox::in_memory(), false, count);
  {
    testing::TempDir dir;
    submit_run("on disk, one sink hanging", alerts::Outbox::open(dir.path() / "watchdog.db"),
               true, count);
  }
  throughput_run(count);
  return 0;
}
