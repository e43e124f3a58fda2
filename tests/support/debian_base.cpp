#include "tests/support/debian_base.h"

#include <unistd.h>

#include <sstream>
#include <stdexcept>

#include "tests/support/temp_dir.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

// The host's own Debian mirror (deb822 sources), so the base and the apt-get inside image builds
// use whatever this machine is allowed to reach; deb.debian.org otherwise.
std::string host_mirror() {
  std::istringstream sources(read_text("/etc/apt/sources.list.d/debian.sources"));
  for (std::string line; std::getline(sources, line);) {
    if (!line.starts_with("URIs:")) continue;
    std::istringstream uris(line.substr(5));
    std::string first;
    if (uris >> first && !first.ends_with("-security")) return first;
  }
  return "http://deb.debian.org/debian";
}

std::filesystem::path cached_tarball(const std::filesystem::path& cache_dir) {
  const auto tarball = cache_dir / "debian-bookworm-minbase.tar";
  if (std::filesystem::exists(tarball)) return tarball;
  std::filesystem::create_directories(cache_dir);
  TempDir work;
  const auto rootfs = work / "rootfs";
  auto made = run_command({"/usr/sbin/debootstrap", "--variant=minbase", "bookworm",
                           rootfs.string(), host_mirror()},
                          {}, 10min);
  if (made.exit_code != 0) {
    throw std::runtime_error("debootstrap failed (" + std::to_string(made.exit_code) +
                             "):\n" + made.out + made.err);
  }
  // As debian:bookworm-slim: no package lists, downloaded packages, docs, manuals or locales
  // (206 MB → ~80 MB, and every image layer built on it is that much smaller).
  for (const char* bulky : {"var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc",
                            "usr/share/man", "usr/share/locale", "usr/share/info"}) {
    if (!std::filesystem::is_directory(rootfs / bulky)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(rootfs / bulky)) {
      std::filesystem::remove_all(entry);
    }
  }
  // Written beside the final name, then renamed: a test killed half-way leaves no torn cache.
  const auto partial = cache_dir / ("debian-bookworm-minbase.tar." + std::to_string(getpid()));
  auto tar = run_command({"/bin/tar", "-C", rootfs.string(), "-cf", partial.string(), "."}, {},
                         5min);
  if (tar.exit_code != 0) throw std::runtime_error("tar of the debootstrap tree failed: " + tar.err);
  std::filesystem::rename(partial, tarball);
  return tarball;
}

}  // namespace

std::string import_debian_base(const DockerdServer& engine, const std::filesystem::path& cache_dir,
                               const std::string& tag) {
  const auto tarball = cached_tarball(cache_dir);
  auto imported = engine.docker({"import", tarball.string(), tag}, 5min);
  if (imported.exit_code != 0) {
    throw std::runtime_error("docker import of " + tarball.string() + " failed: " + imported.err);
  }
  return tag;
}

}  // namespace watchdog::testing
