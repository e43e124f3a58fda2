// The `postgres` probe's WAL checks (issue #18) against a real PostgreSQL 15: archiving with an
// archive_command the test controls, a real streaming standby from pg_basebackup -R, and an
// inactive replication slot. The probe is driven directly, check by check.
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/postgres_probe_fixture.h"
#include "tests/support/temp_dir.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using probes::FailureKind;
using probes::ProbeResult;
using probes::ProbeStatus;

constexpr auto kCheckTimeout = 5s;

// Checks every 200 ms until `done` holds for a result (returned) or `limit` passes (the last
// result, for the failure message).
ProbeResult check_until(probes::Probe& probe, const std::function<bool(const ProbeResult&)>& done,
                        std::chrono::milliseconds limit = 20s) {
  ProbeResult result;
  wait_until([&] { return done(result = probe.check(kCheckTimeout)); }, limit, 200ms);
  return result;
}

bool is(const ProbeResult& result, ProbeStatus status, FailureKind failure = FailureKind::None) {
  return result.status == status && result.failure == failure;
}

std::string trimmed(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// Switches to a new WAL segment and waits until the archiver copied the old one.
void switch_and_wait_for_archive(const PostgresServer& server) {
  const std::string segment = trimmed(server.psql("SELECT pg_walfile_name(pg_switch_wal())"));
  ASSERT_TRUE(wait_until(
      [&] {
        return trimmed(server.psql("SELECT last_archived_wal FROM pg_stat_archiver")) >= segment;
      },
      20s))
      << "segment " << segment << " was not archived";
  EXPECT_TRUE(std::filesystem::exists(server.archive_dir() / segment));
}

TEST(PostgresWal, IdleServerStaysHealthyWritesTurnUnhealthyAndTheArchiveHeals) {
  PostgresServer server(PostgresOptions{.archive = true});
  server.psql("CREATE TABLE items (id int)");
  switch_and_wait_for_archive(server);
  auto probe = make(keys(server, "        archive_rpo: 2s\n"));

  // Idle: more than twice the RPO without writes (the last archive only gets older). A forced
  // checkpoint writes WAL past the archived segment but changes no rows: still not a write.
  server.psql("CHECKPOINT");
  const auto idle_until = std::chrono::steady_clock::now() + 4500ms;
  while (std::chrono::steady_clock::now() < idle_until) {
    auto result = probe->check(kCheckTimeout);
    ASSERT_TRUE(is(result, ProbeStatus::Healthy)) << describe(result);
    EXPECT_EQ(measurement(result, "postgres_archive_exposure_seconds"), 0);
    EXPECT_EQ(measurement(result, "postgres_archive_failing"), 0);
    EXPECT_EQ(measurement(result, "postgres_archive_rpo_seconds"), 2);
    std::this_thread::sleep_for(300ms);
  }
  auto idle = probe->check(kCheckTimeout);
  EXPECT_GT(measurement(idle, "postgres_archive_age_seconds").value_or(0), 4.0) << describe(idle);
  EXPECT_GT(measurement(idle, "postgres_archive_pending_bytes").value_or(0), 0) << "checkpoint";

  // Writes, no segment switch: unhealthy once they have waited longer than the RPO.
  server.psql("INSERT INTO items SELECT generate_series(1, 1000)");
  auto late =
      check_until(*probe, [](const ProbeResult& r) { return r.status != ProbeStatus::Healthy; });
  ASSERT_TRUE(is(late, ProbeStatus::Unhealthy, FailureKind::Threshold)) << describe(late);
  EXPECT_EQ(late.detail.rfind("WAL not archived for ", 0), 0u) << late.detail;
  EXPECT_NE(late.detail.find("(archive_rpo 2s)"), std::string::npos) << late.detail;
  EXPECT_NE(late.detail.find("pending; last archived 0000000100000000000000"), std::string::npos)
      << late.detail;
  EXPECT_GT(measurement(late, "postgres_archive_exposure_seconds").value_or(0), 2.0);
  EXPECT_GT(measurement(late, "postgres_archive_pending_bytes").value_or(0), 0);

  // Archived: healthy again at the next check.
  switch_and_wait_for_archive(server);
  auto healed = probe->check(kCheckTimeout);
  EXPECT_TRUE(is(healed, ProbeStatus::Healthy)) << describe(healed);
  EXPECT_EQ(measurement(healed, "postgres_archive_exposure_seconds"), 0);
}

TEST(PostgresWal, FailingArchiveCommandIsAnErrorWithinOneCheck) {
  PostgresServer server(PostgresOptions{.archive = true});
  auto probe = make(keys(server, "        archive_rpo: 1h\n"));
  auto first = probe->check(kCheckTimeout);
  ASSERT_TRUE(is(first, ProbeStatus::Healthy)) << describe(first);

  server.set_archive_failing(true);
  server.psql("CREATE TABLE items (id int)");
  server.psql("SELECT pg_switch_wal()");
  ASSERT_TRUE(wait_until(
      [&] { return server.psql("SELECT failed_count > 0 FROM pg_stat_archiver") == "t\n"; }, 20s));
  const std::string failed_wal =
      trimmed(server.psql("SELECT last_failed_wal FROM pg_stat_archiver"));
  auto failing = probe->check(kCheckTimeout);
  ASSERT_TRUE(is(failing, ProbeStatus::Unhealthy, FailureKind::Error)) << describe(failing);
  EXPECT_EQ(failing.detail.rfind("WAL archiving is failing: " + failed_wal + " failed at ", 0), 0u)
      << failing.detail;
  EXPECT_EQ(measurement(failing, "postgres_archive_failing"), 1);
  EXPECT_GE(measurement(failing, "postgres_archive_failures_total").value_or(0), 1);
  EXPECT_EQ(failing.detail.find(server.password()), std::string::npos);

  // Repaired: the next segment switch wakes the archiver, which catches up.
  server.set_archive_failing(false);
  server.psql("INSERT INTO items VALUES (1)");
  server.psql("SELECT pg_switch_wal()");
  auto healed = check_until(
      *probe, [](const ProbeResult& r) { return r.status == ProbeStatus::Healthy; }, 60s);
  EXPECT_TRUE(is(healed, ProbeStatus::Healthy)) << describe(healed);
  EXPECT_EQ(measurement(healed, "postgres_archive_failing"), 0);
}

// The archiver fails once and its retry succeeds, all between two checks of a probe that keeps
// its connection: that check must still say so (a retry of the check on the kept connection
// once judged the same figures a second time and reported Healthy).
TEST(PostgresWal, FailureRecoveredBetweenChecksIsAnErrorOnAKeptConnection) {
  PostgresServer server(PostgresOptions{.archive = true});
  server.psql("CREATE TABLE items (id int)");
  switch_and_wait_for_archive(server);
  auto probe = make(keys(server, "        archive_rpo: 1h\n"));
  auto first = probe->check(kCheckTimeout);
  ASSERT_TRUE(is(first, ProbeStatus::Healthy)) << describe(first);

  server.set_archive_failing(true);
  server.psql("INSERT INTO items VALUES (1)");
  const std::string segment = trimmed(server.psql("SELECT pg_walfile_name(pg_switch_wal())"));
  ASSERT_TRUE(wait_until(
      [&] { return server.psql("SELECT failed_count > 0 FROM pg_stat_archiver") == "t\n"; }, 20s));
  server.set_archive_failing(false);  // the archiver's retry (1 s later) succeeds
  ASSERT_TRUE(wait_until(
      [&] {
        return trimmed(server.psql("SELECT last_archived_wal FROM pg_stat_archiver")) >= segment;
      },
      20s));
  ASSERT_EQ(server.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                        "'watchdog'"),
            "1\n")
      << "the probe keeps its connection";

  auto recovered = probe->check(kCheckTimeout);
  ASSERT_TRUE(is(recovered, ProbeStatus::Unhealthy, FailureKind::Error)) << describe(recovered);
  EXPECT_EQ(recovered.detail.rfind("WAL archiving is failing: " + segment + " failed at ", 0), 0u)
      << recovered.detail;
  EXPECT_EQ(measurement(recovered, "postgres_archive_failing"), 1);
  const double failures = measurement(recovered, "postgres_archive_failures_total").value_or(0);
  EXPECT_GE(failures, 1);

  auto next = probe->check(kCheckTimeout);
  EXPECT_TRUE(is(next, ProbeStatus::Healthy)) << describe(next);
  EXPECT_EQ(measurement(next, "postgres_archive_failing"), 0);
  EXPECT_EQ(measurement(next, "postgres_archive_failures_total"), failures);
}

