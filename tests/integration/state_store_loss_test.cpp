// The state store under loss, through the real binary (issue #20): watchdog.db deleted under a
// running daemon, the state filesystem full (a real tmpfs), a damaged file given to the CLI,
// and `watchdog alerts` showing when an undelivered alert is tried next.
//
// The "service" is a flag file: a command probe passes while DIR/up exists; the recovery action
// records each run in DIR/actions.log and brings the flag back unless DIR/NOFIX exists.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "tests/integration/harness.h"
#include "tests/support/tmpfs_mount.h"
#include "watchdog/alerts/outbox.h"
#include "watchdog/store/incident_journal.h"
#include "watchdog/store/state_store.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string flag_service_yaml(const TempDir& dir, int max_attempts) {
  write_script(dir, "fix.sh",
               fill(R"(#!/bin/sh
echo run >> @DIR@/actions.log
[ -f @DIR@/NOFIX ] && exit 1
touch @DIR@/up
)",
                    {{"DIR", dir.path().string()}}));
  return fill(R"(defaults:
  interval: 200ms
  recheck_interval: 100ms
  timeout: 150ms
  failure_threshold: 1
  success_threshold: 1
components:
  - name: svc
    probes:
      - name: flag
        kind: command
        argv: ["/bin/sh", "-c", "test -f @DIR@/up || exit 2"]
    recovery:
      max_attempts: @MAX@
      backoff: 100ms
      verify_timeout: 2s
      actions:
        - name: fix
          kind: command
          argv: ["@DIR@/fix.sh"]
          timeout: 5s
)",
              {{"DIR", dir.path().string()}, {"MAX", std::to_string(max_attempts)}});
}

CommandResult cli(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kWatchdog};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

int occurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// Appends to `file` until the filesystem has no byte left (ENOSPC).
void fill_up(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create filler: " + std::string(strerror(errno)));
  const std::vector<char> chunk(64 * 1024, 'x');
  while (true) {
    const ssize_t n = ::write(fd, chunk.data(), chunk.size());
    if (n > 0 || (n < 0 && errno == EINTR)) continue;
    break;
  }
  ::close(fd);
}

// Deleted under the running daemon: noticed within seconds, recreated with the FAILED state and
// its attempts, a restart still knows them, and `watchdog reset` written to the new file works.
TEST(StateStoreLoss, DeletedDatabaseIsRecreatedAndRequestsReachTheDaemon) {
  TempDir dir;
  dir.write("up", "");
  dir.write("NOFIX", "");
  const auto yaml = flag_service_yaml(dir, 1);
  {
    WatchdogProcess watchdog(dir, watchdog_options(yaml));
    fs::remove(dir / "up");
    ASSERT_TRUE(
        wait_until([&] { return component_state(watchdog.status(), "svc") == "FAILED"; }, 10s))
        << watchdog.log();
    for (const char* name : {"watchdog.db", "watchdog.db-wal", "watchdog.db-shm"}) {
      fs::remove(watchdog.state_dir() / name);
    }
    // Checked every 2 s: 10 s is a generous bound for "within seconds" on a loaded machine.
    ASSERT_TRUE(wait_until(
        [&] { return watchdog.log().find("state_store_lost") != std::string::npos; }, 10s))
        << watchdog.log();
    const auto log = watchdog.log();
    EXPECT_EQ(occurrences(log, "state_store_lost"), 1) << log;
    EXPECT_NE(log.find("found=deleted"), std::string::npos) << log;
    EXPECT_TRUE(fs::exists(watchdog.state_dir() / "watchdog.db"));
    EXPECT_EQ(watchdog.metric("watchdog_state_store_recreated_total"), 1);
    auto listed = cli({"incidents", "--json", "--state-dir", watchdog.state_dir().string()});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    auto incidents = nlohmann::json::parse(listed.out);
    ASSERT_EQ(incidents.size(), 1u) << listed.out;
    EXPECT_EQ(incidents[0]["attempts"], 1);
    watchdog.process().signal(SIGKILL);
    watchdog.process().wait(5s);
  }
  WatchdogProcess restarted(dir, watchdog_options(yaml));
  EXPECT_EQ(component_state(restarted.status(), "svc"), "FAILED") << restarted.log();
  EXPECT_NE(restarted.log().find("component_restored component=svc state=FAILED"),
            std::string::npos)
      << restarted.log();
  fs::remove(dir / "NOFIX");
  auto reset = cli({"reset", "svc", "-c", restarted.config_path().string()});
  EXPECT_EQ(reset.exit_code, 0) << reset.out << reset.err;
  EXPECT_NE(reset.out.find("probing again"), std::string::npos) << reset.out;
}

// A request written to the recreated file while the same daemon keeps running reaches it.
TEST(StateStoreLoss, PauseAfterTheLossReachesTheRunningDaemon) {
  TempDir dir;
  dir.write("up", "");
  WatchdogProcess watchdog(dir, watchdog_options(flag_service_yaml(dir, 3)));
  for (const char* name : {"watchdog.db", "watchdog.db-wal", "watchdog.db-shm"}) {
    fs::remove(watchdog.state_dir() / name);
  }
  // `pause` creates a fresh file at once: the daemon adopts it (found=replaced) and its request.
  auto pause = cli({"pause", "svc", "--for", "10m", "-c", watchdog.config_path().string()});
  ASSERT_EQ(pause.exit_code, 0) << pause.out << pause.err;
  ASSERT_TRUE(wait_until(
      [&] { return find_component(watchdog.status(), "svc").value("muted", false); }, 10s))
      << watchdog.log();
  EXPECT_NE(watchdog.log().find("state_store_lost"), std::string::npos) << watchdog.log();
}

