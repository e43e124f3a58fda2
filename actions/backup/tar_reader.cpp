#include "actions/backup/tar_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>
#include <vector>

#include "actions/backup/tar_format.h"
#include "config/text.h"

namespace watchdog::actions {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kMaxPaxHeader = 1 << 20;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> parts;
  for (std::size_t start = 0; start <= path.size();) {
    auto end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

struct PendingDirectory {
  std::string path;
  std::uint32_t mode;
  std::int64_t mtime;
};

class Extractor {
 public:
  Extractor(int archive, int root, Clock::time_point deadline)
      : archive_(archive), root_(root), deadline_(deadline) {}

  // Each file is fsynced once written, each directory once complete (not syncfs: that would
  // wait for every dirty page of the whole file system, past any deadline).
  ExtractedTree run() {
    if (members()) finish_directories();
    return std::move(out_);
  }

 private:
  bool fail(const std::string& error) {
    if (out_.error.empty()) out_.error = error;
    return false;
  }

  bool read_exact(char* data, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::read(archive_, data + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail("cannot read the archive: " + config::errno_text());
      if (n == 0) return fail("the archive ends early (truncated)");
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  // The data of a member (and its padding), chunk by chunk to `sink` (which may be empty).
  template <class Sink>
  bool read_data(std::uint64_t size, Sink&& sink) {
    std::uint64_t left = size + tar::padding(size);
    while (left > 0) {
      if (Clock::now() >= deadline_) return fail("timed out while extracting");
      const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer_.size()));
      if (!read_exact(buffer_.data(), chunk)) return false;
      const std::uint64_t data_left = left > tar::padding(size) ? left - tar::padding(size) : 0;
      const auto data = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, data_left));
      if (data > 0 && !sink(buffer_.data(), data)) return false;
      left -= chunk;
    }
    return true;
  }

  bool members() {
    std::string pax;
    char block[tar::kBlock];
    while (true) {
      if (Clock::now() >= deadline_) return fail("timed out while extracting");
      if (!read_exact(block, sizeof block)) return false;
      if (tar::is_zero_block(block)) {
        if (!read_exact(block, sizeof block)) return false;
        return tar::is_zero_block(block) || fail("damaged archive: an empty block inside it");
      }
      std::string error;
      auto header = tar::decode_header(block, error);
      if (!header) return fail(error);
      if (header->type == 'x' || header->type == 'g') {
        if (header->size > kMaxPaxHeader) return fail("pax header too large");
        std::string records;
        if (!read_data(header->size, [&](const char* d, std::size_t n) {
              records.append(d, n);
              return true;
            })) {
          return false;
        }
        if (header->type == 'x') pax = std::move(records);
        continue;
      }
      if (!pax.empty() && !tar::apply_pax(pax, *header, error)) return fail(error);
      pax.clear();
      auto entry = tar::to_entry(*header, error);
      if (!entry) return fail(error);
      ++out_.entries;
      if (!member(*entry)) return false;
    }
  }

  // The directory `parts[0..count)` under the root, each step opened with O_NOFOLLOW; missing
  // ones are created when `create`. -1 (and the error) when a step is a symlink or a file.
  Fd open_directory(const std::vector<std::string>& parts, std::size_t count, bool create) {
    Fd current(::dup(root_));
    for (std::size_t i = 0; i < count && current.get() >= 0; ++i) {
      const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
      int next = ::openat(current.get(), parts[i].c_str(), flags);
      if (next < 0 && errno == ENOENT && create &&
          ::mkdirat(current.get(), parts[i].c_str(), 0755) == 0) {
        next = ::openat(current.get(), parts[i].c_str(), flags);
      }
      if (next < 0) {
        std::string where;
        for (std::size_t j = 0; j <= i; ++j) where += (j ? "/" : "") + parts[j];
        fail(errno == ELOOP || errno == ENOTDIR
                 ? "refusing to write through " + where + ": not a directory (a symlink or file)"
                 : "cannot open " + where + ": " + config::errno_text());
        return Fd();
      }
      current = Fd(next);
    }
    return current;
  }

