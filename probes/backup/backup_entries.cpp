#include "probes/backup/backup_entries.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <system_error>

namespace watchdog::probes::backup {
namespace {

namespace fs = std::filesystem;
using SteadyTime = std::chrono::steady_clock::time_point;

bool past(SteadyTime deadline) { return std::chrono::steady_clock::now() > deadline; }

// Adds the regular files under `entry.name` (no symlinks followed) to its size and time.
// false at the deadline; `error` on a listing error.
bool walk_tree(const fs::path& root, BackupEntry& entry, SteadyTime deadline,
               std::error_code& error) {
  fs::recursive_directory_iterator it(root, fs::directory_options::none, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (past(deadline)) return false;
    struct stat st {};
    // Entries that vanish mid-walk (a dump being pruned) are skipped.
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    entry.size += static_cast<std::uint64_t>(st.st_size);
    entry.mtime = std::max(entry.mtime, to_system_time(st.st_mtim));
  }
  return true;
}

EntryListing failed(FailureKind kind, std::string error) {
  EntryListing listing;
  listing.failure = kind;
  listing.error = std::move(error);
  return listing;
}

}  // namespace

std::optional<EntryKinds> entry_kinds_from_string(std::string_view text) {
  if (text == "files") return EntryKinds::Files;
  if (text == "directories") return EntryKinds::Directories;
  if (text == "any") return EntryKinds::Any;
  return std::nullopt;
}

std::string_view entry_noun(EntryKinds kinds, bool plural) {
  switch (kinds) {
    case EntryKinds::Files:
      return plural ? "files" : "file";
    case EntryKinds::Directories:
      return plural ? "directories" : "directory";
    case EntryKinds::Any:
      break;
  }
  return plural ? "entries" : "entry";
}

std::chrono::system_clock::time_point to_system_time(const struct timespec& ts) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

EntryListing list_backup_entries(const fs::path& directory, const std::string& pattern,
                                 EntryKinds kinds, SteadyTime deadline) {
  const std::string& dir = directory.native();
  std::error_code error;
  fs::directory_iterator it(directory, error);
  if (error) {
    const bool missing = error == std::errc::no_such_file_or_directory;
    return failed(missing ? FailureKind::NotFound : FailureKind::Error,
                  missing ? "directory " + dir + " does not exist"
                          : "cannot list " + dir + ": " + error.message());
  }
  const bool want_files = kinds != EntryKinds::Directories;
  const bool want_directories = kinds != EntryKinds::Files;
  const auto timeout = [&] {
    return failed(FailureKind::Timeout, "listing " + dir + " took longer than the timeout");
  };
  EntryListing listing;
  for (; it != fs::directory_iterator(); it.increment(error)) {
    if (past(deadline)) return timeout();
    std::string name = it->path().filename().native();
    if (::fnmatch(pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
    struct stat st {};
    // lstat first: a symlink counts only when it leads to a file (never walk out of `dir`).
    if (::lstat(it->path().c_str(), &st) != 0) continue;  // vanished mid-scan (rotation)
    if (S_ISLNK(st.st_mode) && (::stat(it->path().c_str(), &st) != 0 || S_ISDIR(st.st_mode))) {
      continue;
    }
    BackupEntry entry{std::move(name), to_system_time(st.st_mtim), 0, S_ISDIR(st.st_mode) != 0};
    if (S_ISREG(st.st_mode) && want_files) {
      entry.size = static_cast<std::uint64_t>(st.st_size);
    } else if (entry.directory && want_directories) {
      std::error_code walk_error;
      if (!walk_tree(it->path(), entry, deadline, walk_error)) return timeout();
      if (walk_error) {
        return failed(FailureKind::Error,
                      "cannot walk " + it->path().native() + ": " + walk_error.message());
      }
    } else {
      continue;
    }
    listing.entries.push_back(std::move(entry));
  }
  if (error) return failed(FailureKind::Error, "cannot list " + dir + ": " + error.message());
  std::sort(listing.entries.begin(), listing.entries.end(),
            [](const BackupEntry& a, const BackupEntry& b) {
              return a.mtime != b.mtime ? a.mtime < b.mtime : a.name < b.name;
            });
  return listing;
}

}  // namespace watchdog::probes::backup
