#include "probes/clients/process_child.h"

#include <fcntl.h>
#include <sys/syscall.h>

#include <boost/algorithm/string/split.hpp>
#include <boost/process/search_path.hpp>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "config/text.h"

namespace watchdog::probes::process_child {

void mark_cloexec_from_3() {
#if defined(SYS_close_range)
  constexpr unsigned kCloseRangeCloexec = 1U << 2;  // CLOSE_RANGE_CLOEXEC, Linux >= 5.11
  if (syscall(SYS_close_range, 3U, ~0U, kCloseRangeCloexec) == 0) return;
#endif
  long max_fd = sysconf(_SC_OPEN_MAX);
  if (max_fd < 0 || max_fd > 65536) max_fd = 65536;
  for (int fd = 3; fd < max_fd; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);
}

std::vector<std::string> child_environment(const ProcessSpec& spec) {
  std::map<std::string, std::string> merged;
  if (spec.inherit_env) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      const std::string_view entry(*e);
      const auto eq = entry.find('=');
      if (eq == std::string_view::npos) continue;
      merged.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
    }
  } else {
    for (const char* name : kBaseEnvironment) {
      if (const char* value = std::getenv(name)) merged.emplace(name, value);
    }
    merged.emplace("PATH", kDefaultPath);  // no-op when PATH was set
  }
  for (const auto& [key, value] : spec.env) merged[key] = value;
  std::vector<std::string> entries;
  entries.reserve(merged.size());
  for (const auto& [key, value] : merged) entries.push_back(key + "=" + value);
  return entries;
}

std::string resolve_program(const ProcessSpec& spec, std::string& error) {
  const std::string& name = spec.argv[0];
  if (name.empty()) {
    error = "empty program name";
    return {};
  }
  std::filesystem::path path = name;
  if (name.find('/') == std::string::npos) {
    auto env_path = spec.env.find("PATH");  // the child's PATH, as execvp would use it
    const char* inherited = std::getenv("PATH");
    std::string path_list = env_path != spec.env.end() ? env_path->second
                            : inherited != nullptr     ? inherited
                                                       : kDefaultPath;
    std::vector<std::string> parts;
    boost::algorithm::split(parts, path_list, [](char c) { return c == ':'; });
    std::vector<boost::filesystem::path> dirs(parts.begin(), parts.end());
    auto found = bp::search_path(name, dirs);
    if (found.empty()) {
      error = "'" + name + "' not found in PATH";
      return {};
    }
    return found.string();
  }
  // A relative path is relative to the working directory (the child chdirs before exec).
  if (path.is_relative() && !spec.working_dir.empty())
    path = std::filesystem::path(spec.working_dir) / path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "cannot execute '" + name + "': is a directory";
  } else if (access(path.c_str(), X_OK) != 0) {
    error = "cannot execute '" + name + "': " + config::errno_text();
  }
  return name;
}

}  // namespace watchdog::probes::process_child
