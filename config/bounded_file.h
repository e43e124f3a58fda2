#pragma once
// Reading a file the configuration names (the config file itself, `*_file` secrets) without
// trusting what is at that path: a FIFO would block forever, /dev/zero never ends, and a 10 GB
// file would be read into memory. Only regular files (symlinks to them are fine: Kubernetes
// mounts secrets that way) up to a size cap are read.

#include <cstdint>
#include <optional>
#include <string>

namespace watchdog::config {

// The config file: generous (real ones are a few KiB; 10,000 probes ≈ 1 MiB) yet small enough
// that the parse in a bounded child (parse_guard.h) finishes well within its deadline.
inline constexpr std::uint64_t kMaxConfigFileBytes = 4 * 1024 * 1024;
// A `*_file` secret (token, password, webhook URL) or api_token_file.
inline constexpr std::uint64_t kMaxSecretFileBytes = 64 * 1024;

// The whole content of the regular file at `path` if it holds at most `max_bytes`; otherwise
// nullopt and `error` says why without quoting content ("Is a FIFO, not a regular file", "File
// too large (more than 64.0 KiB)", the system's message). Never blocks: the type is checked with
// stat() before opening, and the file is opened O_NONBLOCK and checked again with fstat().
std::optional<std::string> read_regular_file(const std::string& path, std::uint64_t max_bytes,
                                             std::string& error);

}  // namespace watchdog::config
