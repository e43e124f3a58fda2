#pragma once
// Integrity of a compressed backup file (issue #17): a truncated or damaged `.gz` / `.zst` dump
// decompresses without error up to the point where it breaks, so only reading it to the end —
// with the format's own checks — tells. gzip (.gz, .tgz, .tar.gz): zlib inflate with the
// trailer's CRC-32 and length, concatenated members allowed (pigz, `cat a.gz b.gz`), zero
// padding after the last member allowed, anything else after it is damage. zstd (.zst,
// .tar.zst): libzstd streaming, frame checksums checked when the frame carries them (the zstd
// tool writes them by default), a frame that ends early is truncation; a frame whose window is
// over libzstd's default 128 MiB (zstd --long=28 and up) is not checked — it would need that
// much memory — rather than called corrupt.
//
// Decompression streams through fixed buffers (never the whole file in memory) and stops at a
// deadline, so a probe can call it inside its timeout. The output is discarded: this proves
// the compression layer is whole, not that the tar or dump inside is.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace watchdog::probes::backup {

enum class ArchiveFormat { Gzip, Zstd };

// By the file name's suffix: .gz/.tgz → Gzip, .zst/.tzst → Zstd (so .tar.gz and .tar.zst too);
// anything else → nullopt (not checked).
std::optional<ArchiveFormat> archive_format(std::string_view file_name);
std::string_view to_string(ArchiveFormat format);  // "gzip", "zstd"

struct ArchiveVerdict {
  enum class State { Ok, Truncated, Corrupt, Unchecked };
  State state = State::Unchecked;
  // Why, for the probe's detail after "<name> is truncated" / "is corrupt" / "not checked":
  // "gzip stream ends early", "zstd: Restored data doesn't match checksum", "I/O error …",
  // "not finished within the timeout".
  std::string reason;
  // For Unchecked: is the same file version worth reading again? Never (over a limit it keeps:
  // too large, a zstd window over 128 MiB), NextCheck (an I/O error, out of memory, changed
  // while read), IfTheReadWasShort (the deadline: the caller knows how much of its timeout the
  // read had — a listing that ate most of it says nothing about the file).
  enum class Retry { Never, NextCheck, IfTheReadWasShort };
  Retry retry = Retry::Never;
  bool damaged() const { return state == State::Truncated || state == State::Corrupt; }
};

// A file's size and mtime, as listed.
struct FileVersion {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileVersion&) const = default;
};

// Reads `path` to its end (or to `deadline`: Unchecked, "not finished within the timeout").
// A file that cannot be opened or read is Unchecked with the error as the reason; never throws
// for I/O or data errors. With `listed`, a file whose size or mtime differs from it after the
// read (a writer still at work) is Unchecked, "changed while read", whatever was read. The
// pages read are dropped from the page cache as the read goes (a backup is read once).
ArchiveVerdict check_archive(const std::filesystem::path& path, ArchiveFormat format,
                             std::chrono::steady_clock::time_point deadline,
                             const std::optional<FileVersion>& listed = std::nullopt);

// One line for the detail: "mongo.tar.gz is truncated (gzip stream ends early)",
// "x.zst is corrupt (zstd: …)", "x.gz passed the gzip check", "x.gz not checked (…)".
std::string describe(const ArchiveVerdict& verdict, std::string_view file_name,
                     ArchiveFormat format);

// Whether to keep `verdict` for this file version (not read again until it changes): proven
// verdicts and lasting limits yes; a passing error no; a timeout only when the read itself had
// at least half of `timeout` (`read_budget`: from the read's start to the deadline) — else the
// listing ate the time and the next check may finish.
bool worth_remembering(const ArchiveVerdict& verdict,
                       std::chrono::steady_clock::duration read_budget,
                       std::chrono::milliseconds timeout);

// The verdict for one file version, so a file is read once per change, not once per check; it
// outlives restarts as the probe's memory (encode/decode; a line of tab-separated fields).
struct RememberedVerdict {
  std::string path;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  ArchiveVerdict verdict;
  bool same_file(const RememberedVerdict& other) const {
    return path == other.path && size == other.size && mtime_ns == other.mtime_ns;
  }
  std::string encode() const;
  static std::optional<RememberedVerdict> decode(std::string_view text);  // nullopt: not ours
};

}  // namespace watchdog::probes::backup
