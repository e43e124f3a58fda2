#pragma once
// A Debian 12 base image for `docker build` in tests, since no registry is reachable here:
// `debootstrap --variant=minbase bookworm` (≈ 1–2 min, Debian's mirror), trimmed → a tarball
// kept in `cache_dir`, so later tests of the same run import it in seconds → `docker import`.
// Throws std::runtime_error with debootstrap's output when the base cannot be made.

#include <filesystem>
#include <string>

#include "tests/support/dockerd_server.h"

namespace watchdog::testing {

// Imports the base into `engine` as `tag` and returns the tag.
std::string import_debian_base(const DockerdServer& engine, const std::filesystem::path& cache_dir,
                               const std::string& tag = "watchdog-debian-base:bookworm");

}  // namespace watchdog::testing
