// The shared text helpers of config/text.h.
#include "config/text.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace watchdog::config {
namespace {

TEST(Trim, DropsSurroundingWhiteSpaceOnly) {
  EXPECT_EQ(trim("  a b \t\n"), "a b");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t "), "");
}

TEST(ErrnoText, TheSystemMessage) {
  EXPECT_EQ(errno_text(ENOENT), "No such file or directory");
  EXPECT_EQ(errno_text(ENOSPC), "No space left on device");
  EXPECT_EQ(errno_text(0), "Success");
  EXPECT_EQ(errno_text(123456), "Unknown error 123456");
}

TEST(ErrnoText, DefaultsToTheCurrentErrno) {
  errno = EACCES;
  EXPECT_EQ(errno_text(), "Permission denied");
}

}  // namespace
}  // namespace watchdog::config
