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
// The trap: anything written into an old dump directory later (a verify job's marker, a log)
// makes it the newest backup again; write such files beside the dumps, not inside them.
// The walk checks the deadline between entries; one blocking stat() on a dead mount cannot be
// interrupted (the worker's guard covers it).

#include <chrono>
#include <cstddef>
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
  bool symlink = false;  // a symlink to a file (followed: its target's size and mtime)
};

struct EntryListing {
  std::vector<BackupEntry> entries;  // oldest first (by mtime, then name)
  // Every matching name that is a symlink, whatever it leads to (dangling, a directory, a file
  // — the last also in `entries`, with `symlink` set), in listing order.
  std::vector<std::string> symlinks;
  std::size_t unwalked = 0;  // matching directories beyond the walk limit (not in `entries`)
  // Set when the listing failed: NotFound (no directory), Timeout, Error.
  FailureKind failure = FailureKind::None;
  std::string error;
};

// Entries of `directory` whose names match `pattern` (fnmatch with FNM_PERIOD: "*" skips
// hidden names, so in-progress uploads like .x.tmp are ignored) and are of `kinds`. Of the
// matching directories only the newest `walk_limit` by their OWN mtime (set when an entry
// directly in them is added or removed: about when the dump started) are walked and listed;
// the others are counted in `unwalked`.
EntryListing list_backup_entries(const std::filesystem::path& directory, const std::string& pattern,
                                 EntryKinds kinds, std::chrono::steady_clock::time_point deadline,
                                 std::size_t walk_limit = SIZE_MAX);

std::chrono::system_clock::time_point to_system_time(const struct timespec& ts);

// Adds the regular files under `root` (no symlink followed) to `entry`'s size and time.
// Anything removed while the walk runs (a prune from cron) is skipped; `root` itself gone →
// Vanished (the caller drops the entry). Failed sets `error` ("cannot walk PATH: …").
enum class WalkOutcome { Done, Vanished, Timeout, Failed };
WalkOutcome walk_dump_directory(const std::filesystem::path& root, BackupEntry& entry,
                                std::chrono::steady_clock::time_point deadline, std::string& error);

}  // namespace watchdog::probes::backup
