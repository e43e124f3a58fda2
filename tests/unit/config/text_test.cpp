// The shared text helpers of config/text.h.
#include "config/text.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "config/options.h"

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

TEST(EscapeUnprintable, ControlCharactersBecomeEscapes) {
  EXPECT_EQ(escape_unprintable("a\tb\nc\rd"), "a\\tb\\nc\\rd");
  EXPECT_EQ(escape_unprintable("\x1b[31mred\x1b]0;title\x07"), "\\x1b[31mred\\x1b]0;title\\x07");
  EXPECT_EQ(escape_unprintable(std::string("nul\0x\x7f", 6)), "nul\\x00x\\x7f");
  EXPECT_EQ(escape_unprintable("c1 \xc2\x9b csi"), "c1 \\u009b csi");  // U+009B, the 8-bit CSI
}

TEST(EscapeUnprintable, ValidUtf8StaysInvalidBytesAreEscaped) {
  EXPECT_EQ(escape_unprintable("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x90\xb6"),
            "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x90\xb6");
  EXPECT_EQ(escape_unprintable("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(escape_unprintable("\xc3"), "\\xc3");                             // truncated sequence
  EXPECT_EQ(escape_unprintable("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(escape_unprintable("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a surrogate
  EXPECT_EQ(escape_unprintable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // > U+10FFFF
}

TEST(EscapeUnprintable, EveryConfigErrorIsEscaped) {
  EXPECT_STREQ(ConfigError("t.yaml:1:1: bad '\x1b[2J\xff'").what(),
               "t.yaml:1:1: bad '\\x1b[2J\\xff'");
}

}  // namespace
}  // namespace watchdog::config
