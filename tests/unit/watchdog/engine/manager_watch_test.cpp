// ManagerWatch: one thread asks every managed component's manager each interval, keeps the
// latest answer, asks again at once on check_now, and keeps answers of unchanged targets over a
// plan change. Driven by a counting `ask` (no network), then once against the Patroni stand-in.
#include "watchdog/engine/manager_watch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "tests/support/patroni_standin.h"
#include "tests/support/temp_dir.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
using testing::wait_until;

config::ManagerSpec spec(const std::string& url, Duration interval = 60s) {
  config::ManagerSpec manager;
  manager.kind = "patroni";
  manager.url.value = url;
  manager.display = url;
  manager.interval = interval;
  manager.timeout = 1s;
  return manager;
}

struct CountingAsk {
  std::shared_ptr<std::atomic<int>> asked = std::make_shared<std::atomic<int>>(0);
  // A question to `held_url` waits until `released` (an answer that has not come yet).
  std::string held_url;
  std::shared_ptr<std::atomic<bool>> released = std::make_shared<std::atomic<bool>>(false);
  ManagerWatch::Ask ask() const {
    return [asked = asked, held = held_url, released = released](const config::ManagerSpec& m) {
      while (!held.empty() && m.url.value == held && !*released) {
        std::this_thread::sleep_for(5ms);
      }
      ++*asked;
      ManagerReading reading;
      reading.at = Clock::now();
      reading.answered = reading.alive = true;
      return reading;
    };
  }
};

TEST(ManagerWatch, AsksAtOnceThenEachIntervalAndOnRequest) {
  CountingAsk counting;
  ManagerWatch watch(counting.ask());
  EXPECT_TRUE(watch.readings().empty());
  watch.set_targets({{"db", spec("http://a:8008")}});
  ASSERT_TRUE(wait_until([&] { return watch.readings().contains("db"); }, 5s));
  EXPECT_EQ(*counting.asked, 1) << "the next question waits for the interval (60s)";
  const auto version = watch.version();
  watch.check_now("db");
  ASSERT_TRUE(wait_until([&] { return *counting.asked == 2; }, 5s));
  ASSERT_TRUE(wait_until([&] { return watch.version() > version; }, 5s));
  watch.check_now("unknown");  // no-op
}

TEST(ManagerWatch, PlanChangeKeepsAnswersOfTheSameManagerOnly) {
  CountingAsk counting;
  counting.held_url = "http://c:8008";  // its answer must not be there before we look
  ManagerWatch watch(counting.ask());
  watch.set_targets({{"db", spec("http://a:8008")}, {"other", spec("http://b:8008")}});
  ASSERT_TRUE(wait_until([&] { return watch.readings().size() == 2; }, 5s));
  const int asked = *counting.asked;
  auto changed = spec("http://a:8008");
  changed.act_when_manager_down = true;  // same manager, other settings
  watch.set_targets({{"db", changed}, {"other", spec("http://c:8008")}});
  const auto readings = watch.readings();
  EXPECT_TRUE(readings.contains("db")) << "same kind and URL: the answer stays";
  EXPECT_FALSE(readings.contains("other")) << "another URL: not known yet";
  *counting.released = true;
  ASSERT_TRUE(wait_until([&] { return watch.readings().size() == 2; }, 5s));
  EXPECT_EQ(*counting.asked, asked + 1) << "only the new manager was asked";
  watch.set_targets({});
  EXPECT_TRUE(watch.readings().empty());
}

TEST(ManagerWatch, DestructionDoesNotWaitForAHungQuestion) {
  auto release = std::make_shared<std::atomic<bool>>(false);
  auto started = std::make_shared<std::atomic<bool>>(false);
  {
    ManagerWatch watch([=](const config::ManagerSpec&) {
      *started = true;
      while (!*release) std::this_thread::sleep_for(10ms);
      return ManagerReading{};
    });
    watch.set_targets({{"db", spec("http://a:8008")}});
    ASSERT_TRUE(wait_until([&] { return started->load(); }, 5s));
  }  // the destructor returns with the question still in flight (were it to wait: a hang)
  *release = true;  // the detached thread ends on its own and drops its answer
}

// Managers are asked concurrently: two hanging ones do not keep a third from being asked every
// interval (one after another, a round would take 2 × the hang and its answers would go stale).
TEST(ManagerWatch, HangingManagersDoNotDelayTheOthers) {
  auto release = std::make_shared<std::atomic<bool>>(false);
  CountingAsk counting;
  ManagerWatch watch([=, ask = counting.ask()](const config::ManagerSpec& manager) {
    if (manager.url.value != "http://ok:8008") {
      while (!*release) std::this_thread::sleep_for(10ms);
    }
    return ask(manager);
  });
  watch.set_targets({{"hung-1", spec("http://hung-1:8008", 100ms)},
                     {"hung-2", spec("http://hung-2:8008", 100ms)},
                     {"db", spec("http://ok:8008", 100ms)}});
  ASSERT_TRUE(wait_until([&] { return *counting.asked >= 5; }, 10s))
      << "the healthy manager is asked every interval while two others hang";
  const auto readings = watch.readings();
  EXPECT_TRUE(readings.contains("db"));
  EXPECT_FALSE(readings.contains("hung-1"));
  *release = true;
  ASSERT_TRUE(wait_until([&] { return watch.readings().size() == 3; }, 5s));
}

// A reload that shortens the interval applies it now, not after the old (long) schedule.
TEST(ManagerWatch, AChangedIntervalAppliesAtOnce) {
  CountingAsk counting;
  ManagerWatch watch(counting.ask());
  watch.set_targets({{"db", spec("http://a:8008", 1h)}});
  ASSERT_TRUE(wait_until([&] { return *counting.asked == 1; }, 5s));
  watch.set_targets({{"db", spec("http://a:8008", 100ms)}});
  EXPECT_TRUE(watch.readings().contains("db")) << "same manager: the answer stays";
  ASSERT_TRUE(wait_until([&] { return *counting.asked >= 3; }, 10s))
      << "still on the 1h schedule";
}

TEST(ManagerWatch, AsksTheRealStandin) {
  testing::PatroniStandin standin;
  standin.set_paused(true);
  ManagerWatch watch;
  watch.set_targets({{"db", spec(standin.url(), 200ms)}});
  ASSERT_TRUE(wait_until([&] { return watch.readings().contains("db"); }, 5s));
  auto reading = watch.readings().at("db");
  EXPECT_TRUE(reading.alive);
  EXPECT_TRUE(reading.paused);
  standin.stop();
  ASSERT_TRUE(wait_until([&] { return !watch.readings().at("db").answered; }, 5s));
  EXPECT_FALSE(watch.readings().at("db").problem.empty());
}

}  // namespace
}  // namespace watchdog::core
