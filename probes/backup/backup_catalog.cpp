#include "probes/backup/backup_catalog.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/text.h"

namespace watchdog::probes::backup {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using config::errno_text;

std::optional<SystemTime> parse_time(const std::string& text, const char* pattern) {
  std::tm utc{};
  const char* end = strptime(text.c_str(), pattern, &utc);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&utc));
}

json time_json(SystemTime t) { return config::format_rfc3339(t); }

SystemTime time_from(const json& j) {
  auto parsed = config::parse_rfc3339(j.get<std::string>());
  if (!parsed) throw std::invalid_argument("bad time");
  return *parsed;
}

// Files as {"path", "size", "sha256"}; directories and symlinks say their "type" (and "link").
json listing_json(const std::vector<ListedEntry>& listing) {
  json out = json::array();
  for (const auto& entry : listing) {
    json row = {{"path", entry.path}};
    if (entry.type == ListedEntry::Type::File) {
      row["size"] = entry.size;
      row["sha256"] = entry.sha256;
    } else if (entry.type == ListedEntry::Type::Directory) {
      row["type"] = "dir";
    } else {
      row["type"] = "symlink";
      row["link"] = entry.link;
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<ListedEntry> listing_from(const json& rows) {
  std::vector<ListedEntry> listing;
  for (const auto& row : rows) {
    ListedEntry entry;
    entry.path = row.at("path").get<std::string>();
    const std::string type = row.value("type", "file");
    if (type == "file") {
      entry.size = row.at("size").get<std::uint64_t>();
      entry.sha256 = row.at("sha256").get<std::string>();
    } else if (type == "dir") {
      entry.type = ListedEntry::Type::Directory;
    } else if (type == "symlink") {
      entry.type = ListedEntry::Type::Symlink;
      entry.link = row.at("link").get<std::string>();
    } else {
      throw std::invalid_argument("bad listing type");
    }
    listing.push_back(std::move(entry));
  }
  return listing;
}

json to_json(const BackupMetadata& m) {
  json j = {{"kind", m.safety ? "watchdog-safety-dump" : "watchdog-backup"},
            {"version", 1},
            {"name", m.name},
            {"target", m.target},
            {"file", m.file},
            {"format", m.format},
            {"database", m.database},
            {"server_version", m.server_version},
            {"started_at", time_json(m.started)},
            {"finished_at", time_json(m.finished)},
            {"size_bytes", m.size_bytes},
            {"sha256", m.sha256},
            {"row_counts", m.row_counts},
            {"row_counts_exact", m.row_counts_exact},
            {"watchdog_version", m.watchdog_version}};
  if (!m.owner.empty()) j["owner"] = m.owner;
  if (m.safety) {
    j["safety"] = {{"incident", m.safety->incident},
                   {"reason", m.safety->reason},
                   {"salvaged", m.safety->salvaged}};
  }
  if (!m.files.empty()) j["files"] = m.files;
  if (!m.listing.empty()) j["listing"] = listing_json(m.listing);
  if (m.verification) {
    j["verification"] = {{"at", time_json(m.verification->at)},
                         {"ok", m.verification->ok},
                         {"error", m.verification->error}};
  }
  return j;
}

BackupMetadata metadata_from(const json& j) {
  const std::string kind = j.value("kind", "");
  if (kind != "watchdog-backup" && kind != "watchdog-safety-dump") {
    throw std::invalid_argument("not backup metadata");
  }
  BackupMetadata m;
  if (kind == "watchdog-safety-dump") {
    const json safety = j.value("safety", json::object());
    m.safety = SafetyInfo{safety.value("incident", ""), safety.value("reason", ""),
                          safety.value("salvaged", false)};
  }
  m.owner = j.value("owner", "");
  m.name = j.at("name").get<std::string>();
  m.target = j.at("target").get<std::string>();
  m.file = j.at("file").get<std::string>();
  m.format = j.at("format").get<std::string>();
  m.database = j.value("database", "");
  m.server_version = j.value("server_version", "");
  m.started = time_from(j.at("started_at"));
  m.finished = time_from(j.at("finished_at"));
  m.size_bytes = j.at("size_bytes").get<std::uint64_t>();
  m.sha256 = j.at("sha256").get<std::string>();
  m.row_counts = j.value("row_counts", std::map<std::string, std::int64_t>{});
  m.row_counts_exact = j.value("row_counts_exact", true);
  m.files = j.value("files", std::map<std::string, std::string>{});
  if (j.contains("listing")) m.listing = listing_from(j["listing"]);
  m.watchdog_version = j.value("watchdog_version", "");
  if (j.contains("verification")) {
    const auto& v = j["verification"];
    m.verification =
        Verification{time_from(v.at("at")), v.at("ok").get<bool>(), v.value("error", "")};
  }
  if (m.file.find('/') != std::string::npos || m.file.starts_with(".")) {
    throw std::invalid_argument("bad file name");
  }
  return m;
}

bool read_whole(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return true;
}

fs::path status_path(const fs::path& directory, const std::string& target) {
  return directory / (target + ".status.json");
}

}  // namespace

std::string format_backup_time(SystemTime time) { return config::format_utc_stamp(time); }

std::optional<SystemTime> parse_backup_time(const std::string& text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  return parse_time(text, "%Y%m%dT%H%M%SZ");
}

std::string backup_name(const std::string& target, SystemTime started) {
  return target + "_" + format_backup_time(started);
}

std::string safety_dump_name(const std::string& target, SystemTime started) {
  return target + "_safety_" + format_backup_time(started);
}

std::string backup_file(const std::string& name, const std::string& format) {
  return name + (format == "directory" ? ".dumpdir" : ".dump");
}

std::optional<BackupMetadata> read_metadata(const fs::path& file, std::string& error) {
  std::string text;
  if (!read_whole(file, text)) {
    error = "cannot read " + file.filename().string() + ": " + errno_text();
    return std::nullopt;
  }
  try {
    return metadata_from(json::parse(text));
  } catch (const std::exception& e) {
    error = file.filename().string() + " is not valid backup metadata";
    return std::nullopt;
  }
}

std::vector<BackupMetadata> list_backups(const fs::path& directory, const std::string& target,
                                         std::string& error, std::vector<std::string>* unreadable) {
  std::vector<BackupMetadata> backups;
  std::error_code ec;
  fs::directory_iterator it(directory, ec);
  if (ec) {
    error = "cannot list " + directory.string() + ": " + ec.message();
    return backups;
  }
  const std::string prefix = target + "_";
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (!file.starts_with(prefix) || !file.ends_with(".json")) continue;
    if (!parse_backup_time(file.substr(prefix.size(), file.size() - prefix.size() - 5))) continue;
    std::string why;
    auto metadata = read_metadata(it->path(), why);
    if (metadata && metadata->safety) continue;  // never a backup, whatever its name says
    if (metadata && metadata->target == target) {
      backups.push_back(std::move(*metadata));
    } else if (unreadable != nullptr) {
      unreadable->push_back(why.empty() ? file + " names another target" : why);
    }
  }
  if (ec) error = "cannot list " + directory.string() + ": " + ec.message();
  std::sort(backups.begin(), backups.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return backups;
}

std::vector<BackupMetadata> list_safety_dumps(const fs::path& directory,
                                              const std::string& target) {
  std::vector<BackupMetadata> dumps;
  std::error_code ec;
  const std::string prefix = target + "_safety_";
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (!file.starts_with(prefix) || !file.ends_with(".json")) continue;
    std::string ignored;
    auto metadata = read_metadata(it->path(), ignored);
    if (metadata && metadata->safety && metadata->target == target) {
      dumps.push_back(std::move(*metadata));
    }
  }
  std::sort(dumps.begin(), dumps.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return dumps;
}

std::vector<std::string> orphan_files(const fs::path& directory, const std::string& target) {
  std::vector<std::string> orphans;
  std::error_code ec;
  const std::string prefix = target + "_";
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (!file.starts_with(prefix)) continue;
    const auto dot = file.find('.');
    if (dot == std::string::npos) continue;
    // Any kind's data file: TARGET_TIME.EXT (TARGET_safety_TIME.EXT), EXT anything but json.
    const std::string stamp = file.substr(prefix.size(), dot - prefix.size());
    const bool named = parse_backup_time(stamp) ||
                       (stamp.starts_with("safety_") && parse_backup_time(stamp.substr(7)));
    if (!named || file.substr(dot) == ".json") continue;
    if (!fs::exists(directory / (file.substr(0, dot) + ".json"))) orphans.push_back(file);
  }
  std::sort(orphans.begin(), orphans.end());
  return orphans;
}

bool fsync_directory(const fs::path& directory, std::string& error) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    error = "fsync " + directory.string() + ": " + errno_text();
    if (fd >= 0) ::close(fd);
    return false;
  }
  ::close(fd);
  return true;
}

