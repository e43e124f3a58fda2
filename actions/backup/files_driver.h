#pragma once
// kind: files — a directory tree (model artifacts, configuration, uploads) (backup_driver.h).
// Keys: `source` (absolute directory), `exclude` (globs, tar::excluded in tar_format.h).
// The backup directory counts as inside `source` as the file system sees it (symlinks and bind
// mounts resolved, compared by device and inode): a `replace` restore of such a source is refused.
//  dump     the tree under `source` as a ustar/pax tar stream written by our own code
//           (tar_writer.h: what is kept, skipped or fails the backup), hashed whole (sha256)
//           and file by file: the metadata's `listing` (path, size, SHA-256; directories and
//           symlinks too). NAME.tar; format "tar". The backup directory is never part of it,
//           even when it lies under `source`.
//  restore  into `--into DIR` (restore_latest `into`), or `source` when none is given. A
//           destination that holds anything is refused unless `replace` (--yes). The archive is
//           extracted by our own reader (tar_reader.h: no absolute paths, no "..", never
//           through a symlink) into a temp dir beside the destination (refused first when its
//           file system has less free space than the listing's files + 10 %; every file and
//           directory fsynced), then swapped in by
//           rename, so a failed restore never leaves a half-written tree; a replaced tree is
//           kept as DIR.before-restore-YYYYmmddTHHMMSSZ (the safety copy: delete it by hand
//           once the restore is judged good). Modes and mtimes are restored, owners are not.
//  drill    the newest good backup restored into a temp dir under $TMPDIR (or /tmp) and every
//           file's size and SHA-256 compared with the listing: "412 files, 1.3 GiB, listing
//           matches"; the temp dir is removed after.

#include "actions/backup/backup_driver.h"

namespace watchdog::actions {

class FilesDriver final : public BackupDriver {
 public:
  explicit FilesDriver(const config::BackupTargetSpec& target) : target_(target) {}

  std::string format() const override { return "tar"; }
  std::string file_name(const std::string& name) const override { return name + ".tar"; }
  DumpResult dump(const DumpJob& job, probes::backup::BackupMetadata& meta) override;
  void restore(const probes::backup::BackupMetadata& backup, const RestoreRequest& request,
               std::chrono::steady_clock::time_point deadline, RestoreOutcome& outcome) override;
  DrillOutcome drill(std::chrono::milliseconds timeout) override;
  std::string restore_tool() const override { return "the built-in tar reader"; }

 private:
  const config::BackupTargetSpec& target_;
};

// "" when `restored` is the tree `expected` lists, else the first difference:
// "models/a.bin: 10 bytes (sha256 3f2a…), backup had 12 bytes (sha256 9c1d…)".
std::string compare_listing(const std::vector<probes::backup::ListedEntry>& expected,
                            const std::vector<probes::backup::ListedEntry>& restored);

// "412 files, 1.3 GiB" of a listing.
std::string describe_listing(const std::vector<probes::backup::ListedEntry>& listing);

// "" when `available` bytes hold the listing's files with a 10 % margin, else why not:
// "not enough space in /srv for 1.0 GiB (+10 %): 512 MiB free".
std::string space_shortfall(const std::vector<probes::backup::ListedEntry>& listing,
                            std::uint64_t available, const std::string& where);

// Removes a tree that may hold read-only directories (a restored one): they are made writable
// first. Symlinks are removed, never followed.
void remove_tree(const std::filesystem::path& root);

}  // namespace watchdog::actions
