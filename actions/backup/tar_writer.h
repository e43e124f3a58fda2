#pragma once
// Writes a directory tree as a tar stream (tar_format.h) and lists it, for `files` backups.
//
// The walk (sorted by name, so two backups of the same tree are the same bytes):
//  - regular files, directories and symlinks (as links, never followed); sockets, FIFOs and
//    devices are skipped; hard links are stored as separate files (restored as copies).
//    Excluded paths (tar::excluded) and `skip` directories (the backup directory itself when it
//    lies under the source) are left out, with all they hold.
//  - A file or directory that vanishes between the directory listing and its open is skipped:
//    it was gone before its turn came, as if deleted just before the backup.
//  - A file that changes while it is read (size or mtime differ after reading, or it holds more
//    or fewer bytes than at its open) fails the backup — "models/a.bin changed as we read it" —
//    rather than storing a torn copy; the next scheduled run tries again. Exclude files that are
//    always being written (logs, sockets' neighbours).
//  - Anything else that cannot be read (permission denied) fails the backup: a backup silently
//    missing files is worse than a failed one.
// Every file is hashed on the way (the listing: path, size, SHA-256); the caller hashes the
// whole stream through its sink.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "probes/backup/backup_catalog.h"

namespace watchdog::actions {

// Receives the stream chunk by chunk; returns false to stop (its own write failed).
using TarSink = std::function<bool(const char* data, std::size_t size)>;

struct WrittenTree {
  std::vector<probes::backup::ListedEntry> listing;  // the root ("") first, then archive order
  std::uint64_t files = 0;
  std::uint64_t file_bytes = 0;  // the files' contents, without tar's headers and padding
  bool sink_failed = false;      // the sink returned false (its error is the caller's to say)
  std::string error;             // "" = the whole tree was written
};

WrittenTree write_tree(const std::filesystem::path& source, const std::vector<std::string>& exclude,
                       const std::vector<std::filesystem::path>& skip, const TarSink& sink,
                       std::chrono::steady_clock::time_point deadline);

}  // namespace watchdog::actions
