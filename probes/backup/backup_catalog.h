#pragma once
// The on-disk catalog of a backup directory, shared by the `backup` probe (reads it), the backup
// engine and the CLI (write it). Plain files, so an operator can read them and a crash leaves
// nothing half-written (temp file + fsync + rename + fsync of the directory):
//
//   DIR/main_20261122T031500Z.dump      the data: pg_dump -Fc output (".dumpdir/" for -Fd); other
//                                       kinds their own extension (".sql", ".tar", …)
//   DIR/main_20261122T031500Z.json      its metadata (BackupMetadata below)
//   DIR/main.status.json                last backup attempt, last drill, verify failure count
//   DIR/.main_….dump.partial            a backup in progress (hidden; removed on failure)
//   DIR/main_safety_20261205T101500Z.dump/.json   a safety dump: what a database held right
//                                       before a destructive restore replaced it (see
//                                       actions/backup/safety_dump.h)
//
// Names sort by time: TARGET_YYYYmmddTHHMMSSZ (UTC, the backup's start). Target names never
// contain '_', so several targets may share a directory. Nothing here holds a password or DSN.
// Safety dumps are named TARGET_safety_TIME and their metadata says "kind":
// "watchdog-safety-dump": list_backups() never returns them, so they are never "latest" for a
// restore or drill and never count for the RPO, the backup probe, min_redundancy or retention.
// Thread-safety: free functions; status updates are serialised across processes by flock().

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/time_text.h"

namespace watchdog::probes::backup {

using SystemTime = std::chrono::system_clock::time_point;

struct Verification {
  SystemTime at{};
  bool ok = false;
  std::string error;  // "checksum mismatch", "file is 10 bytes, metadata says 20 (truncated)"
};

// Why a safety dump exists (set only for safety dumps).
struct SafetyInfo {
  std::string incident;   // the incident whose restore took it ("" when unknown)
  std::string reason;     // that incident's one-line cause
  bool salvaged = false;  // dumped with zero_damaged_pages=on: rows on damaged pages are lost
};

// One entry of a `files` backup's tree (kind: files): what a restore must bring back.
struct ListedEntry {
  enum class Type { File, Directory, Symlink };
  std::string path;  // relative to the source, '/'-separated; "" = the source directory itself
  Type type = Type::File;
  std::uint64_t size = 0;  // files
  std::string sha256;      // files: hex
  std::string link;        // symlinks: the link's target, as written
  bool operator==(const ListedEntry&) const = default;
};

struct BackupMetadata {
  std::string name;    // "main_20261122T031500Z" (also the metadata file's stem)
  std::string target;  // "main"
  std::string file;    // "main_20261122T031500Z.dump", relative to the directory
  std::string format;  // postgres "custom" | "directory"; the other kinds' driver names its own
  std::string database;
  std::string server_version;
  std::string owner;  // the database's owner role at backup time ("" in older metadata)
  SystemTime started{}, finished{};
  std::uint64_t size_bytes = 0;
  std::string sha256;  // hex; `directory` format: of the manifest (sorted "sha256  file" lines)
  std::map<std::string, std::string> files;        // `directory` format: file → sha256
  std::vector<ListedEntry> listing;                // kind files: the tree, in archive order
  std::map<std::string, std::int64_t> row_counts;  // "schema.table" → rows
  bool row_counts_exact = true;                    // false: pg_class.reltuples estimates
  std::string watchdog_version;
  std::optional<Verification> verification;  // the last re-read of the file, if any
  std::optional<SafetyInfo> safety;          // set: a safety dump, never a backup

