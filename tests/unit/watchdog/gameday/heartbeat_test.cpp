// A game day's heartbeat whose state store stays unusable (deleted, a full disk) logs the first
// missed beat and then once a minute with the count — not a warning every 2 s for the whole
// game day.
#include "watchdog/gameday/heartbeat.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <thread>

#include "tests/support/temp_dir.h"

namespace watchdog::gameday {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(GamedayHeartbeat, AStoreThatStaysUnusableIsLoggedOnceAMinuteNotEveryBeat) {
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  testing::TempDir dir;
  {
    // Beats 20 ms apart for 600 ms: dozens fail to open the store, one is logged.
    Heartbeat heartbeat(dir / "no-such-state-dir", "gd-1", this_process(),
                        std::chrono::milliseconds(20));
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    EXPECT_FALSE(heartbeat.lost()) << "a store that cannot be opened is not a lost claim";
  }
  spdlog::set_default_logger(previous);
  const std::string text = log.str();
  EXPECT_EQ(count(text, "gameday_heartbeat_failed"), 1u) << text;
  EXPECT_NE(text.find("missed=1"), std::string::npos) << text;
}

}  // namespace
}  // namespace watchdog::gameday
