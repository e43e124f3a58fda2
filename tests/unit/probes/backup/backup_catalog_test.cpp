// The backup catalog: SHA-256 (EVP), metadata round trip, verification of custom and directory
// dumps against their metadata (corrupt byte, truncation, missing file), listing, status file.
#include "probes/backup/backup_catalog.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace watchdog::probes::backup {
namespace {

namespace fs = std::filesystem;

class CatalogTest : public ::testing::Test {
 protected:
  // A custom-format "dump" with metadata, as the engine writes it.
  BackupMetadata make(const std::string& time, const std::string& content,
                      const std::string& target = "main") {
    BackupMetadata m;
    m.target = target;
    m.name = target + "_" + time;
    m.file = backup_file(m.name, "custom");
    m.format = "custom";
    m.database = "shop";
    m.started = *parse_backup_time(time);
    m.finished = m.started + std::chrono::seconds(3);
    dir.write(m.file, content);
    std::uint64_t size = 0;
    std::string error;
    m.sha256 = *sha256_file(dir / m.file, size, error);
    m.size_bytes = size;
    m.row_counts = {{"public.orders", 42}, {"public.users", 7}};
    EXPECT_TRUE(write_metadata(dir.path(), m, error)) << error;
    return m;
  }
  testing::TempDir dir;
};

TEST_F(CatalogTest, Sha256MatchesKnownVectors) {
  Sha256 abc;
  abc.update("abc", 3);
  EXPECT_EQ(abc.hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 split;  // chunking does not matter
  split.update("a", 1);
  split.update("bc", 2);
  EXPECT_EQ(split.hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::uint64_t size = 99;
  std::string error;
  EXPECT_EQ(sha256_file(dir.write("empty", ""), size, error),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(size, 0u);
  EXPECT_FALSE(sha256_file(dir / "missing", size, error));
  EXPECT_NE(error.find("cannot open missing"), std::string::npos) << error;
}

TEST_F(CatalogTest, TimesAndNamesSortByTime) {
  const auto t = parse_backup_time("20261122T031500Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_backup_time(*t), "20261122T031500Z");
  EXPECT_EQ(format_iso_time(*t), "2026-11-22T03:15:00Z");
  EXPECT_EQ(backup_name("main", *t), "main_20261122T031500Z");
  EXPECT_EQ(backup_file("main_x", "directory"), "main_x.dumpdir");
  EXPECT_FALSE(parse_backup_time("20261122T0315Z"));
  EXPECT_FALSE(parse_backup_time("20261322T031500Z"));
}

TEST_F(CatalogTest, MetadataRoundTripAndListing) {
  make("20261122T031500Z", "newest");
  auto older = make("20261121T031500Z", "older");
  make("20261122T040000Z", "other target", "other");
  dir.write("main_20261120T000000Z.json", "{not json");
  dir.write("main_20261119T000000Z.dump", "orphan");
  older.verification = Verification{older.finished, true, ""};
  std::string error;
  ASSERT_TRUE(write_metadata(dir.path(), older, error)) << error;

  std::vector<std::string> unreadable;
  const auto backups = list_backups(dir.path(), "main", error, &unreadable);
  EXPECT_TRUE(error.empty()) << error;
  ASSERT_EQ(backups.size(), 2u);
  EXPECT_EQ(backups[0].name, "main_20261121T031500Z");
  EXPECT_EQ(backups[1].name, "main_20261122T031500Z");
  EXPECT_TRUE(backups[0].verified());
  EXPECT_FALSE(backups[1].verification.has_value());
  EXPECT_EQ(backups[0].row_counts.at("public.orders"), 42);
  EXPECT_EQ(backups[0].database, "shop");
  EXPECT_EQ(backups[0].finished, older.finished);
  ASSERT_EQ(unreadable.size(), 1u);
  EXPECT_NE(unreadable[0].find("main_20261120T000000Z.json"), std::string::npos);
  EXPECT_EQ(orphan_files(dir.path(), "main"),
            std::vector<std::string>{"main_20261119T000000Z.dump"});

  list_backups(dir / "nope", "main", error);
  EXPECT_NE(error.find("cannot list"), std::string::npos);
}

TEST_F(CatalogTest, FilesListingRoundTripsAndIsAbsentForOtherKinds) {
  auto files = make("20261122T031500Z", "tar stream");
  using Type = ListedEntry::Type;
  files.listing = {{"", Type::Directory, 0, "", ""},
                   {"models/a.bin", Type::File, 12, std::string(64, 'a'), ""},
                   {"current", Type::Symlink, 0, "", "models/a.bin"}};
  std::string error;
  ASSERT_TRUE(write_metadata(dir.path(), files, error)) << error;
  auto read = read_metadata(dir / "main_20261122T031500Z.json", error);
  ASSERT_TRUE(read) << error;
  EXPECT_EQ(read->listing, files.listing);
  // Older metadata (and every other kind) has no "listing" key at all.
  make("20261121T031500Z", "custom dump");
  std::ifstream in(dir / "main_20261121T031500Z.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("listing"), std::string::npos) << text;
  EXPECT_TRUE(read_metadata(dir / "main_20261121T031500Z.json", error)->listing.empty());
}

TEST_F(CatalogTest, SafetyDumpsAreNeverListedAsBackups) {
  make("20261122T031500Z", "backup");
  BackupMetadata safety = make("20261122T031501Z", "what was there");
  // A safety dump, even one written under a backup's name, is never a backup.
  safety.safety = SafetyInfo{"db-20261122T031400.000Z", "db-postgres: data corruption", true};
  safety.owner = "app";
  std::string error;
  ASSERT_TRUE(write_metadata(dir.path(), safety, error)) << error;
  BackupMetadata named = safety;
  named.name = safety_dump_name("main", named.started);
  named.file = backup_file(named.name, "custom");
  EXPECT_EQ(named.name, "main_safety_20261122T031501Z");
  dir.write(named.file, "what was there");
  ASSERT_TRUE(write_metadata(dir.path(), named, error)) << error;

  const auto backups = list_backups(dir.path(), "main", error);
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_EQ(backups[0].name, "main_20261122T031500Z");
  EXPECT_FALSE(backups[0].safety);

  const auto dumps = list_safety_dumps(dir.path(), "main");
  ASSERT_EQ(dumps.size(), 1u);  // found by their own names only
  const auto& dump = dumps[0];
  EXPECT_EQ(dump.name, "main_safety_20261122T031501Z");
  ASSERT_TRUE(dump.safety);
  EXPECT_EQ(dump.safety->incident, "db-20261122T031400.000Z");
  EXPECT_EQ(dump.safety->reason, "db-postgres: data corruption");
  EXPECT_TRUE(dump.safety->salvaged);
  EXPECT_EQ(dump.owner, "app");
  EXPECT_TRUE(verify_backup(dir.path(), dump).ok);
  EXPECT_TRUE(orphan_files(dir.path(), "main").empty());
  EXPECT_NE(
      testing::read_text(dir / "main_safety_20261122T031501Z.json").find("watchdog-safety-dump"),
      std::string::npos);
}

TEST_F(CatalogTest, VerifyCatchesCorruptionTruncationAndMissingFiles) {
  const auto m = make("20261122T031500Z", std::string(100000, 'x') + "tail");
  EXPECT_TRUE(verify_backup(dir.path(), m).ok);
  EXPECT_FALSE(quick_check(dir.path(), m));

  {  // one byte changed, same size
    std::fstream f(dir / m.file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5000);
    f.put('y');
  }
  auto corrupt = verify_backup(dir.path(), m);
  EXPECT_FALSE(corrupt.ok);
  EXPECT_NE(corrupt.error.find("checksum mismatch"), std::string::npos) << corrupt.error;
  EXPECT_FALSE(quick_check(dir.path(), m)) << "same size: only the hash sees it";

  fs::resize_file(dir / m.file, 1000);
  auto truncated = verify_backup(dir.path(), m);
  EXPECT_FALSE(truncated.ok);
  EXPECT_NE(truncated.error.find("(truncated)"), std::string::npos) << truncated.error;
  EXPECT_TRUE(quick_check(dir.path(), m));

  fs::remove(dir / m.file);
  auto missing = verify_backup(dir.path(), m);
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.error.find("is missing"), std::string::npos) << missing.error;
}

TEST_F(CatalogTest, DirectoryFormatIsVerifiedThroughItsManifest) {
  fs::create_directory(dir / "main_20261122T031500Z.dumpdir");
  dir.write("main_20261122T031500Z.dumpdir/toc.dat", "toc");
  dir.write("main_20261122T031500Z.dumpdir/3001.dat.gz", "data");
  std::string error;
  auto digest = digest_directory(dir / "main_20261122T031500Z.dumpdir", error);
  ASSERT_TRUE(digest) << error;
  EXPECT_EQ(digest->files.size(), 2u);
  EXPECT_EQ(digest->size_bytes, 7u);
  BackupMetadata m;
  m.name = "main_20261122T031500Z";
  m.target = "main";
  m.format = "directory";
  m.file = "main_20261122T031500Z.dumpdir";
  m.sha256 = digest->sha256;
  m.size_bytes = digest->size_bytes;
  m.files = digest->files;
  EXPECT_TRUE(verify_backup(dir.path(), m).ok);
  dir.write("main_20261122T031500Z.dumpdir/3001.dat.gz", "date");
  EXPECT_NE(verify_backup(dir.path(), m).error.find("checksum mismatch"), std::string::npos);
}

TEST_F(CatalogTest, StatusUpdatesAccumulate) {
  EXPECT_FALSE(read_status(dir.path(), "main").last_attempt);
  std::string error;
  const auto at = *parse_backup_time("20261122T031500Z");
  ASSERT_TRUE(update_status(
      dir.path(), "main",
      [&](TargetStatus& s) {
        s.last_attempt = Attempt{at, false, "", "pg_dump exit 1: boom"};
        ++s.verify_failures;
      },
      error))
      << error;
  ASSERT_TRUE(update_status(
      dir.path(), "main", [](TargetStatus& s) { ++s.verify_failures; }, error));
  const auto status = read_status(dir.path(), "main");
  ASSERT_TRUE(status.last_attempt);
  EXPECT_FALSE(status.last_attempt->ok);
  EXPECT_EQ(status.last_attempt->error, "pg_dump exit 1: boom");
  EXPECT_EQ(status.last_attempt->at, at);
  EXPECT_EQ(status.verify_failures, 2u);
  EXPECT_FALSE(read_status(dir.path(), "other").last_attempt);
}

}  // namespace
}  // namespace watchdog::probes::backup