bool write_file_atomically(const fs::path& path, const std::string& content, std::string& error) {
  const fs::path temp = path.parent_path() / ("." + path.filename().string() + ".tmp");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) {
    error = "cannot write " + temp.string() + ": " + errno_text();
    return false;
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const bool ok = done == content.size() && ::fsync(fd) == 0;
  if (!ok) error = "cannot write " + temp.string() + ": " + errno_text();
  ::close(fd);
  if (ok && ::rename(temp.c_str(), path.c_str()) == 0) {
    return fsync_directory(path.parent_path(), error);
  }
  if (ok) error = "cannot rename to " + path.string() + ": " + errno_text();
  ::unlink(temp.c_str());
  return false;
}

bool write_metadata(const fs::path& directory, const BackupMetadata& metadata, std::string& error) {
  return write_file_atomically(directory / (metadata.name + ".json"),
                               to_json(metadata).dump(2) + "\n", error);
}

std::optional<std::string> quick_check(const fs::path& directory, const BackupMetadata& metadata) {
  const fs::path data = directory / metadata.file;
  std::error_code ec;
  if (metadata.format == "directory") {
    if (!fs::is_directory(data, ec)) return metadata.file + " is missing";
    return std::nullopt;
  }
  const auto size = fs::file_size(data, ec);
  if (ec) return metadata.file + " is missing";
  if (size != metadata.size_bytes) {
    return metadata.file + " is " + std::to_string(size) + " bytes, metadata says " +
           std::to_string(metadata.size_bytes) + (size < metadata.size_bytes ? " (truncated)" : "");
  }
  return std::nullopt;
}

