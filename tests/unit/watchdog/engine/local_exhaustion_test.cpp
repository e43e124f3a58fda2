// Results that say the watchdog itself was starved (FailureKind::LocalResource) never move a
// component: no CRITICAL, no action, no alert — only a counter and a rate-limited log line.
#include "watchdog/engine/local_exhaustion.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "tests/support/prometheus_text.h"
#include "tests/unit/watchdog/engine/engine_fixture.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
using namespace engine_fixture;
using testing::metric_sum;

std::ostringstream log_;  // the log of the test below

// Healthy, starved (the watchdog's own descriptors ran out) or really down, as the test sets.
class StarvableProbe : public probes::Probe {
 public:
  enum class Answer { Healthy, Starved, Down };
  explicit StarvableProbe(std::string name) : Probe(std::move(name)) {}
  std::string_view kind() const override { return "fake"; }
  probes::ProbeResult check(std::chrono::milliseconds) noexcept override {
    ++runs_;
    switch (answer_.load()) {
      case Answer::Healthy:
        return probes::healthy("fine");
      case Answer::Starved:
        return probes::local_exhaustion("cannot connect: Too many open files");
      case Answer::Down:
        break;
    }
    return probes::unhealthy(probes::FailureKind::Refused, "down");
  }
  std::atomic<Answer> answer_{Answer::Healthy};
  std::atomic<int> runs_{0};
};

TEST(LocalExhaustion, StarvedChecksNeverMoveTheComponentOrRunAnAction) {
  Fixture f;
  auto probe = std::make_shared<StarvableProbe>("api-http");
  auto fix = std::make_shared<FakeAction>("fix", 10ms, nullptr);
  auto& component = f.add("api", std::make_shared<SwitchProbe>("unused"), fix);
  component.probes.front().probe = probe;  // thresholds of 1: a single failure would act
  Engine engine(f.metrics, f.dispatcher, {.seed = 3});
  engine.start(f.plan);
  ASSERT_TRUE(wait_until([&] { return probe->runs_ >= 2; }));
  probe->answer_ = StarvableProbe::Answer::Starved;
  const int starved_from = probe->runs_;
  ASSERT_TRUE(wait_until([&] { return probe->runs_ >= starved_from + 10; }));
  EXPECT_EQ(state_of(engine, "api"), State::Healthy);
  EXPECT_EQ(fix->runs_, 0);
  EXPECT_GE(metric_sum(f.metrics.render(), "watchdog_local_resource_errors_total", {}), 9);
  // The probe's view says what happened, for /status.
  const auto status = engine.status();
  EXPECT_EQ(status.components.front().probes.front().failure, "local_resource");

  // A real failure still counts: the track was not disabled, only not fed the starved results.
  probe->answer_ = StarvableProbe::Answer::Down;
  EXPECT_TRUE(wait_until([&] { return fix->runs_ >= 1; }));
  engine.stop();
}

TEST(LocalExhaustion, LogsAtMostOnceAMinuteButCountsEveryResult) {
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  Metrics metrics;
  LocalExhaustion exhaustion(metrics);
  const auto start = std::chrono::steady_clock::now();
  // One result a second for 150 s: logged at 0 s, 60 s and 120 s.
  for (int i = 0; i < 150; ++i) exhaustion.note("api", "http", "Too many open files", start + i * 1s);
  spdlog::set_default_logger(previous);
  const std::string text = log_.str();
  std::size_t lines = 0;
  for (auto at = text.find("local_resource_exhausted"); at != std::string::npos;
       at = text.find("local_resource_exhausted", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 3u) << text;
  EXPECT_NE(text.find("not_logged_since_last=59"), std::string::npos) << text;
  EXPECT_EQ(metric_sum(metrics.render(), "watchdog_local_resource_errors_total", {}), 150);
}

}  // namespace
}  // namespace watchdog::core
