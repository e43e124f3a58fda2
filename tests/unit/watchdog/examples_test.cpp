// Every shipped example configuration (config/examples/*.yaml, the README's included) must load
// and build: probes, actions and alert providers all constructed.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "watchdog/plan.h"

namespace watchdog::core {
namespace {

TEST(Examples, EveryExampleConfigBuildsAPlan) {
  setenv("OPS_WEBHOOK_URL", "http://127.0.0.1:9/hook", 1);
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(WATCHDOG_SOURCE_DIR) / "config/examples")) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    Plan plan = load_plan(entry.path());
    EXPECT_FALSE(plan.components.empty());
    ++count;
  }
  EXPECT_GE(count, 1);
}

TEST(Examples, EmbeddedDefaultBuildsAPlan) {
  Plan plan = load_plan(std::nullopt);
  ASSERT_EQ(plan.components.size(), 1u);
  EXPECT_EQ(plan.components[0].probes.size(), 2u);
  EXPECT_EQ(plan.config.watchdog.listen.text(), "127.0.0.1:9187");
}

}  // namespace
}  // namespace watchdog::core