// The state filesystem fills up: one log line (not two a second per component), a counter, the
// journal entries of the full period kept in memory and written once space is back.
TEST(StateStoreFull, JournalEntriesWaitInMemoryUntilSpaceReturns) {
  TempDir dir;
  REQUIRE_TMPFS(mount, dir / "state", "4m");
  dir.write("up", "");
  WatchdogProcess watchdog(dir, watchdog_options(flag_service_yaml(dir, 3)));
  fill_up(watchdog.state_dir() / "filler");
  fs::remove(dir / "up");  // an incident: transitions, an action, its outcome, HEALTHY again
  ASSERT_TRUE(wait_until([&] { return fs::exists(dir / "actions.log"); }, 10s)) << watchdog.log();
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "svc") == "HEALTHY"; }, 10s))
      << watchdog.log();
  std::this_thread::sleep_for(2s);  // a quiet period that used to log twice a second
  const auto full_log = watchdog.log();
  EXPECT_EQ(occurrences(full_log, "state_store_write_failed"), 1) << full_log;
  EXPECT_EQ(occurrences(full_log, "state_save_failed"), 0) << full_log;
  EXPECT_GT(watchdog.metric("watchdog_state_store_write_failures_total"), 0);
  EXPECT_GT(watchdog.metric("watchdog_state_store_backlog_entries"), 0);

  fs::remove(watchdog.state_dir() / "filler");
  ASSERT_TRUE(
      wait_until([&] { return watchdog.metric("watchdog_state_store_backlog_entries") == 0; }, 10s))
      << watchdog.log();
  EXPECT_NE(watchdog.log().find("state_store_write_recovered"), std::string::npos);
  auto listed = cli({"incidents", "--json", "--state-dir", watchdog.state_dir().string()});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto incidents = nlohmann::json::parse(listed.out);
  ASSERT_EQ(incidents.size(), 1u) << listed.out;
  EXPECT_EQ(incidents[0]["status"], "closed") << listed.out;
  auto shown = cli({"incidents", "show", incidents[0]["id"].get<std::string>(), "--state-dir",
                    watchdog.state_dir().string()});
  EXPECT_NE(shown.out.find("-> HEALTHY"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("fix"), std::string::npos) << shown.out;
}

// A damaged state file: the CLI says so and exits 2. The damage is in the incident timelines,
// which `incidents` does not read: before, it printed the incident table with exit 0.
TEST(StateStoreCli, ADamagedDatabaseIsRefusedWithExit2) {
  TempDir dir;
  const auto state = dir / "state";
  fs::create_directories(state);
  {
    auto store = store::StateStore::open(state);
    store::IncidentJournal journal(store->db());
    store::IncidentRecord record;
    record.id = "inc-1";
    record.component = "db";
    record.opened = std::chrono::system_clock::now();
    record.worst_state = "CRITICAL";
    record.reason = "probe failed";
    journal.upsert(record);
    for (int i = 0; i < 400; ++i) {
      journal.append("inc-1", record.opened, "probe", std::string(200, 'x'));
    }
  }  // the last close checkpoints: everything is in the main file (~44 pages)
  {
    std::fstream file(state / "watchdog.db", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(20 * 4096);
    const std::string junk(3 * 4096, '\x5a');
    file.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  const std::vector<std::vector<std::string>> commands = {
      {"incidents"}, {"alerts"}, {"reset", "db", "--wait", "1s"}, {"gameday", "history"}};
  for (const auto& args : commands) {
    auto argv = args;
    argv.insert(argv.end(), {"--state-dir", state.string()});
    auto result = cli(argv);
    EXPECT_EQ(result.exit_code, 2) << args[0] << ": " << result.out << result.err;
    EXPECT_NE(result.err.find((state / "watchdog.db").string()), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("not a usable state database"), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "") << "nothing read from a damaged file";
  }
}

// `watchdog alerts` shows when a pending alert is tried next.
TEST(StateStoreCli, AlertsShowsTheNextRetryOfAPendingAlert) {
  TempDir dir;
  const auto state = dir / "state";
  fs::create_directories(state);
  store::StateStore::open(state);
  auto outbox = alerts::Outbox::open(store::StateStore::file_in(state));
  alerts::OutboxEntry entry;
  entry.key = "evt-1";
  entry.component = "db";
  entry.incident_id = "inc-1";
  entry.state = "CRITICAL";
  entry.type = "state_change";
  entry.payload = "{}";
  entry.created = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  const auto rows = outbox->enqueue(entry, {"slack"});
  ASSERT_EQ(rows.size(), 1u);
  outbox->reschedule(rows[0].id, entry.created + std::chrono::seconds(90), 2, "HTTP 503");
  auto result = cli({"alerts", "--state-dir", state.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("next try 2027-01-15T08:01:30.000Z"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("(HTTP 503)"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace watchdog::testing
