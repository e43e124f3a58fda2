#include "actions/backup/mysql_client.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "actions/backup/backup_runner.h"
#include "config/text.h"

namespace watchdog::actions {
namespace {

namespace fs = std::filesystem;

// A value as MariaDB's option file parser reads it back: the quotes stripped, \\ \" \n \t \r
// undone, a '#' inside the quotes kept.
std::string option_value(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

std::string unescape_field(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\' || i + 1 == field.size()) {
      out += field[i];
      continue;
    }
    const char next = field[++i];
    out += next == 't' ? '\t' : next == 'n' ? '\n' : next == '0' ? '\0' : next;
  }
  return out;
}

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::string client_defaults_text(const config::BackupTargetSpec& target) {
  std::string text = "[client]\n";
  if (!target.user.empty()) text += "user=" + option_value(target.user) + "\n";
  if (target.password) text += "password=" + option_value(target.password->value) + "\n";
  if (!target.host.empty()) text += "host=" + option_value(target.host) + "\n";
  if (target.port > 0) text += "port=" + std::to_string(target.port) + "\n";
  return text;
}

ClientDefaults::ClientDefaults(const config::BackupTargetSpec& target) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      (fs::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") / "watchdog-mysql-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {  // mode 0700
    error_ = "cannot create a private temp dir for the client options: " + config::errno_text();
    return;
  }
  dir_ = pattern;
  const fs::path file = dir_ / "client.cnf";
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  const bool written = fd >= 0 && write_all(fd, client_defaults_text(target));
  if (!written) error_ = "cannot write the client options file: " + config::errno_text();
  if (fd >= 0) ::close(fd);
}

ClientDefaults::~ClientDefaults() {
  std::error_code ignored;
  if (!dir_.empty()) fs::remove_all(dir_, ignored);
}

std::vector<std::string> ClientDefaults::argv(const std::string& tool) const {
  // --defaults-file: this file only. With --defaults-extra-file the server's /etc/mysql/*.cnf and
  // ~/.my.cnf are read too, and a [mysqldump] `databases` there would put CREATE DATABASE/USE of
  // the source into the dump (a restore elsewhere would write into the source), a [client] host
  // would send the tools to another server.
  return {tool, "--defaults-file=" + (dir_ / "client.cnf").string()};
}

std::vector<std::vector<std::string>> parse_batch_rows(const std::string& output) {
  std::vector<std::vector<std::string>> rows;
  std::size_t start = 0;
  while (start < output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    std::vector<std::string> row;
    std::size_t field = start;
    while (true) {
      const std::size_t tab = output.find('\t', field);
      const std::size_t stop = tab == std::string::npos || tab > end ? end : tab;
      row.push_back(unescape_field(output.substr(field, stop - field)));
      if (stop == end) break;
      field = stop + 1;
    }
    rows.push_back(std::move(row));
    start = end + 1;
  }
  return rows;
}

std::optional<std::vector<std::vector<std::string>>> mysql_query(
    const config::BackupTargetSpec& target, const ClientDefaults& defaults,
    const std::string& database, const std::string& sql, std::chrono::milliseconds timeout,
    std::string& error) {
  probes::ProcessSpec spec;
  spec.argv = defaults.argv(target.mysql.client);
  for (const char* arg : {"--batch", "--skip-column-names", "--connect-timeout=10"}) {
    spec.argv.emplace_back(arg);
  }
  if (!database.empty()) spec.argv.push_back("--database=" + database);
  spec.argv.push_back("--execute=" + sql);
  spec.timeout = std::max(timeout, std::chrono::milliseconds(1));
  spec.tail_bytes = 2048;
  std::string output;
  spec.on_stdout = [&output](const char* data, std::size_t size) {
    output.append(data, size);
    return true;
  };
  const auto run = probes::run_process(spec);
  if (!run.started || run.timed_out || run.signal != 0 || run.exit_code != 0) {
    error = mysql_error(target.mysql.client, run, timeout);
    return std::nullopt;
  }
  return parse_batch_rows(output);
}

std::string mysql_literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  return out + "'";
}

std::string mysql_identifier(const std::string& name) {
  std::string out = "`";
  for (char c : name) out += c == '`' ? std::string("``") : std::string(1, c);
  return out + "`";
}

std::string mysql_error(const std::string& tool, const probes::ProcessResult& run,
                        std::chrono::milliseconds timeout) {
  // The tools start their lines with their own name ("mariadb-dump: Got error: …"): said once.
  probes::ProcessResult trimmed = run;
  const std::string own = fs::path(tool).filename().string() + ": ";
  if (trimmed.output_tail.starts_with(own)) trimmed.output_tail.erase(0, own.size());
  // The client may echo the failed statement between dashed lines first: the ERROR line says why.
  if (auto at = trimmed.output_tail.find("ERROR "); at != std::string::npos) {
    trimmed.output_tail.erase(0, at);
  }
  return pg_error(tool, trimmed, timeout);
}

std::string check_database_name(const std::string& name) {
  if (name.empty()) return "no database named (dbname)";
  if (name.size() > 64) return "database name " + name.substr(0, 64) + "… is longer than 64";
  if (name.front() == '-') return "database name " + name + " starts with '-'";
  return "";
}

}  // namespace watchdog::actions
