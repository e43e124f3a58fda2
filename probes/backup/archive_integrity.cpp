#include "probes/backup/archive_integrity.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <memory>
#include <system_error>
#include <vector>

#include "probes/backup/deadline.h"

namespace watchdog::probes::backup {
namespace {

using State = ArchiveVerdict::State;
constexpr std::size_t kChunk = 64 * 1024;
constexpr unsigned char kGzipMagic = 0x1f;  // the first byte of every gzip member

using Retry = ArchiveVerdict::Retry;
constexpr off_t kDropCacheEvery = 16 << 20;  // bytes read between POSIX_FADV_DONTNEED calls

ArchiveVerdict too_slow() {
  return {State::Unchecked, "not finished within the timeout", Retry::IfTheReadWasShort};
}

// Unchecked for a passing reason (I/O error, memory): tried again at the next check.
ArchiveVerdict transient(std::string reason) {
  return {State::Unchecked, std::move(reason), Retry::NextCheck};
}

// Reads the file in chunks; the descriptor closes with the object.
class ChunkReader {
 public:
  explicit ChunkReader(const std::filesystem::path& path)
      : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), error_(fd_ < 0 ? errno : 0) {}
  ~ChunkReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  // The next chunk; empty at the end of the file or on an error (see failure()).
  std::string_view next() {
    if (fd_ < 0) return {};
    ssize_t n = 0;
    do {
      n = ::read(fd_, buffer_.data(), buffer_.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) error_ = errno;
    if (n <= 0) return "";
    offset_ += n;
    if (offset_ - dropped_ >= kDropCacheEvery) {  // a backup read once: keep it out of the cache
      ::posix_fadvise(fd_, 0, offset_, POSIX_FADV_DONTNEED);
      dropped_ = offset_;
    }
    return std::string_view(buffer_.data(), static_cast<std::size_t>(n));
  }
  std::optional<ArchiveVerdict> failure() const {
    if (error_ == 0) return std::nullopt;
    return transient((fd_ < 0 ? "cannot open: " : "read error: ") +
                     std::generic_category().message(error_));
  }
  // The file as it is now (after the read), to compare with the listing's.
  std::optional<FileVersion> version() const {
    struct stat st {};
    if (fd_ < 0 || ::fstat(fd_, &st) != 0) return std::nullopt;
    return FileVersion{static_cast<std::uint64_t>(st.st_size),
                       std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec};
  }

 private:
  int fd_;
  int error_;
  off_t offset_ = 0;
  off_t dropped_ = 0;
  std::vector<char> buffer_ = std::vector<char>(kChunk);
};

ArchiveVerdict check_gzip(ChunkReader& reader, std::chrono::steady_clock::time_point deadline) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return transient("zlib: out of memory");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  std::array<unsigned char, kChunk> out{};
  bool in_member = false, padding = false;
  int members = 0;
  for (std::string_view chunk = reader.next(); !chunk.empty(); chunk = reader.next()) {
    if (past(deadline)) return too_slow();
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(chunk.data()));
    zs.avail_in = static_cast<uInt>(chunk.size());
    while (zs.avail_in > 0) {
      if (!in_member && members > 0 && (padding || *zs.next_in != kGzipMagic)) {
        // After a member: another member, or zero padding (tape-style blocks) to the end.
        padding = true;
        if (*zs.next_in != 0) {
          return ArchiveVerdict{State::Corrupt, "unexpected data after the gzip stream"};
        }
        ++zs.next_in;
        --zs.avail_in;
        continue;
      }
      in_member = true;
      zs.next_out = out.data();
      zs.avail_out = static_cast<uInt>(out.size());
      const int ret = inflate(&zs, Z_NO_FLUSH);
      if (ret == Z_STREAM_END) {
        in_member = false;
        ++members;
        inflateReset(&zs);
      } else if (ret == Z_DATA_ERROR) {
        return ArchiveVerdict{State::Corrupt,
                              std::string("gzip: ") + (zs.msg ? zs.msg : "data error")};
      } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
        return transient("zlib error " + std::to_string(ret));
      }
    }
  }
  if (auto failure = reader.failure()) return *failure;
  if (in_member) return ArchiveVerdict{State::Truncated, "gzip stream ends early"};
  if (members == 0) return ArchiveVerdict{State::Truncated, "the file is empty"};
  return ArchiveVerdict{State::Ok, ""};
}

// The window a zstd frame header asks for (RFC 8878 3.1.1.1.2), or 0 when `head` does not start
// with a frame header that names one (a single-segment frame's window is its content size).
std::uint64_t zstd_window_size(std::string_view head) {
  constexpr std::string_view kMagic("\x28\xb5\x2f\xfd", 4);
  if (head.size() < 6 || !head.starts_with(kMagic)) return 0;
  const auto descriptor = static_cast<unsigned char>(head[4]);
  if (descriptor & 0x20) return 0;  // single segment: no window descriptor
  const auto window = static_cast<unsigned char>(head[5]);
  const std::uint64_t base = std::uint64_t{1} << (10 + (window >> 3));
  return base + (base / 8) * (window & 7);
}

// libzstd's default ceiling on the decoding window (ZSTD_WINDOWLOG_LIMIT_DEFAULT, 2^27):
// frames written with `zstd --long=28..31` need more memory than a probe should take.
ArchiveVerdict window_too_large(std::uint64_t window) {
  std::string needs = window > 0 ? "needs " + std::to_string(window >> 20) + " MiB, " : "";
  return {State::Unchecked,
          "zstd window too large: " + needs + "over the 128 MiB this check decodes (zstd --long)"};
}

