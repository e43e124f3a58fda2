#include "actions/backup/files_driver.h"

#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "actions/backup/backup_runner.h"
#include "actions/backup/tar_reader.h"
#include "actions/backup/tar_writer.h"
#include "config/text.h"
#include "config/units.h"

namespace watchdog::actions {
namespace {

namespace fs = std::filesystem;
namespace bk = probes::backup;
using Clock = std::chrono::steady_clock;
using Type = bk::ListedEntry::Type;

// "a directory", "a symlink to v2", "12 bytes (sha256 9c1d…)".
std::string describe_entry(const bk::ListedEntry& entry) {
  switch (entry.type) {
    case Type::Directory:
      return "a directory";
    case Type::Symlink:
      return "a symlink to " + entry.link;
    case Type::File:
      break;
  }
  return std::to_string(entry.size) + " bytes (sha256 " + entry.sha256.substr(0, 12) + "…)";
}

// The listing of a restored tree, hashed file by file (the writer's walk, writing nowhere).
WrittenTree list_tree(const fs::path& root, Clock::time_point deadline) {
  return write_tree(
      root, {}, {}, [](const char*, std::size_t) { return true; }, deadline);
}

std::optional<fs::path> make_temp_directory(const fs::path& pattern, std::string& error) {
  std::string text = pattern.string();
  if (::mkdtemp(text.data()) == nullptr) {
    error = "cannot create " + pattern.parent_path().string() + "/…: " + config::errno_text();
    return std::nullopt;
  }
  return fs::path(text);
}

// Whether `inner` is `outer` or lies below it, as the file system sees it: symlinks in `inner`
// resolved, then each of its parents compared by (device, inode) — a bind mount or a second path
// to the same directory matches too.
bool lies_inside(const fs::path& inner, const fs::path& outer) {
  struct stat top {};
  if (::stat(outer.c_str(), &top) != 0) return false;
  std::error_code ec;
  fs::path path = fs::weakly_canonical(fs::absolute(inner, ec), ec);
  if (ec) path = fs::absolute(inner).lexically_normal();
  while (true) {
    struct stat here {};
    if (::stat(path.c_str(), &here) == 0 && here.st_dev == top.st_dev && here.st_ino == top.st_ino) {
      return true;
    }
    if (!path.has_relative_path()) return false;  // the root: nothing above it
    path = path.parent_path();
  }
}

// Where a restore writes: --into, or the source; "" with `error` when it may not.
fs::path destination_of(const config::BackupTargetSpec& target, const RestoreRequest& request,
                        RestoreOutcome& outcome) {
  fs::path into = request.into_name.empty() ? target.files.source : fs::path(request.into_name);
  into = fs::absolute(into).lexically_normal();
  if (!into.has_filename()) into = into.parent_path();
  std::error_code ec;
  const auto status = fs::symlink_status(into, ec);
  if (ec || status.type() == fs::file_type::not_found) return into;
  if (status.type() != fs::file_type::directory) {
    outcome.error = into.string() + " exists and is not a directory";
    return {};
  }
  if (fs::is_empty(into, ec)) return into;
  outcome.refused = true;
  if (!request.replace) {
    outcome.error = "directory " + into.string() +
                    " is not empty; refusing to overwrite it without --yes (replace)";
  } else if (lies_inside(target.directory, into)) {
    // Replacing it would move the backups themselves into the safety copy.
    outcome.error = "the backup directory " + target.directory.string() + " lies inside " +
                    into.string() +
                    ": restore elsewhere (--into) or keep the backups outside the source";
  } else {
    outcome.refused = false;
  }
  return outcome.refused ? fs::path() : into;
}

// INTO.before-restore-TIME, with -1, -2… when that is taken (two restores in one second).
fs::path unused_kept_name(const fs::path& into) {
  const std::string base =
      into.string() + ".before-restore-" + bk::format_backup_time(std::chrono::system_clock::now());
  fs::path kept = base;
  std::error_code ec;
  for (int n = 1; fs::exists(fs::symlink_status(kept, ec)); ++n) {
    kept = base + "-" + std::to_string(n);
  }
  return kept;
}

// Moves the extracted tree `fresh` to `into`; a tree that was there is kept beside it as
// INTO.before-restore-TIME (named in `note`, or in the error when a move failed half-way).
// Both renames stay on one file system.
std::string swap_in(const fs::path& fresh, const fs::path& into, std::string& note) {
  std::error_code ec;
  const bool holds_data = fs::is_directory(into, ec) && !fs::is_empty(into, ec);
  if (!holds_data) {  // missing, or an empty directory that rename replaces
    fs::rename(fresh, into, ec);
    return ec ? "cannot move the restored tree to " + into.string() + ": " + ec.message() : "";
  }
  const fs::path kept = unused_kept_name(into);
  // One atomic exchange where the file system has it, so `into` is never missing.
  if (::renameat2(AT_FDCWD, fresh.c_str(), AT_FDCWD, into.c_str(), RENAME_EXCHANGE) == 0) {
    fs::rename(fresh, kept, ec);  // `fresh` now holds the previous tree
    note = ec ? "the previous tree is left in " + fresh.string() + " (cannot rename it to " +
                    kept.string() + ": " + ec.message() + ")"
              : "the previous tree is kept as " + kept.string();
    return "";
  }
  fs::rename(into, kept, ec);
  if (ec) return "cannot move " + into.string() + " aside to " + kept.string() + ": " + ec.message();
  fs::rename(fresh, into, ec);
  if (ec) {
    std::error_code back;
    fs::rename(kept, into, back);
    return "cannot move the restored tree to " + into.string() + ": " + ec.message() +
           (back ? "; the previous tree is in " + kept.string() + " (" + back.message() + ")"
                 : "; the previous tree is back in place");
  }
  note = "the previous tree is kept as " + kept.string();
  return "";
}

}  // namespace

DumpResult FilesDriver::dump(const DumpJob& job, bk::BackupMetadata& meta) {
  DumpResult result;
  DumpFile file(job.partial);
  if (!file.created()) {
    result.write_errno = file.error_number();
    return result;
  }
  result.created = true;
  auto tree = write_tree(
      target_.files.source, target_.files.exclude, {target_.directory},
      [&file](const char* data, std::size_t size) { return file.write(data, size); }, job.deadline);
  if (!file.finish() || tree.sink_failed) {
    result.write_errno = file.error_number() != 0 ? file.error_number() : EIO;
    return result;
  }
  result.error = std::move(tree.error);
  meta.size_bytes = file.size();
  meta.sha256 = file.sha256();
  meta.listing = std::move(tree.listing);
  return result;
}

void FilesDriver::restore(const bk::BackupMetadata& backup, const RestoreRequest& request,
                          Clock::time_point deadline, RestoreOutcome& outcome) {
  const fs::path into = destination_of(target_, request, outcome);
  if (!outcome.error.empty()) return;
  std::error_code ec;
  fs::create_directories(into.parent_path(), ec);
  auto fresh = make_temp_directory(
      into.parent_path() / ("." + into.filename().string() + ".restore-XXXXXX"), outcome.error);
  if (!fresh) return;
  struct statvfs volume {};
  if (::statvfs(fresh->c_str(), &volume) == 0) {
    const auto available = std::uint64_t(volume.f_bavail) * volume.f_frsize;
    outcome.error = space_shortfall(backup.listing, available, into.parent_path().string());
    if (!outcome.error.empty()) {
      outcome.refused = true;
      remove_tree(*fresh);
      return;
    }
  }
  const auto extracted = extract_tree(target_.directory / backup.file, *fresh, deadline);
  outcome.error = extracted.error;
  if (outcome.error.empty() && request.compare_row_counts) {  // a drill: compare the listing
    auto restored = list_tree(*fresh, deadline);
    outcome.error = restored.error.empty() ? compare_listing(backup.listing, restored.listing)
                                           : "cannot list the restored tree: " + restored.error;
  }
  if (outcome.error.empty()) outcome.error = swap_in(*fresh, into, outcome.note);
  if (!outcome.error.empty()) {
    remove_tree(*fresh);
    return;
  }
  std::string ignored;
  bk::fsync_directory(into.parent_path(), ignored);
  outcome.detail = describe_listing(backup.listing) +
                   (request.compare_row_counts ? ", listing matches" : "") + " into " +
                   into.string();
}

DrillOutcome FilesDriver::drill(std::chrono::milliseconds timeout) {
  DrillOutcome outcome;
  const char* tmp = std::getenv("TMPDIR");
  const fs::path base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  auto scratch =
      make_temp_directory(base / ("watchdog-drill-" + target_.name + "-XXXXXX"), outcome.detail);
  if (!scratch) return outcome;
  RestoreRequest request;
  request.into_name = (*scratch / "tree").string();
  request.compare_row_counts = true;
  request.timeout = timeout;
  const auto restored = restore_backup(target_, request);
  remove_tree(*scratch);
  outcome.backup = restored.backup;
  outcome.ok = restored.ok;
  std::string detail = restored.detail.substr(0, restored.detail.rfind(" into "));
  outcome.detail =
      (restored.backup.empty() ? "" : restored.backup + ": ") +
      (restored.ok ? detail + " in " + config::human_duration(restored.elapsed) : restored.error);
  return outcome;
}

std::string compare_listing(const std::vector<bk::ListedEntry>& expected,
                            const std::vector<bk::ListedEntry>& restored) {
  const std::size_t common = std::min(expected.size(), restored.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (expected[i].path != restored[i].path) {
      return "restored tree differs at " + restored[i].path + ", backup lists " + expected[i].path;
    }
    if (!(expected[i] == restored[i])) {
      return (restored[i].path.empty() ? "." : restored[i].path) + ": " +
             describe_entry(restored[i]) + ", backup had " + describe_entry(expected[i]);
    }
  }
  if (expected.size() > common) return expected[common].path + " is missing after the restore";
  if (restored.size() > common) return restored[common].path + " is not in the backup's listing";
  return "";
}

std::string space_shortfall(const std::vector<bk::ListedEntry>& listing, std::uint64_t available,
                            const std::string& where) {
  std::uint64_t bytes = 0;
  for (const auto& entry : listing) bytes += entry.size;
  const std::uint64_t needed = bytes + bytes / 10;
  if (available >= needed) return "";
  return "not enough space in " + where + " for " + config::format_size(bytes) +
         " (+10 %): " + config::format_size(available) + " free";
}

std::string describe_listing(const std::vector<bk::ListedEntry>& listing) {
  std::uint64_t files = 0, bytes = 0;
  for (const auto& entry : listing) {
    if (entry.type != Type::File) continue;
    ++files;
    bytes += entry.size;
  }
  return std::to_string(files) + (files == 1 ? " file, " : " files, ") + config::format_size(bytes);
}

void remove_tree(const fs::path& root) {
  std::error_code ec;
  if (fs::symlink_status(root, ec).type() != fs::file_type::directory) {
    fs::remove(root, ec);
    return;
  }
  ::chmod(root.c_str(), 0700);
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->symlink_status(ec).type() == fs::file_type::directory) remove_tree(it->path());
  }
  fs::remove_all(root, ec);
}

}  // namespace watchdog::actions
