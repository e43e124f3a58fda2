#pragma once
// Extracts a `files` backup (a tar stream of tar_writer.h) into a directory — safely, whatever
// the archive holds:
//  - member paths go through tar::safe_member_path: no absolute paths, no "..";
//  - every directory on the way is opened with O_NOFOLLOW relative to the one before (openat),
//    so nothing is ever written through a symlink, whether the archive made it or not;
//  - files are created with O_EXCL | O_NOFOLLOW: an entry never overwrites or follows another;
//  - only files, directories and symlinks are created; symlinks are restored as links (their
//    targets are not checked: they are never followed while extracting).
// Permission bits (setuid/setgid dropped) and mtimes (seconds) are restored — directories' last,
// deepest first, so a read-only directory is filled before it becomes read-only. Owners are not
// (the files belong to the user running the restore).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace watchdog::actions {

struct ExtractedTree {
  std::uint64_t entries = 0;
  std::uint64_t files = 0;
  std::uint64_t file_bytes = 0;
  std::string error;  // "" = the whole archive was extracted
};

// `root` must be an existing directory (an empty temp directory: see files_driver.h).
ExtractedTree extract_tree(const std::filesystem::path& archive, const std::filesystem::path& root,
                           std::chrono::steady_clock::time_point deadline);

}  // namespace watchdog::actions
