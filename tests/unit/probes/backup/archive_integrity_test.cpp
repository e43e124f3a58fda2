// Integrity of compressed backups: real gzip and zstd files written here with zlib and libzstd,
// then truncated, bit-flipped or padded — every damage a backup file meets on a full disk or a
// broken copy.
#include "probes/backup/archive_integrity.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"
#include "tests/unit/probes/archive_test_files.h"

namespace watchdog::probes::backup {
namespace {

using namespace std::chrono_literals;
using State = ArchiveVerdict::State;
using testing::gzip_member;
using testing::payload;
using testing::zstd_frame;

struct Case {
  const char* why;
  const char* name;
  std::string content;
  State expected;
  const char* detail;  // a part of describe()'s text
};

TEST(ArchiveIntegrity, FindsEveryDamage) {
  const std::string data = payload();
  const std::string gz = gzip_member(data);
  const std::string zst = zstd_frame(data);
  std::string gz_flipped = gz;
  gz_flipped[gz.size() / 2] ^= 0x10;
  std::string gz_bad_crc = gz;
  gz_bad_crc[gz.size() - 6] ^= 0x01;  // the trailer: CRC-32, then the length
  std::string zst_flipped = zst;
  zst_flipped[zst.size() / 2] ^= 0x10;
  std::string zst_bad_checksum = zst;
  zst_bad_checksum[zst.size() - 1] ^= 0x01;  // the frame's content checksum

  const std::vector<Case> cases = {
      {"a whole gzip file", "mongo-20261205.tar.gz", gz, State::Ok, "passed the gzip check"},
      {"two members, as pigz or cat writes", "a.gz", gz + gzip_member("tail"), State::Ok, ""},
      {"zero padding after the stream", "a.tgz", gz + std::string(512, '\0'), State::Ok, ""},
      {"cut in half", "mongo-20261205.tar.gz", gz.substr(0, gz.size() / 2), State::Truncated,
       "mongo-20261205.tar.gz is truncated (gzip stream ends early)"},
      {"only the trailer missing", "a.gz", gz.substr(0, gz.size() - 4), State::Truncated,
       "truncated"},
      {"a flipped bit in the data", "a.gz", gz_flipped, State::Corrupt, "is corrupt (gzip: "},
      {"a wrong CRC in the trailer", "a.gz", gz_bad_crc, State::Corrupt, "incorrect data check"},
      {"garbage after the stream", "a.gz", gz + "junk", State::Corrupt,
       "unexpected data after the gzip stream"},
      {"not gzip at all", "a.gz", "plain text, renamed", State::Corrupt, "gzip: "},
      {"an empty file", "a.gz", "", State::Truncated, "the file is empty"},
      {"a whole zstd file", "m.tar.zst", zst, State::Ok, "passed the zstd check"},
      {"two zstd frames", "m.zst", zst + zstd_frame("tail"), State::Ok, ""},
      {"zstd cut in half", "m.tar.zst", zst.substr(0, zst.size() / 2), State::Truncated,
       "m.tar.zst is truncated (zstd frame ends early)"},
      {"zstd without its last byte", "m.zst", zst.substr(0, zst.size() - 1), State::Truncated,
       "truncated"},
      {"zstd with a flipped bit", "m.zst", zst_flipped, State::Corrupt, "is corrupt (zstd: "},
      {"zstd with a wrong checksum", "m.zst", zst_bad_checksum, State::Corrupt, "checksum"},
      {"an empty zstd file", "m.zst", "", State::Truncated, "empty"},
  };
  testing::TempDir dir;
  for (const auto& c : cases) {
    const auto path = dir.write(c.name, c.content);
    const auto format = archive_format(c.name);
    ASSERT_TRUE(format) << c.why;
    const auto verdict = check_archive(path, *format, std::chrono::steady_clock::now() + 30s);
    EXPECT_EQ(verdict.state, c.expected) << c.why << ": " << verdict.reason;
    const std::string text = describe(verdict, c.name, *format);
    EXPECT_NE(text.find(c.detail), std::string::npos) << c.why << ": " << text;
  }
}

TEST(ArchiveIntegrity, FormatComesFromTheName) {
  EXPECT_EQ(archive_format("x.tar.gz"), ArchiveFormat::Gzip);
  EXPECT_EQ(archive_format("x.tgz"), ArchiveFormat::Gzip);
  EXPECT_EQ(archive_format("x.gz"), ArchiveFormat::Gzip);
  EXPECT_EQ(archive_format("x.tar.zst"), ArchiveFormat::Zstd);
  EXPECT_EQ(archive_format("x.tzst"), ArchiveFormat::Zstd);
  EXPECT_FALSE(archive_format("x.dump"));
  EXPECT_FALSE(archive_format("x.gz.sha256"));
  EXPECT_FALSE(archive_format(".gz"));
}

TEST(ArchiveIntegrity, StopsAtTheDeadlineAndReportsUnreadableFiles) {
  testing::TempDir dir;
  const auto path = dir.write("a.gz", gzip_member(payload()));
  auto verdict = check_archive(path, ArchiveFormat::Gzip, std::chrono::steady_clock::now() - 1s);
  EXPECT_EQ(verdict.state, State::Unchecked);
  EXPECT_EQ(verdict.reason, "not finished within the timeout");
  verdict = check_archive(dir / "missing.gz", ArchiveFormat::Gzip,
                          std::chrono::steady_clock::now() + 30s);
  EXPECT_EQ(verdict.state, State::Unchecked);
  EXPECT_NE(verdict.reason.find("cannot open"), std::string::npos) << verdict.reason;
}

TEST(ArchiveIntegrity, RememberedVerdictRoundTrips) {
  RememberedVerdict verdict{"/backups/m\tx.gz", 123, -5, {State::Corrupt, "gzip: bad\tthing"}};
  // A tab inside the path shifts the fields: never taken for the same file (read again).
  auto decoded = RememberedVerdict::decode(verdict.encode());
  EXPECT_TRUE(!decoded || !decoded->same_file(verdict));
  verdict.path = "/backups/mongo-20261205.tar.gz";
  decoded = RememberedVerdict::decode(verdict.encode());
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(decoded->same_file(verdict));
  EXPECT_EQ(decoded->verdict.state, State::Corrupt);
  EXPECT_EQ(decoded->verdict.reason, "gzip: bad\tthing");
  for (const char* bad :
       {"", "v1", "v2\t1\t2\t3\tp\tr", "v1\t9\t2\t3\tp\tr", "v1\t1\tx\t3\tp\tr"}) {
    EXPECT_FALSE(RememberedVerdict::decode(bad)) << bad;
  }
}

}  // namespace
}  // namespace watchdog::probes::backup
