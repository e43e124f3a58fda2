// Integrity of compressed backups: real gzip and zstd files written here with zlib and libzstd,
// then truncated, bit-flipped or padded — every damage a backup file meets on a full disk or a
// broken copy.
#include "probes/backup/archive_integrity.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

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

TEST(ArchiveIntegrity, ZstdWindowBeyond128MiBIsNotCheckedNotCorrupt) {
  // The frame header `zstd --long=30` writes for a stream of unknown size (the zstd tool
  // refuses it too without --long=30): a 1 GiB window, then one raw block "hello". libzstd
  // decodes up to 128 MiB windows by default; a larger one says nothing about damage.
  const std::string long30("\x28\xb5\x2f\xfd\x00\xa0\x29\x00\x00hello", 14);
  testing::TempDir dir;
  const auto verdict = check_archive(dir.write("big.tar.zst", long30), ArchiveFormat::Zstd,
                                     std::chrono::steady_clock::now() + 30s);
  EXPECT_EQ(verdict.state, State::Unchecked) << verdict.reason;
  EXPECT_EQ(verdict.reason,
            "zstd window too large: needs 1024 MiB, over the 128 MiB this check decodes (zstd "
            "--long)");
  // The same frame with a 1 MiB window (exponent 10) decodes: the header is well formed.
  std::string small = long30;
  small[5] = static_cast<char>(10 << 3);
  EXPECT_EQ(check_archive(dir.write("small.zst", small), ArchiveFormat::Zstd,
                          std::chrono::steady_clock::now() + 30s)
                .state,
            State::Ok);
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

TEST(ArchiveIntegrity, AFileThatChangedWhileReadIsNotJudged) {
  // A writer that paused longer than `settle` and went on: the file is no longer the listed
  // one after the read, so its end proves nothing (here: a half-written gzip, "truncated").
  testing::TempDir dir;
  const std::string gz = gzip_member(payload());
  const auto path = dir.write("a.gz", gz.substr(0, gz.size() / 2));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  const FileVersion listed{static_cast<std::uint64_t>(st.st_size),
                           std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec};
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  EXPECT_EQ(check_archive(path, ArchiveFormat::Gzip, deadline, listed).state, State::Truncated);
  for (const FileVersion other : {FileVersion{listed.size + 1, listed.mtime_ns},
                                  FileVersion{listed.size, listed.mtime_ns - 1}}) {
    const auto verdict = check_archive(path, ArchiveFormat::Gzip, deadline, other);
    EXPECT_EQ(verdict.state, State::Unchecked);
    EXPECT_EQ(verdict.reason, "changed while read");
    EXPECT_FALSE(worth_remembering(verdict, 10s, 10s)) << "read again at the next check";
  }
}

// What is kept until the file changes, and what is tried again at the next check.
TEST(ArchiveIntegrity, OnlyLastingVerdictsAreRemembered) {
  using Retry = ArchiveVerdict::Retry;
  struct Row {
    const char* why;
    ArchiveVerdict verdict;
    std::chrono::milliseconds read_budget;
    bool remembered;
  };
  const std::vector<Row> rows = {
      {"whole", {State::Ok, ""}, 1s, true},
      {"truncated", {State::Truncated, "gzip stream ends early"}, 1s, true},
      {"corrupt", {State::Corrupt, "gzip: bad"}, 1s, true},
      {"over integrity_max_size", {State::Unchecked, "larger than …"}, 1s, true},
      {"an I/O error", {State::Unchecked, "read error: EIO", Retry::NextCheck}, 10s, false},
      {"the read had the whole timeout",
       {State::Unchecked, "", Retry::IfTheReadWasShort},
       10s,
       true},
      {"the read had half of it", {State::Unchecked, "", Retry::IfTheReadWasShort}, 5s, true},
      {"the listing ate the time", {State::Unchecked, "", Retry::IfTheReadWasShort}, 4s, false},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(worth_remembering(row.verdict, row.read_budget, 10s), row.remembered) << row.why;
  }
  // The reader's own verdicts carry the right retry.
  testing::TempDir dir;
  const auto path = dir.write("a.gz", gzip_member(payload()));
  EXPECT_EQ(check_archive(path, ArchiveFormat::Gzip, std::chrono::steady_clock::now() - 1s).retry,
            Retry::IfTheReadWasShort);
  EXPECT_EQ(
      check_archive(dir / "missing.gz", ArchiveFormat::Gzip, std::chrono::steady_clock::now() + 30s)
          .retry,
      Retry::NextCheck);
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
