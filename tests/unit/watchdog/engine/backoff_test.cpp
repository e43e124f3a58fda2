#include "watchdog/engine/backoff.h"

#include <gtest/gtest.h>

namespace watchdog::core {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesPerFailedAttemptUpToCap) {
  const milliseconds base(10'000), cap(300'000);
  EXPECT_EQ(backoff_delay(base, cap, 1), milliseconds(10'000));
  EXPECT_EQ(backoff_delay(base, cap, 2), milliseconds(20'000));
  EXPECT_EQ(backoff_delay(base, cap, 3), milliseconds(40'000));
  EXPECT_EQ(backoff_delay(base, cap, 5), milliseconds(160'000));
  EXPECT_EQ(backoff_delay(base, cap, 6), milliseconds(300'000));
  EXPECT_EQ(backoff_delay(base, cap, 1000), milliseconds(300'000));  // no overflow
  EXPECT_EQ(backoff_delay(milliseconds(0), cap, 3), milliseconds(0));
}

}  // namespace
}  // namespace watchdog::core