  // Passed its last verification (a backup is verified once after it was written).
  bool verified() const { return verification && verification->ok; }
  bool verify_failed() const { return verification && !verification->ok; }
};

struct Attempt {
  SystemTime at{};
  bool ok = false;
  std::string backup;  // the backup's name when ok
  std::string error;   // one safe line when not ok
};

struct Drill {
  SystemTime at{};
  bool ok = false;
  std::string backup;
  std::string detail;  // "12 tables, row counts match in 3.1 s" or the failure
  std::optional<double> seconds;  // how long it ran (absent in files written before it was kept)
};

// DIR/TARGET.status.json. Fields added later are optional: an older file reads as before, and
// the *_failure times fall back to last_attempt / last_drill when those failed.
struct TargetStatus {
  std::optional<Attempt> last_attempt;
  std::optional<SystemTime> last_failure;  // the last failed backup attempt, kept after successes
  std::optional<Drill> last_drill;
  std::optional<SystemTime> last_drill_success;
  std::optional<SystemTime> last_drill_failure;  // kept after successful drills
  std::uint64_t verify_failures = 0;  // ever, by any verifier (exported as a counter)
};

// "20261122T031500Z" (UTC, seconds: config::format_utc_stamp) and back; nullopt for anything
// else.
std::string format_backup_time(SystemTime time);
std::optional<SystemTime> parse_backup_time(const std::string& text);
// "2026-11-22T03:15:00Z" for humans and JSON: config::format_rfc3339, by its older name.
inline std::string format_iso_time(SystemTime time) { return config::format_rfc3339(time); }

// TARGET_TIME (TARGET_safety_TIME) and the data file's name for `format`.
std::string backup_name(const std::string& target, SystemTime started);
std::string safety_dump_name(const std::string& target, SystemTime started);
std::string backup_file(const std::string& name, const std::string& format);

// Every backup of `target` with readable metadata, oldest first (by name = start time).
// A missing directory → empty with `error` set; unreadable metadata files are skipped and
// listed in `unreadable` (when given).
std::vector<BackupMetadata> list_backups(const std::filesystem::path& directory,
                                         const std::string& target, std::string& error,
                                         std::vector<std::string>* unreadable = nullptr);
// Every safety dump of `target` with readable metadata, oldest first. Kept apart from
// list_backups() on purpose: nothing that picks, counts or prunes backups may see them.
std::vector<BackupMetadata> list_safety_dumps(const std::filesystem::path& directory,
                                              const std::string& target);
// Data files of `target` without a metadata file (a crash between rename and metadata, or
// metadata deleted by hand).
std::vector<std::string> orphan_files(const std::filesystem::path& directory,
                                      const std::string& target);

std::optional<BackupMetadata> read_metadata(const std::filesystem::path& file, std::string& error);
// Atomic write of DIR/NAME.json. False with `error` on failure.
bool write_metadata(const std::filesystem::path& directory, const BackupMetadata& metadata,
                    std::string& error);

// Incremental SHA-256 (OpenSSL EVP; SHA-NI where the CPU has it).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t size);
  std::string hex();  // finishes; call once

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// SHA-256 of a whole file (hex) and its size; nullopt with `error` on an I/O error.
std::optional<std::string> sha256_file(const std::filesystem::path& file, std::uint64_t& size,
                                       std::string& error);
// For the `directory` format: file → sha256 of every regular file, the manifest digest and the
// total size. Nullopt with `error` on an I/O error.
struct DirectoryDigest {
  std::map<std::string, std::string> files;
  std::string sha256;
  std::uint64_t size_bytes = 0;
};
std::optional<DirectoryDigest> digest_directory(const std::filesystem::path& directory,
                                                std::string& error);

// Recomputes the checksum of the backup's data and compares size and digest with the metadata.
// ok=false with the reason: missing file, truncated/grown file, checksum mismatch.
Verification verify_backup(const std::filesystem::path& directory, const BackupMetadata& metadata);
// Cheap check for probes (no hashing): the data exists and has the recorded size.
std::optional<std::string> quick_check(const std::filesystem::path& directory,
                                       const BackupMetadata& metadata);

// DIR/TARGET.status.json; a missing file is an empty status.
TargetStatus read_status(const std::filesystem::path& directory, const std::string& target);
// Read-modify-write under an exclusive flock (DIR/.TARGET.status.lock). False with `error`.
bool update_status(const std::filesystem::path& directory, const std::string& target,
                   const std::function<void(TargetStatus&)>& change, std::string& error);

// Writes `content` to `path` atomically: temp file in the same directory, fsync, rename, fsync
// of the directory.
bool write_file_atomically(const std::filesystem::path& path, const std::string& content,
                           std::string& error);
// fsync() of a directory (after a rename or unlink in it).
bool fsync_directory(const std::filesystem::path& directory, std::string& error);

}  // namespace watchdog::probes::backup
