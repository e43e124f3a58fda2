#pragma once
// The `backup` probe tests' fixture: a temp directory as the target `main`'s backup directory,
// probes built through the real loader and factory, and synthetic catalog entries with real
// data files.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "config/loader.h"
#include "probes/backup/backup_catalog.h"
#include "probes/factory.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes {

class BackupProbeTest : public ::testing::Test {
 protected:
  // `target_keys`: more keys of the `backups:` entry, each line "    key: value\n".
  std::unique_ptr<Probe> probe(const std::string& keys = "", const std::string& target_keys = "") {
    auto config = config::load_config_text(
        "backups:\n  - name: main\n    dbname: shop\n    rpo: 1h\n    directory: " +
            dir.path().string() + "\n" + target_keys +
            "components:\n  - name: backups\n    probes:\n      - name: main-backup\n"
            "        kind: backup\n        target: main\n" +
            keys,
        "test.yaml");
    return make_probe(config.components.at(0).probes.at(0), config.backups);
  }
  // A backup that finished `age` ago, verified (or not, or failed).
  backup::BackupMetadata backup(std::chrono::seconds age, std::optional<bool> verified = true,
                                const std::string& content = "dumpdata") {
    const auto finished =
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) - age;
    return backup_at(finished - std::chrono::seconds(2), finished, verified, content);
  }
  backup::BackupMetadata backup_at(backup::SystemTime started, backup::SystemTime finished,
                                   std::optional<bool> verified = true,
                                   const std::string& content = "dumpdata") {
    backup::BackupMetadata m;
    m.target = "main";
    m.finished = finished;
    m.started = started;
    m.name = backup::backup_name("main", m.started);
    m.file = backup::backup_file(m.name, "custom");
    m.format = "custom";
    dir.write(m.file, content);
    m.size_bytes = content.size();
    m.sha256 = "00";
    if (verified)
      m.verification =
          backup::Verification{m.finished, *verified, *verified ? "" : "checksum mismatch"};
    std::string error;
    EXPECT_TRUE(backup::write_metadata(dir.path(), m, error)) << error;
    return m;
  }
  ProbeResult check(const std::string& keys = "") {
    return probe(keys)->check(std::chrono::seconds(2));
  }
  testing::TempDir dir;
};

}  // namespace watchdog::probes
