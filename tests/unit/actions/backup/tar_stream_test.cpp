// The `files` backup's tar stream: our writer and reader round trip a tree (long names through
// pax headers, symlinks as links, empty and read-only directories, modes, mtimes, excluded
// paths) that GNU tar also reads; the reader refuses hostile archives (`../x`, absolute paths,
// a file written through a symlink the archive made, truncation); listings compare.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "actions/backup/files_driver.h"
#include "actions/backup/tar_format.h"
#include "actions/backup/tar_reader.h"
#include "actions/backup/tar_writer.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace watchdog::actions {
namespace {

namespace fs = std::filesystem;
namespace bk = probes::backup;
using Type = bk::ListedEntry::Type;
const auto kNoDeadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);

std::string write_to_string(const fs::path& source, const std::vector<std::string>& exclude,
                            WrittenTree& tree) {
  std::string archive;
  tree = write_tree(
      source, exclude, {},
      [&](const char* data, std::size_t size) {
        archive.append(data, size);
        return true;
      },
      kNoDeadline);
  return archive;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(TarFormat, SafeMemberPaths) {
  const std::vector<std::pair<std::string, std::optional<std::string>>> cases = {
      {"a/b.txt", "a/b.txt"},
      {"./a/./b/", "a/b"},
      {"./", ""},
      {".", ""},
      {"../x", std::nullopt},
      {"a/../../x", std::nullopt},
      {"/etc/passwd", std::nullopt},
      {"a//b", std::nullopt},
      {"", std::nullopt},
      {"a/..", std::nullopt},
      {"..", std::nullopt},
  };
  for (const auto& [name, expected] : cases) {
    EXPECT_EQ(tar::safe_member_path(name), expected) << name;
  }
}

TEST(TarFormat, ExcludePatterns) {
  const std::vector<std::string> patterns = {"*.tmp", "cache", "logs/*.gz"};
  const std::vector<std::pair<std::string, bool>> cases = {
      {"a.tmp", true},         {"deep/er/x.tmp", true}, {"cache", true},
      {"x/cache", true},       {"cached", false},       {"logs/a.gz", true},
      {"logs/old/b.gz", true}, {"a/logs/c.gz", false},  {"model.bin", false},
      {"tmp", false},
  };
  for (const auto& [path, expected] : cases)
    EXPECT_EQ(tar::excluded(path, patterns), expected) << path;
}

TEST(TarFormat, PaxCarriesLongNamesAndDecodingChecksTheChecksum) {
  const std::string long_path = std::string(120, 'd') + "/" + std::string(150, 'f');
  const tar::Entry entry{long_path, tar::Entry::Type::File, 0640, 5, 1700000000, ""};
  std::string bytes = tar::encode_header(entry);
  ASSERT_EQ(bytes.size() % tar::kBlock, 0u);
  ASSERT_GT(bytes.size(), tar::kBlock);  // a pax header in front
  std::string error;
  auto pax = tar::decode_header(bytes.data(), error);
  ASSERT_TRUE(pax) << error;
  EXPECT_EQ(pax->type, 'x');
  auto header = tar::decode_header(bytes.data() + bytes.size() - tar::kBlock, error);
  ASSERT_TRUE(header) << error;
  ASSERT_TRUE(tar::apply_pax(bytes.substr(tar::kBlock, pax->size), *header, error)) << error;
  auto decoded = tar::to_entry(*header, error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(decoded->path, long_path);
  EXPECT_EQ(decoded->mode, 0640u);
  EXPECT_EQ(decoded->size, 5u);
  EXPECT_EQ(decoded->mtime, 1700000000);

  bytes[bytes.size() - 1] = 'x';  // inside the last block's padding: the checksum covers it
  EXPECT_FALSE(tar::decode_header(bytes.data() + bytes.size() - tar::kBlock, error));
  EXPECT_EQ(error, "damaged tar header (checksum mismatch)");
}

TEST(TarFormat, PaxRefusesAnAbsurdMtime) {
  const struct {
    std::string record;  // "key=value"
    std::string error;   // "" = accepted
  } cases[] = {
      {"mtime=253402300799.5", ""},
      {"mtime=253402300800", "pax mtime 253402300800 of x is out of range"},
      {"mtime=99999999999999999999", "malformed pax mtime"},
      {"mtime=9999999999999999999", "pax mtime 9999999999999999999 of x is out of range"},
  };
  for (const auto& c : cases) {
    // "LEN key=value\n" where LEN counts itself.
    std::string line = " " + c.record + "\n";
    line = std::to_string(line.size() + 2) + line;
    tar::RawHeader header;
    header.name = "x";
    std::string error;
    EXPECT_EQ(tar::apply_pax(line, header, error), c.error.empty()) << c.record;
    EXPECT_EQ(error, c.error) << c.record;
  }
}

TEST(TarStream, RoundTripsATreeThatGnuTarReadsToo) {
  testing::TempDir dir;
  const fs::path source = dir / "source";
  const std::string long_dir = "models/" + std::string(90, 'm');
  const std::string long_file = long_dir + "/" + std::string(140, 'w') + ".bin";
  fs::create_directories(source / long_dir);
  fs::create_directories(source / "empty");
  fs::create_directories(source / "cache" / "deep");
  fs::create_directories(source / "readonly");
  dir.write("source/" + long_file, std::string(70000, 'x') + "end");
  dir.write("source/config.yaml", "port: 8080\n");
  dir.write("source/scratch.tmp", "excluded");
  dir.write("source/cache/deep/blob", "excluded too");
  dir.write("source/readonly/inside", "kept");
  fs::create_symlink("config.yaml", source / "current");
  fs::create_symlink("/nonexistent/target", source / "dangling");
  ::chmod((source / "config.yaml").c_str(), 0600);
  ::chmod((source / "readonly").c_str(), 0555);
  const timespec old_time[2] = {{1600000000, 0}, {1600000000, 0}};
  ::utimensat(AT_FDCWD, (source / "config.yaml").c_str(), old_time, 0);

  WrittenTree tree;
  const std::string archive = write_to_string(source, {"*.tmp", "cache"}, tree);
  ASSERT_TRUE(tree.error.empty()) << tree.error;
  EXPECT_EQ(tree.files, 3u);
  EXPECT_EQ(tree.file_bytes, 70003u + 11u + 4u);
  const fs::path tar_file = dir.write("backup.tar", archive);

  const auto listed = testing::run_command({"/usr/bin/tar", "-tf", tar_file.string()}, {});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(long_file + "\n"), std::string::npos) << listed.out;
  EXPECT_EQ(listed.out.find("scratch.tmp"), std::string::npos);
  EXPECT_EQ(listed.out.find("cache"), std::string::npos);

  const fs::path restored = dir / "restored";
  fs::create_directories(restored);
  const auto extracted = extract_tree(tar_file, restored, kNoDeadline);
  ASSERT_TRUE(extracted.error.empty()) << extracted.error;
  EXPECT_EQ(extracted.files, 3u);
  EXPECT_EQ(read_file(restored / long_file), std::string(70000, 'x') + "end");
  EXPECT_TRUE(fs::is_symlink(restored / "current"));
  EXPECT_EQ(fs::read_symlink(restored / "current"), "config.yaml");
  EXPECT_EQ(fs::read_symlink(restored / "dangling"), "/nonexistent/target");
  EXPECT_TRUE(fs::is_directory(restored / "empty"));
  EXPECT_FALSE(fs::exists(restored / "scratch.tmp"));
  EXPECT_FALSE(fs::exists(restored / "cache"));
  struct stat st {};
  ASSERT_EQ(::stat((restored / "config.yaml").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1600000000);
  ASSERT_EQ(::stat((restored / "readonly").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0555u);
  EXPECT_EQ(read_file(restored / "readonly" / "inside"), "kept");

  WrittenTree again;
  write_to_string(restored, {}, again);
  EXPECT_EQ(compare_listing(tree.listing, again.listing), "");
  ::chmod((source / "readonly").c_str(), 0755);
  remove_tree(restored);
  EXPECT_FALSE(fs::exists(restored));
}

// Hostile archives, hand-made from headers: nothing lands outside the destination.
TEST(TarStream, RefusesPathsOutsideAndWritingThroughSymlinks) {
  testing::TempDir dir;
  const fs::path outside = dir / "outside";
  fs::create_directories(outside);
  auto file_entry = [](const std::string& path, const std::string& content) {
    return tar::encode_header({path, tar::Entry::Type::File, 0644, content.size(), 0, ""}) +
           content + std::string(tar::padding(content.size()), '\0');
  };
  const std::string link =
      tar::encode_header({"evil", tar::Entry::Type::Symlink, 0777, 0, 0, outside.string()});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {file_entry("../x", "up") + tar::end_of_archive(), "unsafe path in the archive: ../x"},
      {file_entry((outside / "abs").string(), "abs") + tar::end_of_archive(),
       "unsafe path in the archive: " + (outside / "abs").string()},
      {link + file_entry("evil/pwn", "through") + tar::end_of_archive(),
       "refusing to write through evil: not a directory (a symlink or file)"},
      {file_entry("a", "one") + file_entry("a", "two") + tar::end_of_archive(),
       "cannot create a: File exists"},
      {file_entry("cut", "truncated content").substr(0, 600), "the archive ends early (truncated)"},
  };
  int n = 0;
  for (const auto& [archive, error] : cases) {
    const fs::path into = dir / ("into" + std::to_string(n++));
    fs::create_directories(into);
    const auto extracted = extract_tree(dir.write("hostile.tar", archive), into, kNoDeadline);
    EXPECT_EQ(extracted.error, error);
  }
  EXPECT_TRUE(fs::is_empty(outside));
  EXPECT_FALSE(fs::exists(dir / "x"));
}

TEST(FilesListing, ComparesEveryEntry) {
  const std::vector<bk::ListedEntry> backup = {{"", Type::Directory, 0, "", ""},
                                               {"a.bin", Type::File, 12, std::string(64, 'a'), ""},
                                               {"link", Type::Symlink, 0, "", "a.bin"}};
  auto changed = backup;
  changed[1].size = 10;
  changed[1].sha256 = std::string(64, 'b');
  auto relinked = backup;
  relinked[2].link = "other";
  auto shorter = backup;
  shorter.pop_back();
  auto longer = backup;
  longer.push_back({"zz", Type::Directory, 0, "", ""});
  EXPECT_EQ(compare_listing(backup, backup), "");
  EXPECT_EQ(compare_listing(backup, changed),
            "a.bin: 10 bytes (sha256 bbbbbbbbbbbb…), backup had 12 bytes (sha256 aaaaaaaaaaaa…)");
  EXPECT_EQ(compare_listing(backup, relinked),
            "link: a symlink to other, backup had a symlink to a.bin");
  EXPECT_EQ(compare_listing(backup, shorter), "link is missing after the restore");
  EXPECT_EQ(compare_listing(backup, longer), "zz is not in the backup's listing");
  EXPECT_EQ(describe_listing(backup), "1 file, 12 B");
}

}  // namespace
}  // namespace watchdog::actions