Verification verify_backup(const fs::path& directory, const BackupMetadata& metadata) {
  Verification result;
  result.at = std::chrono::system_clock::now();
  if (auto problem = quick_check(directory, metadata)) {
    result.error = *problem;
    return result;
  }
  std::string error;
  std::string sum;
  std::uint64_t size = 0;
  if (metadata.format == "directory") {
    auto digest = digest_directory(directory / metadata.file, error);
    if (digest) {
      sum = digest->sha256;
      size = digest->size_bytes;
    }
  } else if (auto file_sum = sha256_file(directory / metadata.file, size, error)) {
    sum = *file_sum;
  }
  if (sum.empty()) {
    result.error = error;
  } else if (size != metadata.size_bytes) {
    result.error = metadata.file + " holds " + std::to_string(size) + " bytes, metadata says " +
                   std::to_string(metadata.size_bytes);
  } else if (sum != metadata.sha256) {
    result.error = metadata.file + ": checksum mismatch (sha256 " + sum.substr(0, 12) +
                   "…, metadata " + metadata.sha256.substr(0, 12) + "…)";
  } else {
    result.ok = true;
  }
  return result;
}

TargetStatus read_status(const fs::path& directory, const std::string& target) {
  TargetStatus status;
  std::string text;
  if (!read_whole(status_path(directory, target), text)) return status;
  try {
    const json j = json::parse(text);
    if (j.contains("last_attempt")) {
      const auto& a = j["last_attempt"];
      status.last_attempt = Attempt{time_from(a.at("at")), a.at("ok").get<bool>(),
                                    a.value("backup", ""), a.value("error", "")};
    }
    if (j.contains("last_drill")) {
      const auto& d = j["last_drill"];
      status.last_drill = Drill{time_from(d.at("at")), d.at("ok").get<bool>(),
                                d.value("backup", ""), d.value("detail", ""), std::nullopt};
      if (d.contains("seconds") && d["seconds"].is_number()) {
        status.last_drill->seconds = d["seconds"].get<double>();
      }
    }
    if (j.contains("last_drill_success_at")) {
      status.last_drill_success = time_from(j["last_drill_success_at"]);
    }
    if (j.contains("last_drill_failure_at")) {
      status.last_drill_failure = time_from(j["last_drill_failure_at"]);
    }
    if (j.contains("last_failure_at")) status.last_failure = time_from(j["last_failure_at"]);
    status.verify_failures = j.value("verify_failures", std::uint64_t{0});
  } catch (const std::exception&) {
    return TargetStatus{};  // a damaged status file reads as "nothing known"
  }
  return status;
}

bool update_status(const fs::path& directory, const std::string& target,
                   const std::function<void(TargetStatus&)>& change, std::string& error) {
  const fs::path lock_path = directory / ("." + target + ".status.lock");
  const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) {
    error = "cannot lock " + lock_path.string() + ": " + errno_text();
    if (lock >= 0) ::close(lock);
    return false;
  }
  TargetStatus status = read_status(directory, target);
  change(status);
  json j = {{"kind", "watchdog-backup-status"},
            {"target", target},
            {"verify_failures", status.verify_failures}};
  if (const auto& a = status.last_attempt) {
    j["last_attempt"] = {
        {"at", time_json(a->at)}, {"ok", a->ok}, {"backup", a->backup}, {"error", a->error}};
  }
  if (const auto& d = status.last_drill) {
    j["last_drill"] = {
        {"at", time_json(d->at)}, {"ok", d->ok}, {"backup", d->backup}, {"detail", d->detail}};
    if (d->seconds) j["last_drill"]["seconds"] = *d->seconds;
  }
  if (status.last_drill_success) j["last_drill_success_at"] = time_json(*status.last_drill_success);
  if (status.last_drill_failure) j["last_drill_failure_at"] = time_json(*status.last_drill_failure);
  if (status.last_failure) j["last_failure_at"] = time_json(*status.last_failure);
  const bool ok = write_file_atomically(status_path(directory, target), j.dump(2) + "\n", error);
  ::close(lock);  // releases the flock
  return ok;
}

}  // namespace watchdog::probes::backup
