#pragma once
// The backups a `backup_age` probe watches: the entries of one directory whose names match a
// glob, as files, as directories (one dump directory per run: mongodump's
// /backups/mongo/2026-12-05/), or both (issue #17).
//
// A file is itself: its mtime, its size; symlinks to files count (followed, as before).
// A directory is the tree under it, walked without following symlinks: its size is the total
// of the regular files in it, its time the newest mtime of itself and of those files — the
// moment the dump last wrote, so a directory still being filled looks fresh, as a file being
// written does. Symlinks to directories are not entries (nothing is walked outside `directory`).
// The walk checks the deadline between entries; one blocking stat() on a dead mount cannot be
// interrupted (the worker's guard covers it).

#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/clients/failure_kind.h"

namespace watchdog::probes::backup {

enum class EntryKinds { Files, Directories, Any };
std::optional<EntryKinds> entry_kinds_from_string(std::string_view text);  // files|directories|any
std::string_view entry_noun(EntryKinds kinds, bool plural);  // "file", "directories", "entry"

struct BackupEntry {
  std::string name;
  std::chrono::system_clock::time_point mtime;  // see above for directories
  std::uint64_t size = 0;
  bool directory = false;
};

struct EntryListing {
  std::vector<BackupEntry> entries;  // oldest first (by mtime, then name)
  // Set when the listing failed: NotFound (no directory), Timeout, Error.
  FailureKind failure = FailureKind::None;
  std::string error;
};

// Entries of `directory` whose names match `pattern` (fnmatch with FNM_PERIOD: "*" skips
// hidden names, so in-progress uploads like .x.tmp are ignored) and are of `kinds`.
EntryListing list_backup_entries(const std::filesystem::path& directory, const std::string& pattern,
                                 EntryKinds kinds, std::chrono::steady_clock::time_point deadline);

std::chrono::system_clock::time_point to_system_time(const struct timespec& ts);

}  // namespace watchdog::probes::backup
