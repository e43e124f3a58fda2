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

std::vector<std::string> environment_with(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> entries;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto key = entry.substr(0, entry.find('='));
    if (overrides.find(std::string(key)) == overrides.end()) entries.emplace_back(entry);
  }
  for (const auto& [key, value] : overrides) entries.push_back(key + "=" + value);
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
                                                       : "/usr/local/bin:/usr/bin:/bin";
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