TEST(PostgresWal, ArchiveRpoWithArchiveModeOffIsAnError) {
  PostgresServer server;
  auto result = make(keys(server, "        archive_rpo: 5m\n"))->check(kCheckTimeout);
  EXPECT_TRUE(is(result, ProbeStatus::Unhealthy, FailureKind::Error)) << describe(result);
  EXPECT_EQ(result.detail, "archive_rpo is set but archive_mode is off");
  EXPECT_EQ(measurement(result, "postgres_archive_rpo_seconds"), 300);
}

TEST(PostgresWal, PausedStandbyShowsReplayLagOnThePrimary) {
  PostgresServer primary;
  auto standby = PostgresServer::standby_of(primary);
  const std::string replication_keys =
      "        min_standbys: 1\n        replication_lag_bytes_warn: 64KiB\n";
  auto probe = make(keys(primary, replication_keys));
  auto streaming = check_until(*probe, [](const ProbeResult& r) {
    return measurement(r, "postgres_standbys_streaming") == 1;
  });
  ASSERT_TRUE(is(streaming, ProbeStatus::Healthy)) << describe(streaming);
  // Streaming may start a record or two behind: wait for it to catch up, not assume it.
  auto caught_up_at_start = check_until(*probe, [](const ProbeResult& r) {
    return measurement(r, "postgres_standby_replay_lag_bytes") == 0;
  });
  EXPECT_EQ(measurement(caught_up_at_start, "postgres_standby_replay_lag_bytes"), 0)
      << describe(caught_up_at_start);

  standby->psql("SELECT pg_wal_replay_pause()");
  primary.psql("CREATE TABLE items AS SELECT g FROM generate_series(1, 20000) g");
  auto behind =
      check_until(*probe, [](const ProbeResult& r) { return r.status != ProbeStatus::Healthy; });
  ASSERT_TRUE(is(behind, ProbeStatus::Degraded, FailureKind::Threshold)) << describe(behind);
  EXPECT_NE(behind.detail.find("(streaming): write "), std::string::npos) << behind.detail;
  EXPECT_NE(behind.detail.find("(byte lag warning at 64 KiB)"), std::string::npos) << behind.detail;
  EXPECT_GT(measurement(behind, "postgres_standby_replay_lag_bytes").value_or(0), 64 * 1024);
  EXPECT_EQ(measurement(behind, "postgres_standbys_streaming"), 1);

  // The standby itself is not judged as a primary: no replication verdict, no figures.
  auto on_standby = make(keys(*standby, replication_keys))->check(kCheckTimeout);
  EXPECT_TRUE(is(on_standby, ProbeStatus::Healthy)) << describe(on_standby);
  EXPECT_EQ(measurement(on_standby, "postgres_in_recovery"), 1);
  EXPECT_FALSE(measurement(on_standby, "postgres_standbys_streaming"));

  standby->psql("SELECT pg_wal_replay_resume()");
  auto caught_up =
      check_until(*probe, [](const ProbeResult& r) { return r.status == ProbeStatus::Healthy; });
  EXPECT_TRUE(is(caught_up, ProbeStatus::Healthy)) << describe(caught_up);
}

