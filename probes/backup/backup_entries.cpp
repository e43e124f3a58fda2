#include "probes/backup/backup_entries.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <system_error>

#include "probes/backup/deadline.h"

namespace watchdog::probes::backup {
namespace {

namespace fs = std::filesystem;
using SteadyTime = std::chrono::steady_clock::time_point;

bool vanished(const std::error_code& error) {
  return error == std::errc::no_such_file_or_directory;
}

}  // namespace

WalkOutcome walk_dump_directory(const fs::path& root, BackupEntry& entry, SteadyTime deadline,
                                std::string& error) {
  // One level at a time (not recursive_directory_iterator, which ends the whole walk at the
  // first error): a subdirectory removed while the walk runs (a prune from cron) is skipped.
  std::vector<fs::path> pending{root};
  while (!pending.empty()) {
    const fs::path current = std::move(pending.back());
    pending.pop_back();
    std::error_code code;
    fs::directory_iterator it(current, code);
    for (; !code && it != fs::directory_iterator(); it.increment(code)) {
      if (past(deadline)) return WalkOutcome::Timeout;
      struct stat st {};
      if (::lstat(it->path().c_str(), &st) != 0) continue;  // vanished (no symlink followed)
      if (S_ISDIR(st.st_mode)) {
        pending.push_back(it->path());
      } else if (S_ISREG(st.st_mode)) {
        entry.size += static_cast<std::uint64_t>(st.st_size);
        entry.mtime = std::max(entry.mtime, to_system_time(st.st_mtim));
      }
    }
    if (vanished(code)) {
      if (current == root) return WalkOutcome::Vanished;
      continue;
    }
    if (code) {
      error = "cannot walk " + current.native() + ": " + code.message();
      return WalkOutcome::Failed;
    }
  }
  return WalkOutcome::Done;
}

namespace {

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
                                 EntryKinds kinds, SteadyTime deadline, std::size_t walk_limit) {
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
  EntryListing listing;
  std::vector<BackupEntry> directories;  // to walk, dated by their own mtime for now
  for (; it != fs::directory_iterator(); it.increment(error)) {
    if (past(deadline)) {
      return failed(FailureKind::Timeout, "listing " + dir + " took longer than the timeout");
    }
    std::string name = it->path().filename().native();
    if (::fnmatch(pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
    struct stat st {};
    // lstat first: a symlink counts only when it leads to a file (never walk out of `dir`).
    if (::lstat(it->path().c_str(), &st) != 0) continue;  // vanished mid-scan (rotation)
    const bool symlink = S_ISLNK(st.st_mode);
    if (symlink) {
      listing.symlinks.push_back(name);
      if (::stat(it->path().c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
    }
    BackupEntry entry{std::move(name), to_system_time(st.st_mtim), 0, S_ISDIR(st.st_mode) != 0,
                      symlink};
    if (S_ISREG(st.st_mode) && want_files) {
      entry.size = static_cast<std::uint64_t>(st.st_size);
      listing.entries.push_back(std::move(entry));
    } else if (entry.directory && want_directories) {
      directories.push_back(std::move(entry));
    }
  }
  if (error) return failed(FailureKind::Error, "cannot list " + dir + ": " + error.message());

  // Only the newest `walk_limit` directories by their own mtime are walked: the rest are old
  // runs nobody judges, and walking every one would stat every file of every dump each check.
  std::sort(directories.begin(), directories.end(),
            [](const BackupEntry& a, const BackupEntry& b) { return a.mtime > b.mtime; });
  if (directories.size() > walk_limit) {
    listing.unwalked = directories.size() - walk_limit;
    directories.resize(walk_limit);
  }
  for (auto& entry : directories) {
    const fs::path path = directory / entry.name;
    std::string walk_error;
    switch (walk_dump_directory(path, entry, deadline, walk_error)) {
      case WalkOutcome::Done:
        listing.entries.push_back(std::move(entry));
        break;
      case WalkOutcome::Vanished:  // pruned while listed
        break;
      case WalkOutcome::Timeout:
        return failed(FailureKind::Timeout, "walking the dump directory " + path.native() +
                                                " took longer than the timeout");
      case WalkOutcome::Failed:
        return failed(FailureKind::Error, walk_error);
    }
  }
  std::sort(listing.entries.begin(), listing.entries.end(),
            [](const BackupEntry& a, const BackupEntry& b) {
              return a.mtime != b.mtime ? a.mtime < b.mtime : a.name < b.name;
            });
  return listing;
}

}  // namespace watchdog::probes::backup
