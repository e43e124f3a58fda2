#include "probes/backup/archive_integrity.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <memory>
#include <system_error>
#include <vector>

namespace watchdog::probes::backup {
namespace {

using State = ArchiveVerdict::State;
constexpr std::size_t kChunk = 64 * 1024;
constexpr unsigned char kGzipMagic = 0x1f;  // the first byte of every gzip member

ArchiveVerdict make_verdict(State state, std::string reason) { return {state, std::move(reason)}; }

ArchiveVerdict too_slow() {
  return make_verdict(State::Unchecked, "not finished within the timeout");
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
    return n > 0 ? std::string_view(buffer_.data(), static_cast<std::size_t>(n)) : "";
  }
  std::optional<ArchiveVerdict> failure() const {
    if (error_ == 0) return std::nullopt;
    return make_verdict(State::Unchecked, (fd_ < 0 ? "cannot open: " : "read error: ") +
                                              std::generic_category().message(error_));
  }

 private:
  int fd_;
  int error_;
  std::vector<char> buffer_ = std::vector<char>(kChunk);
};

bool past(std::chrono::steady_clock::time_point deadline) {
  return std::chrono::steady_clock::now() > deadline;
}

ArchiveVerdict check_gzip(ChunkReader& reader, std::chrono::steady_clock::time_point deadline) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK)
    return make_verdict(State::Unchecked, "zlib: out of memory");
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
          return make_verdict(State::Corrupt, "unexpected data after the gzip stream");
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
        return make_verdict(State::Corrupt,
                            std::string("gzip: ") + (zs.msg ? zs.msg : "data error"));
      } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
        return make_verdict(State::Unchecked, "zlib error " + std::to_string(ret));
      }
    }
  }
  if (auto failure = reader.failure()) return *failure;
  if (in_member) return make_verdict(State::Truncated, "gzip stream ends early");
  if (members == 0) return make_verdict(State::Truncated, "the file is empty");
  return make_verdict(State::Ok, "");
}

ArchiveVerdict check_zstd(ChunkReader& reader, std::chrono::steady_clock::time_point deadline) {
  std::unique_ptr<ZSTD_DCtx, std::size_t (*)(ZSTD_DCtx*)> context(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!context) return make_verdict(State::Unchecked, "zstd: out of memory");
  std::vector<char> out(ZSTD_DStreamOutSize());
  std::size_t pending = 0;   // 0 = a frame just ended and everything was flushed
  std::size_t produced = 0;  // by the last step
  bool any = false;
  const auto step = [&](ZSTD_inBuffer& in) -> std::optional<ArchiveVerdict> {
    ZSTD_outBuffer output{out.data(), out.size(), 0};
    pending = ZSTD_decompressStream(context.get(), &output, &in);
    produced = output.pos;
    if (ZSTD_isError(pending)) {
      return make_verdict(State::Corrupt, std::string("zstd: ") + ZSTD_getErrorName(pending));
    }
    return std::nullopt;
  };
  for (std::string_view chunk = reader.next(); !chunk.empty(); chunk = reader.next()) {
    if (past(deadline)) return too_slow();
    any = true;
    ZSTD_inBuffer in{chunk.data(), chunk.size(), 0};
    while (in.pos < in.size) {
      if (auto bad = step(in)) return *bad;
    }
  }
  if (auto failure = reader.failure()) return *failure;
  if (!any) return make_verdict(State::Truncated, "the file is empty");
  // Input is over: flush what the decoder still holds; no progress with work left = truncated.
  while (pending != 0) {
    if (past(deadline)) return too_slow();
    ZSTD_inBuffer none{nullptr, 0, 0};
    if (auto bad = step(none)) return *bad;
    if (pending != 0 && produced == 0) {
      return make_verdict(State::Truncated, "zstd frame ends early");
    }
  }
  return make_verdict(State::Ok, "");
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
                             std::chrono::steady_clock::time_point deadline) {
  try {
    ChunkReader reader(path);
    if (auto failure = reader.failure()) return *failure;
    return format == ArchiveFormat::Gzip ? check_gzip(reader, deadline)
                                         : check_zstd(reader, deadline);
  } catch (const std::bad_alloc&) {
    return make_verdict(State::Unchecked, "out of memory");
  }
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
