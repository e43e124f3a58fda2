#include "actions/backup/tar_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <utility>

#include "actions/backup/tar_format.h"
#include "config/text.h"

namespace watchdog::actions {
namespace {

namespace fs = std::filesystem;
namespace bk = probes::backup;
using Clock = std::chrono::steady_clock;
using Type = bk::ListedEntry::Type;

bool same_time(const struct stat& a, const struct stat& b) {
  return a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

class TreeWalker {
 public:
  TreeWalker(const fs::path& source, const std::vector<std::string>& exclude,
             const std::vector<fs::path>& skip, const TarSink& sink, Clock::time_point deadline)
      : source_(source), exclude_(exclude), sink_(sink), deadline_(deadline) {
    for (const auto& directory : skip) {
      struct stat st {};
      if (::stat(directory.c_str(), &st) == 0) skip_.insert({st.st_dev, st.st_ino});
    }
  }

  WrittenTree run() {
    struct stat root {};
    if (::stat(source_.c_str(), &root) != 0) {
      fail("cannot read source " + source_.string() + ": " + config::errno_text());
      return std::move(out_);
    }
    if (!S_ISDIR(root.st_mode)) {
      fail("source " + source_.string() + " is not a directory");
      return std::move(out_);
    }
    if (entry("", Type::Directory, root) && directory("")) emit(tar::end_of_archive());
    return std::move(out_);
  }

 private:
  bool ok() const { return out_.error.empty() && !out_.sink_failed; }

  bool emit(const std::string& bytes) { return emit(bytes.data(), bytes.size()); }
  bool emit(const char* data, std::size_t size) {
    if (ok() && !sink_(data, size)) out_.sink_failed = true;
    return ok();
  }

  bool fail(const std::string& error) {
    if (out_.error.empty()) out_.error = error;
    return false;
  }

  // Header and listing row of a directory or symlink (files: file()).
  bool entry(const std::string& relative, Type type, const struct stat& st,
             const std::string& link = "") {
    tar::Entry header{
        relative,
        type == Type::Directory ? tar::Entry::Type::Directory : tar::Entry::Type::Symlink,
        static_cast<std::uint32_t>(st.st_mode & 07777),
        0,
        st.st_mtim.tv_sec,
        link};
    out_.listing.push_back({relative, type, 0, "", link});
    return emit(tar::encode_header(header));
  }

  bool directory(const std::string& relative) {
    const fs::path path = relative.empty() ? source_ : source_ / relative;
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      names.push_back(it->path().filename().string());
    }
    if (ec == std::errc::no_such_file_or_directory && !relative.empty()) return true;  // vanished
    if (ec) return fail("cannot read " + path.string() + ": " + ec.message());
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      if (Clock::now() >= deadline_) return fail("timed out while reading " + source_.string());
      const std::string child = relative.empty() ? name : relative + "/" + name;
      if (tar::excluded(child, exclude_)) continue;
      if (!member(child)) return false;
    }
    return true;
  }

  bool member(const std::string& relative) {
    const fs::path path = source_ / relative;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      return errno == ENOENT || fail("cannot stat " + path.string() + ": " + config::errno_text());
    }
    if (S_ISDIR(st.st_mode)) {
      if (skip_.contains({st.st_dev, st.st_ino})) return true;
      return entry(relative, Type::Directory, st) && directory(relative);
    }
    if (S_ISLNK(st.st_mode)) {
      std::error_code ec;
      const auto target = fs::read_symlink(path, ec);
      if (ec == std::errc::no_such_file_or_directory) return true;
      if (ec) return fail("cannot read link " + path.string() + ": " + ec.message());
      return entry(relative, Type::Symlink, st, target.string());
    }
    if (S_ISREG(st.st_mode)) return file(relative);
    return true;  // sockets, FIFOs, devices: not data a restore could bring back
  }

  bool file(const std::string& relative) {
    const fs::path path = source_ / relative;
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      return errno == ENOENT || fail("cannot open " + path.string() + ": " + config::errno_text());
    }
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat before {};
    if (::fstat(fd, &before) != 0 || !S_ISREG(before.st_mode)) return true;  // replaced: gone
    const auto size = static_cast<std::uint64_t>(before.st_size);
    const tar::Entry header{
        relative, tar::Entry::Type::File, static_cast<std::uint32_t>(before.st_mode & 07777),
        size,     before.st_mtim.tv_sec,  ""};
    if (!emit(tar::encode_header(header))) return false;
    bk::Sha256 hash;
    std::uint64_t done = 0;
    while (done < size) {
      if (Clock::now() >= deadline_) return fail("timed out while reading " + path.string());
      const ssize_t n =
          ::read(fd, buffer_.data(), std::min<std::uint64_t>(buffer_.size(), size - done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail("cannot read " + path.string() + ": " + config::errno_text());
      if (n == 0) return changed(relative, "shrank");
      hash.update(buffer_.data(), static_cast<std::size_t>(n));
      if (!emit(buffer_.data(), static_cast<std::size_t>(n))) return false;
      done += static_cast<std::uint64_t>(n);
    }
    struct stat after {};
    char extra = 0;
    if (::read(fd, &extra, 1) > 0) return changed(relative, "grew");
    if (::fstat(fd, &after) != 0 || after.st_size != before.st_size || !same_time(before, after)) {
      return changed(relative, "was modified");
    }
    if (!emit(std::string(tar::padding(size), '\0'))) return false;
    out_.listing.push_back({relative, Type::File, size, hash.hex(), ""});
    ++out_.files;
    out_.file_bytes += size;
    return true;
  }

  bool changed(const std::string& relative, const char* how) {
    return fail(relative + " changed as we read it (" + how +
                "): not backed up torn; exclude it or back it up when it is quiet");
  }

  const fs::path& source_;
  const std::vector<std::string>& exclude_;
  const TarSink& sink_;
  const Clock::time_point deadline_;
  std::set<std::pair<dev_t, ino_t>> skip_;
  std::vector<char> buffer_ = std::vector<char>(64 << 10);
  WrittenTree out_;
};

}  // namespace

WrittenTree write_tree(const fs::path& source, const std::vector<std::string>& exclude,
                       const std::vector<fs::path>& skip, const TarSink& sink,
                       Clock::time_point deadline) {
  return TreeWalker(source, exclude, skip, sink, deadline).run();
}

}  // namespace watchdog::actions
