// Issue #12: backup failures are loud even when the volume is full. The backup directory is a
// small tmpfs; the first scheduled backup fits, then a filler file takes every free byte, so the
// next scheduled backup fails with ENOSPC and not even the status file beside the backups can be
// written. The attempt is recorded under the state directory, the `backup` probe turns the
// component CRITICAL within one probe interval with the real error (in /status and the webhook
// alert), nothing partial is left behind, and once the filler is gone the next scheduled backup
// heals it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "probes/backup/backup_catalog.h"
#include "tests/integration/backup_fixture.h"
#include "tests/integration/harness.h"
#include "tests/support/tmpfs_mount.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
namespace bk = probes::backup;
namespace fs = std::filesystem;

// Appends to `file` until the filesystem has no byte left (ENOSPC); returns the bytes written.
std::uint64_t fill_up(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create filler: " + std::string(strerror(errno)));
  const std::vector<char> chunk(64 * 1024, 'x');
  std::uint64_t written = 0;
  while (true) {
    const ssize_t n = ::write(fd, chunk.data(), chunk.size());
    if (n > 0) {
      written += static_cast<std::uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // ENOSPC: full
  }
  ::close(fd);
  return written;
}

std::string probe_field(const nlohmann::json& status, const std::string& field) {
  auto c = find_component(status, "backups");
  if (!c.is_object() || c["probes"].empty()) return "";
  return c["probes"][0].value(field, "");
}

TEST(BackupFullVolume, FailedBackupOnAFullVolumeIsLoudAtOnceAndHeals) {
  TempDir dir;
  const fs::path volume = dir / "vol";
  REQUIRE_TMPFS(mount, volume, "2m");
  PostgresServer server;
  create_shop(server);
  WebhookReceiver receiver;
  const std::string dsn = "host=127.0.0.1 port=" + std::to_string(server.port()) +
                          " user=postgres dbname=shop password=" + server.password();
  const std::string yaml = fill(R"(
backups:
  - name: main
    dsn: ${MAIN_DSN}
    directory: @DIR@
    pg_dump: /usr/lib/postgresql/15/bin/pg_dump
    schedule: {interval: 3s}
    retention: {keep_last: 2}
components:
  - name: backups
    probes:
      - {name: main-backup, kind: backup, target: main, interval: 1s, timeout: 1s, jitter: 0s, recheck_interval: 200ms, failure_threshold: 1, success_threshold: 1}
alerts:
  - name: hook
    kind: webhook
    url: @URL@
)",
                                {{"DIR", volume.string()}, {"URL", receiver.url()}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml, {{"MAIN_DSN", dsn}}));

  // 1. The first scheduled backup fits (and the probe has seen it: a component starts HEALTHY).
  ASSERT_TRUE(wait_until(
      [&] {
        const auto status = watchdog.status();
        return component_state(status, "backups") == "HEALTHY" &&
               probe_field(status, "detail").starts_with("newest verified backup main_");
      },
      15s))
      << watchdog.log();

  // 2. The volume fills up; the next scheduled backup fails, and not even the status file beside
  //    the backups can be written: the attempt goes to the state directory.
  const std::uint64_t filler = fill_up(volume / "filler");
  EXPECT_GT(filler, 0u);
  const fs::path fallback = watchdog.state_dir() / "backup-status";
  std::optional<bk::Attempt> failed;
  ASSERT_TRUE(wait_until(
      [&] {
        // Keep it full: a backup caught half-way frees its partial file when it fails.
        fill_up(volume / "filler");
        failed = bk::read_status(fallback, "main").last_attempt;
        return failed && !failed->ok;
      },
      10s, 20ms))
      << watchdog.log();
  const auto recorded = std::chrono::steady_clock::now();
  EXPECT_NE(failed->error.find("no space left on device (" + volume.string() + " 100 % used)"),
            std::string::npos)
      << failed->error;

  // 3. Unhealthy within one probe interval (1 s; 0.5 s for polling and the engine's turn).
  ASSERT_TRUE(wait_until(
      [&] {
        const auto status = watchdog.status();
        return component_state(status, "backups") == "CRITICAL" &&
               probe_field(status, "detail").find("no space left on device") != std::string::npos;
      },
      1500ms, 20ms))
      << watchdog.log();
  EXPECT_LE(std::chrono::steady_clock::now() - recorded, 1500ms);
  const auto status = watchdog.status();
  EXPECT_EQ(probe_field(status, "status"), "unhealthy");
  const std::string detail = probe_field(status, "detail");
  EXPECT_TRUE(detail.starts_with("backup of main failed at ")) << detail;
  EXPECT_NE(detail.find("no space left on device"), std::string::npos) << detail;
  EXPECT_NE(detail.find("100 % used"), std::string::npos) << detail;
  EXPECT_LT(watchdog.metric("watchdog_backup_volume_free_bytes", {{"component", "backups"}}),
            64 * 1024);
  EXPECT_NE(watchdog.log().find("scheduled_backup target=main ok=false"), std::string::npos);

  bool alerted = false;
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& alert : receiver.requests("POST")) {
          if (alert.body.find("no space left on device") != std::string::npos) alerted = true;
        }
        return alerted;
      },
      10s))
      << "no alert names ENOSPC";
  // Nothing partial is left to make the full volume fuller.
  for (const auto& entry : fs::directory_iterator(volume)) {
    const std::string name = entry.path().filename().string();
    EXPECT_FALSE(name.ends_with(".partial") || name.ends_with(".tmp")) << name;
  }

  // 4. Space is freed; the next scheduled backup succeeds and the component is HEALTHY again.
  fs::remove(volume / "filler");
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "backups") == "HEALTHY"; }, 10s))
      << watchdog.log();
  EXPECT_TRUE(bk::read_status(volume, "main").last_attempt->ok);
  EXPECT_EQ(watchdog.log().find(server.password()), std::string::npos);
}

}  // namespace
}  // namespace watchdog::testing