  bool member(const tar::Entry& entry) {
    if (entry.path.empty()) {  // the root: only its mode and mtime, at the end
      directories_.push_back({"", entry.mode, entry.mtime});
      return true;
    }
    const auto parts = components(entry.path);
    const Fd parent = open_directory(parts, parts.size() - 1, true);
    if (parent.get() < 0) return false;
    const char* leaf = parts.back().c_str();
    const timespec times[2] = {{entry.mtime, 0}, {entry.mtime, 0}};
    switch (entry.type) {
      case tar::Entry::Type::Directory: {
        struct stat st {};
        if (::mkdirat(parent.get(), leaf, 0700) != 0 &&
            (errno != EEXIST || ::fstatat(parent.get(), leaf, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
             !S_ISDIR(st.st_mode))) {
          return fail("cannot create directory " + entry.path + ": " + config::errno_text());
        }
        directories_.push_back({entry.path, entry.mode, entry.mtime});
        return true;
      }
      case tar::Entry::Type::Symlink:
        if (::symlinkat(entry.link.c_str(), parent.get(), leaf) != 0) {
          return fail("cannot create symlink " + entry.path + ": " + config::errno_text());
        }
        ::utimensat(parent.get(), leaf, times, AT_SYMLINK_NOFOLLOW);
        return true;
      case tar::Entry::Type::File:
        break;
    }
    const Fd file(
        ::openat(parent.get(), leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (file.get() < 0) return fail("cannot create " + entry.path + ": " + config::errno_text());
    const bool written = read_data(entry.size, [&](const char* data, std::size_t size) {
      for (std::size_t done = 0; done < size;) {
        const ssize_t n = ::write(file.get(), data + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail("cannot write " + entry.path + ": " + config::errno_text());
        done += static_cast<std::size_t>(n);
      }
      return true;
    });
    if (!written) return false;
    if (::fchmod(file.get(), entry.mode & 01777) != 0 || ::futimens(file.get(), times) != 0) {
      return fail("cannot set the mode or mtime of " + entry.path + ": " + config::errno_text());
    }
    if (::fsync(file.get()) != 0) {
      return fail("cannot sync " + entry.path + ": " + config::errno_text());
    }
    ++out_.files;
    out_.file_bytes += entry.size;
    return true;
  }

  // Modes and mtimes of directories once their contents are in place, deepest first.
  bool finish_directories() {
    auto depth = [](const PendingDirectory& d) {
      return d.path.empty() ? -1 : static_cast<int>(std::count(d.path.begin(), d.path.end(), '/'));
    };
    std::stable_sort(directories_.begin(), directories_.end(),
                     [&](const auto& a, const auto& b) { return depth(a) > depth(b); });
    for (const auto& directory : directories_) {
      if (Clock::now() >= deadline_) return fail("timed out while extracting");
      const auto parts =
          directory.path.empty() ? std::vector<std::string>{} : components(directory.path);
      const Fd fd = open_directory(parts, parts.size(), false);
      const timespec times[2] = {{directory.mtime, 0}, {directory.mtime, 0}};
      if (fd.get() < 0) return false;
      if (::fchmod(fd.get(), directory.mode & 01777) != 0 || ::futimens(fd.get(), times) != 0 ||
          ::fsync(fd.get()) != 0) {
        return fail("cannot set the mode or mtime of, or sync, " +
                    (directory.path.empty() ? std::string(".") : directory.path) + ": " +
                    config::errno_text());
      }
    }
    return true;
  }

  const int archive_;
  const int root_;
  const Clock::time_point deadline_;
  std::vector<char> buffer_ = std::vector<char>(64 << 10);
  std::vector<PendingDirectory> directories_;
  ExtractedTree out_;
};

}  // namespace

ExtractedTree extract_tree(const fs::path& archive, const fs::path& root,
                           Clock::time_point deadline) {
  const Fd input(::open(archive.c_str(), O_RDONLY | O_CLOEXEC));
  const Fd directory(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  ExtractedTree out;
  if (input.get() < 0 || directory.get() < 0) {
    out.error =
        "cannot open " + (input.get() < 0 ? archive : root).string() + ": " + config::errno_text();
    return out;
  }
  return Extractor(input.get(), directory.get(), deadline).run();
}

}  // namespace watchdog::actions