ArchiveVerdict check_zstd(ChunkReader& reader, std::chrono::steady_clock::time_point deadline) {
  std::unique_ptr<ZSTD_DCtx, std::size_t (*)(ZSTD_DCtx*)> context(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!context) return transient("zstd: out of memory");
  std::vector<char> out(ZSTD_DStreamOutSize());
  std::size_t pending = 0;   // 0 = a frame just ended and everything was flushed
  std::size_t produced = 0;  // by the last step
  std::uint64_t window = 0;  // the first frame's, for the message
  bool any = false;
  const auto step = [&](ZSTD_inBuffer& in) -> std::optional<ArchiveVerdict> {
    ZSTD_outBuffer output{out.data(), out.size(), 0};
    pending = ZSTD_decompressStream(context.get(), &output, &in);
    produced = output.pos;
    if (ZSTD_isError(pending)) {
      // Limits of this reader, not damage: the file may be whole.
      switch (ZSTD_getErrorCode(pending)) {
        case ZSTD_error_frameParameter_windowTooLarge:
          return window_too_large(window);
        case ZSTD_error_memory_allocation:
          return transient("zstd: out of memory");
        default:
          return ArchiveVerdict{State::Corrupt, std::string("zstd: ") + ZSTD_getErrorName(pending)};
      }
    }
    return std::nullopt;
  };
  for (std::string_view chunk = reader.next(); !chunk.empty(); chunk = reader.next()) {
    if (past(deadline)) return too_slow();
    if (!any) window = zstd_window_size(chunk);
    any = true;
    ZSTD_inBuffer in{chunk.data(), chunk.size(), 0};
    while (in.pos < in.size) {
      if (auto bad = step(in)) return *bad;
    }
  }
  if (auto failure = reader.failure()) return *failure;
  if (!any) return ArchiveVerdict{State::Truncated, "the file is empty"};
  // Input is over: flush what the decoder still holds; no progress with work left = truncated.
  while (pending != 0) {
    if (past(deadline)) return too_slow();
    ZSTD_inBuffer none{nullptr, 0, 0};
    if (auto bad = step(none)) return *bad;
    if (pending != 0 && produced == 0) {
      return ArchiveVerdict{State::Truncated, "zstd frame ends early"};
    }
  }
  return ArchiveVerdict{State::Ok, ""};
}

bool ends_with(std::string_view name, std::string_view suffix) {
  return name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
}

}  // namespace

std::optional<ArchiveFormat> archive_format(std::string_view file_name) {
  if (ends_with(file_name, ".gz") || ends_with(file_name, ".tgz")) return ArchiveFormat::Gzip;
  if (ends_with(file_name, ".zst") || ends_with(file_name, ".tzst")) return ArchiveFormat::Zstd;
  return std::nullopt;
}

std::string_view to_string(ArchiveFormat format) {
  return format == ArchiveFormat::Gzip ? "gzip" : "zstd";
}

ArchiveVerdict check_archive(const std::filesystem::path& path, ArchiveFormat format,
                             std::chrono::steady_clock::time_point deadline,
                             const std::optional<FileVersion>& listed) {
  try {
    ChunkReader reader(path);
    if (auto failure = reader.failure()) return *failure;
    auto verdict =
        format == ArchiveFormat::Gzip ? check_gzip(reader, deadline) : check_zstd(reader, deadline);
    // A writer that stalled past `settle` and went on: what was read is not the listed file.
    if (listed && reader.version() != listed) return transient("changed while read");
    return verdict;
  } catch (const std::bad_alloc&) {
    return transient("out of memory");
  }
}

bool worth_remembering(const ArchiveVerdict& verdict,
                       std::chrono::steady_clock::duration read_budget,
                       std::chrono::milliseconds timeout) {
  if (verdict.state != State::Unchecked) return true;
  switch (verdict.retry) {
    case Retry::Never:
      return true;
    case Retry::NextCheck:
      return false;
    case Retry::IfTheReadWasShort:
      break;
  }
  return read_budget * 2 >= timeout;
}

std::string describe(const ArchiveVerdict& verdict, std::string_view file_name,
                     ArchiveFormat format) {
  const std::string name(file_name);
  switch (verdict.state) {
    case State::Ok:
      return name + " passed the " + std::string(to_string(format)) + " check";
    case State::Truncated:
      return name + " is truncated (" + verdict.reason + ")";
    case State::Corrupt:
      return name + " is corrupt (" + verdict.reason + ")";
    case State::Unchecked:
      break;
  }
  return name + " not checked (" + verdict.reason + ")";
}

std::string RememberedVerdict::encode() const {
  return "v1\t" + std::to_string(static_cast<int>(verdict.state)) + "\t" + std::to_string(size) +
         "\t" + std::to_string(mtime_ns) + "\t" + path + "\t" + verdict.reason;
}

std::optional<RememberedVerdict> RememberedVerdict::decode(std::string_view text) {
  std::vector<std::string_view> fields;
  for (std::size_t start = 0; fields.size() < 5;) {
    const std::size_t tab = text.find('\t', start);
    if (tab == std::string_view::npos) return std::nullopt;
    fields.push_back(text.substr(start, tab - start));
    start = tab + 1;
    if (fields.size() == 5) fields.push_back(text.substr(start));  // the reason may hold tabs
  }
  if (fields[0] != "v1") return std::nullopt;
  const auto number = [](std::string_view field, auto& value) {
    auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
    return error == std::errc() && end == field.data() + field.size();
  };
  RememberedVerdict out;
  int state = 0;
  if (!number(fields[1], state) || state < 0 || state > static_cast<int>(State::Unchecked) ||
      !number(fields[2], out.size) || !number(fields[3], out.mtime_ns)) {
    return std::nullopt;
  }
  out.verdict.state = static_cast<State>(state);
  out.path = std::string(fields[4]);
  out.verdict.reason = std::string(fields[5]);
  return out;
}

}  // namespace watchdog::probes::backup