// A user without pg_monitor sees another user's standby with state NULL: the probe says it
// cannot see it rather than "0 standby(s) streaming".
TEST(PostgresWal, StandbyHiddenWithoutPgMonitorIsSaidSo) {
  PostgresServer primary;
  auto standby = PostgresServer::standby_of(primary);
  primary.psql("CREATE ROLE watcher LOGIN PASSWORD 'watcher-pw'");
  auto probe = make("        host: 127.0.0.1\n        port: " + std::to_string(primary.port()) +
                    "\n        user: watcher\n        dbname: postgres\n"
                    "        password: watcher-pw\n        min_standbys: 1\n");
  auto hidden = check_until(*probe, [](const ProbeResult& r) {
    return r.status == ProbeStatus::Degraded && r.failure == FailureKind::Error;
  });
  ASSERT_TRUE(is(hidden, ProbeStatus::Degraded, FailureKind::Error)) << describe(hidden);
  EXPECT_EQ(hidden.detail,
            "cannot see the state of 1 standby(s): grant pg_monitor to this user (0 streaming "
            "seen)");

  primary.psql("GRANT pg_monitor TO watcher");
  auto granted =
      check_until(*probe, [](const ProbeResult& r) { return r.status == ProbeStatus::Healthy; });
  EXPECT_TRUE(is(granted, ProbeStatus::Healthy)) << describe(granted);
  EXPECT_EQ(measurement(granted, "postgres_standbys_streaming"), 1);
}

TEST(PostgresWal, InactiveSlotRetainingWalIsDegraded) {
  PostgresServer server;
  server.psql("SELECT pg_create_physical_replication_slot('idle_slot', true)");
  server.psql(
      "CREATE TABLE filler AS SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 30000) g");
  server.psql("SELECT pg_switch_wal()");
  auto probe = make(keys(server, "        slot_retained_warn: 1MiB\n"));
  auto result = probe->check(kCheckTimeout);
  ASSERT_TRUE(is(result, ProbeStatus::Degraded, FailureKind::Threshold)) << describe(result);
  EXPECT_EQ(result.detail.rfind("slot idle_slot (inactive) retains ", 0), 0u) << result.detail;
  EXPECT_NE(result.detail.find(" of WAL (warning at 1 MiB)"), std::string::npos) << result.detail;
  EXPECT_GE(measurement(result, "postgres_replication_slots_inactive").value_or(0), 1);
  EXPECT_GT(measurement(result, "postgres_replication_slot_retained_bytes").value_or(0),
            1024 * 1024);

  server.psql("SELECT pg_drop_replication_slot('idle_slot')");
  auto dropped = probe->check(kCheckTimeout);
  EXPECT_TRUE(is(dropped, ProbeStatus::Healthy)) << describe(dropped);
  EXPECT_EQ(measurement(dropped, "postgres_replication_slots_inactive"), 0);
  EXPECT_FALSE(measurement(dropped, "postgres_replication_slot_retained_bytes"));
}

}  // namespace
}  // namespace watchdog::testing
