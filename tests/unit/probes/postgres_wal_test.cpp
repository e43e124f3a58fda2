// The `postgres` probe's WAL evaluation (probes/postgres_wal.h): segment names → LSN, the
// archive exposure rule across checks, failures and the replication thresholds. Pure: figures
// in, verdicts out; the real server is in tests/integration/postgres_wal_test.cpp.
#include "probes/postgres_wal.h"

#include <gtest/gtest.h>

#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes::postgres_wal {
namespace {

using namespace std::chrono_literals;
constexpr std::uint64_t MiB = 1024 * 1024;

std::optional<double> value_of(const Evaluation& evaluation, const std::string& name) {
  for (const auto& m : evaluation.measurements) {
    if (m.name == name) return m.value;
  }
  return std::nullopt;
}

TEST(PostgresWalSegment, NameToEndLsn) {
  struct Case {
    std::string name;
    std::uint64_t segment_size;
    std::optional<std::uint64_t> end;
  };
  const std::vector<Case> cases = {
      {"000000010000000000000003", 16 * MiB, 0x4000000},
      {"000000010000000A000000FF", 16 * MiB, 0xB00000000},  // last segment of log A
      {"000000030000000200000010", 64 * MiB, 2 * 0x100000000 + 0x11 * 64 * MiB},  // timeline 3
      {"00000001000000000000003F", 64 * MiB, 0x100000000},
      {"000000010000000000000001", 64 * MiB, 0x8000000},     // 16 MiB would say 0x2000000
      {"000000010000000000000040", 64 * MiB, std::nullopt},  // no such segment at 64 MiB
      {"000000010000000000000FFF", 1 * MiB, 0x100000000},
      {"000000010000000000000003.partial", 16 * MiB, 0x4000000},
      {"000000010000000000000003.00000028.backup", 16 * MiB, 0x4000000},
      {"00000002.history", 16 * MiB, std::nullopt},
      {"00000001000000000000000a", 16 * MiB, std::nullopt},  // PostgreSQL writes upper case
      {"000000010000000000000003x", 16 * MiB, std::nullopt},
      {"000000000000000000000003", 16 * MiB, std::nullopt},  // timeline 0 does not exist
      {"000000010000000000000003", 0, std::nullopt},
      {"000000010000000000000003", 3 * MiB, std::nullopt},  // not a power of two
  };
  for (const auto& c : cases) {
    EXPECT_EQ(segment_end_lsn(c.name, c.segment_size), c.end) << c.name << " / " << c.segment_size;
  }
}

// One check's figures on a primary with archive_mode on and 16 MiB segments, and what it should
// conclude.
struct Step {
  double now;
  std::uint64_t lsn;
  std::optional<std::string> archived_wal;
  std::optional<double> archived_time;
  std::uint64_t rows = 0;  // rows written so far (pg_stat_database)
  long long failed_count = 0;
  std::optional<double> failed_time = std::nullopt;
  ProbeStatus status = ProbeStatus::Healthy;
  FailureKind failure = FailureKind::None;
  double exposure = 0;
  double pending = 0;
  std::string detail = "";
};

void run_steps(const std::vector<Step>& steps, std::uint64_t segment_size = 16 * MiB) {
  Settings settings;
  settings.archive_rpo = 5min;
  Memory memory;
  int index = 0;
  for (const auto& step : steps) {
    Figures figures;
    figures.now = step.now;
    figures.archive_mode = "on";
    figures.segment_size = segment_size;
    figures.current_lsn = step.lsn;
    figures.last_archived_wal = step.archived_wal;
    figures.last_archived_time = step.archived_time;
    figures.rows_written = step.rows;
    figures.failed_count = step.failed_count;
    figures.last_failed_time = step.failed_time;
    if (step.failed_time) figures.last_failed_wal = "000000010000000000000009";
    auto out = evaluate(settings, figures, memory);
    SCOPED_TRACE("step " + std::to_string(index++));
    const auto status = out.archive ? out.archive->status : ProbeStatus::Healthy;
    EXPECT_EQ(status, step.status) << (out.archive ? out.archive->detail : "");
    if (out.archive) {
      EXPECT_EQ(out.archive->failure, step.failure);
      EXPECT_EQ(out.archive->detail, step.detail);
    }
    EXPECT_EQ(value_of(out, "postgres_archive_exposure_seconds"), step.exposure);
    EXPECT_EQ(value_of(out, "postgres_archive_pending_bytes"), step.pending);
    EXPECT_EQ(value_of(out, "postgres_archive_rpo_seconds"), 300);
    EXPECT_EQ(value_of(out, "postgres_archive_failures_total"), step.failed_count);
    EXPECT_EQ(value_of(out, "postgres_archive_failing"),
              step.failure == FailureKind::Error ? 1 : 0);
    if (step.archived_time) {
      EXPECT_EQ(value_of(out, "postgres_archive_age_seconds"), step.now - *step.archived_time);
    } else {
      EXPECT_FALSE(value_of(out, "postgres_archive_age_seconds"));
    }
  }
}

const std::string kSeg2 = "000000010000000000000002";
const std::string kSeg3 = "000000010000000000000003";
const std::string kSeg4 = "000000010000000000000004";
constexpr std::uint64_t kEnd3 = 0x4000000, kEnd4 = 0x5000000;

// A check's figures: time, WAL position, last archived segment and its time, rows written.
Step at(double now, std::uint64_t lsn, std::optional<std::string> wal,
        std::optional<double> archived, std::uint64_t rows = 0) {
  return {.now = now, .lsn = lsn, .archived_wal = wal, .archived_time = archived, .rows = rows};
}
// … expected healthy with these pending bytes and exposure.
Step pending(Step step, double bytes, double exposure = 0) {
  step.pending = bytes;
  step.exposure = exposure;
  return step;
}
// … expected unhealthy (threshold) with this detail.
Step late(Step step, double bytes, double exposure, std::string detail) {
  step = pending(step, bytes, exposure);
  step.status = ProbeStatus::Unhealthy;
  step.failure = FailureKind::Threshold;
  step.detail = std::move(detail);
  return step;
}
// … with failures; expected unhealthy (error) when `detail` is given.
Step failures(Step step, long long count, double failed_time, std::string detail = "") {
  step.failed_count = count;
  step.failed_time = failed_time;
  if (!detail.empty()) {
    step.status = ProbeStatus::Unhealthy;
    step.failure = FailureKind::Error;
    step.detail = std::move(detail);
  }
  return step;
}

TEST(PostgresWalArchive, IdleDatabaseIsNeverAnAlarmHoweverOld) {
  run_steps({at(1000, kEnd3, kSeg3, 900), at(90000, kEnd3, kSeg3, 900),
             at(900000, kEnd3 - 100, kSeg3, 900)});  // behind the segment's end: clamped at 0
}

TEST(PostgresWalArchive, BackgroundRecordsWithoutRowChangesAreNotWrites) {
  // The bgwriter's snapshot and a checkpoint record after the last archive: bytes pending,
  // no rows changed, no exposure however long.
  run_steps({at(1000, kEnd3, kSeg3, 900, 7), pending(at(1010, kEnd3 + 56, kSeg3, 900, 7), 56),
             pending(at(90000, kEnd3 + 400, kSeg3, 900, 7), 400)});
}

TEST(PostgresWalArchive, WritesCountFromTheFirstCheckThatSawThemUntilArchived) {
  run_steps({
      at(99000, kEnd3, kSeg3, 900, 5),
      pending(at(100000, kEnd3 + 256, kSeg3, 900, 6), 256),
      pending(at(100299, kEnd3 + 256, kSeg3, 900, 6), 256, 299),
      late(at(100400, kEnd3 + 256, kSeg3, 900, 6), 256, 400,
           "WAL not archived for 6m40s (archive_rpo 5m), 256 B pending; last archived "
           "000000010000000000000003 at 1970-01-01 00:15:00 UTC"),
      // The next segment archived, a background record since: healthy at once.
      pending(at(100500, kEnd4 + 56, kSeg4, 100450, 6), 56),
  });
}

TEST(PostgresWalArchive, RowsSeenBeforeTheArchivedEndAreNotPending) {
  // Rows changed while the position was still in segment 3; segment 3 archived since, and only
  // a background record followed: nothing at risk.
  run_steps({
      pending(at(1000, kEnd3 - 4096, kSeg2, 900, 1), 16 * MiB - 4096),
      pending(at(1010, kEnd3 - 2048, kSeg2, 900, 2), 16 * MiB - 2048),
      pending(at(1100, kEnd3 + 56, kSeg3, 1090, 2), 56),
      pending(at(2000, kEnd3 + 56, kSeg3, 1090, 2), 56),
  });
}

TEST(PostgresWalArchive, NewArchiveRestartsTheExposureEvenWithWritesPending) {
  run_steps({
      at(990, kEnd3, kSeg3, 900, 1),
      pending(at(1000, kEnd3 + 4096, kSeg3, 900, 2), 4096),
      late(at(1400, kEnd3 + 4096, kSeg3, 900, 2), 4096, 400,
           "WAL not archived for 6m40s (archive_rpo 5m), 4 KiB pending; last archived "
           "000000010000000000000003 at 1970-01-01 00:15:00 UTC"),
      // Segment 4 archived at 1390, more rows already in segment 5: the exposure starts again.
      pending(at(1410, kEnd4 + 10, kSeg4, 1390, 3), 10),
      pending(at(1500, kEnd4 + 10, kSeg4, 1390, 3), 10, 90),
  });
}

TEST(PostgresWalArchive, NothingEverArchivedCountsWritesAfterTheFirstCheck) {
  run_steps({
      at(50, 0x1000000, {}, {}, 3),
      pending(at(60, 0x1000200, {}, {}, 4), 512),
      late(at(400, 0x1000200, {}, {}, 4), 512, 340,
           "WAL not archived for 5m40s (archive_rpo 5m), 512 B pending; nothing archived yet"),
  });
}

TEST(PostgresWalArchive, StatisticsResetTakesANewBaseline) {
  run_steps({
      at(50, 0x1000000, {}, {}, 1),
      at(100, kEnd3, kSeg3, 90, 1),
      at(2000, kEnd4 + 100, {}, {}, 1),  // pg_stat_reset_shared('archiver')
      pending(at(2010, kEnd4 + 300, {}, {}, 2), 200),
  });
}

TEST(PostgresWalArchive, SegmentSizeIsTheServersNotAnAssumed16MiB) {
  // Segment 1 of 64 MiB ends at 0/8000000; 16 MiB would report 96 MiB pending.
  run_steps({at(1000, 0x8000000, "000000010000000000000001", 900)}, 64 * MiB);
}

TEST(PostgresWalArchive, FailureNewerThanTheLastSuccessOrMoreFailuresIsAnError) {
  run_steps({
      failures(at(1020, kEnd3, kSeg3, 900), 1, 1010,
               "WAL archiving is failing: 000000010000000000000009 failed at 1970-01-01 "
               "00:16:50 UTC (1 failures in total); last archived 000000010000000000000003 at "
               "1970-01-01 00:15:00 UTC"),
      // A success after it: healthy again.
      failures(at(1030, kEnd4, kSeg4, 1025), 1, 1010),
      // One more failure between two checks, then a success before the check: still an error.
      failures(at(1040, kEnd4, kSeg4, 1025), 2, 1010,
               "WAL archiving is failing: 000000010000000000000009 failed at 1970-01-01 "
               "00:16:50 UTC (2 failures in total); last archived 000000010000000000000004 at "
               "1970-01-01 00:17:05 UTC"),
      failures(at(1050, kEnd4, kSeg4, 1025), 2, 1010),
  });
}

TEST(PostgresWalArchive, ArchiveModeOffAndStandbys) {
  Settings settings;
  settings.archive_rpo = 5min;
  Memory memory;
  Figures figures;
  figures.segment_size = 16 * MiB;
  figures.archive_mode = "off";
  auto off = evaluate(settings, figures, memory);
  ASSERT_TRUE(off.archive);
  EXPECT_EQ(off.archive->status, ProbeStatus::Unhealthy);
  EXPECT_EQ(off.archive->failure, FailureKind::Error);
  EXPECT_EQ(off.archive->detail, "archive_rpo is set but archive_mode is off");
  ASSERT_EQ(off.measurements.size(), 1u);
  EXPECT_EQ(off.measurements[0].name, "postgres_archive_rpo_seconds");

  figures.in_recovery = true;  // a standby archives only with archive_mode = always
  for (const char* mode : {"off", "on"}) {
    figures.archive_mode = mode;
    auto skipped = evaluate(settings, figures, memory);
    EXPECT_FALSE(skipped.archive) << mode;
    EXPECT_TRUE(skipped.measurements.empty()) << mode;
  }
  figures.archive_mode = "always";
  EXPECT_TRUE(value_of(evaluate(settings, figures, memory), "postgres_archive_pending_bytes"));
}

TEST(PostgresWalReplication, ThresholdsInOrderAndMeasurements) {
  const Standby caught_up{"replica1", "streaming", 0.01, 0.02, std::nullopt, 0};
  const Standby behind{"replica2", "streaming", 0.5, 0.6, 12.3, 3 * MiB};
  const Slot idle{"idle_slot", false, 48 * MiB};
  const Slot used{"used_slot", true, 1 * MiB};
  struct Case {
    std::string what;
    Settings settings;
    std::vector<Standby> standbys;
    std::vector<Slot> slots;
    std::string detail;  // "" = healthy
  };
  auto with = [](auto change) {
    Settings settings;
    change(settings);
    return settings;
  };
  const std::vector<Case> cases = {
      {"too few",
       with([](Settings& s) { s.min_standbys = 2; }),
       {behind},
       {},
       "1 standby(s) streaming, expected at least 2"},
      {"catching up is not streaming",
       with([](Settings& s) { s.min_standbys = 1; }),
       {{"replica3", "catchup", {}, {}, {}, {}}},
       {},
       "0 standby(s) streaming, expected at least 1"},
      {"enough", with([](Settings& s) { s.min_standbys = 2; }), {caught_up, behind}, {}, ""},
      {"lag seconds",
       with([](Settings& s) { s.replication_lag_warn = 5s; }),
       {caught_up, behind},
       {},
       "standby replica2 (streaming): write 0.5 s, flush 0.6 s, replay 12.3 s, 3 MiB behind "
       "(replay lag warning at 5s)"},
      {"lag seconds under",
       with([](Settings& s) { s.replication_lag_warn = 20s; }),
       {behind},
       {},
       ""},
      {"lag bytes",
       with([](Settings& s) { s.replication_lag_bytes_warn = 1 * MiB; }),
       {caught_up, behind},
       {},
       "standby replica2 (streaming): write 0.5 s, flush 0.6 s, replay 12.3 s, 3 MiB behind "
       "(byte lag warning at 1 MiB)"},
      {"slot",
       with([](Settings& s) { s.slot_retained_warn = 16 * MiB; }),
       {},
       {used, idle},
       "slot idle_slot (inactive) retains 48 MiB of WAL (warning at 16 MiB)"},
      {"slot under", with([](Settings& s) { s.slot_retained_warn = 64 * MiB; }), {}, {idle}, ""},
  };
  for (const auto& c : cases) {
    Figures figures;
    figures.standbys = c.standbys;
    figures.slots = c.slots;
    Memory memory;
    auto out = evaluate(c.settings, figures, memory);
    EXPECT_EQ(out.replication ? out.replication->detail : "", c.detail) << c.what;
    if (out.replication) {
      EXPECT_EQ(out.replication->status, ProbeStatus::Degraded) << c.what;
      EXPECT_EQ(out.replication->failure, FailureKind::Threshold) << c.what;
    }
    EXPECT_FALSE(out.archive);
  }

  Settings settings;
  settings.slot_retained_warn = 1 * MiB;
  Figures figures;
  Memory memory;
  auto none = evaluate(settings, figures, memory);
  EXPECT_EQ(value_of(none, "postgres_standbys_streaming"), 0);
  EXPECT_EQ(value_of(none, "postgres_replication_slots_inactive"), 0);
  EXPECT_FALSE(value_of(none, "postgres_standby_replay_lag_seconds"));
  EXPECT_FALSE(value_of(none, "postgres_standby_replay_lag_bytes"));
  EXPECT_FALSE(value_of(none, "postgres_replication_slot_retained_bytes"));

  figures.standbys = {caught_up, behind};
  figures.slots = {idle, used};
  auto some = evaluate(settings, figures, memory);
  EXPECT_EQ(value_of(some, "postgres_standbys_streaming"), 2);
  EXPECT_EQ(value_of(some, "postgres_standby_replay_lag_seconds"), 12.3);
  EXPECT_EQ(value_of(some, "postgres_standby_replay_lag_bytes"), 3.0 * MiB);
  EXPECT_EQ(value_of(some, "postgres_replication_slots_inactive"), 1);
  EXPECT_EQ(value_of(some, "postgres_replication_slot_retained_bytes"), 48.0 * MiB);

  figures.in_recovery = true;  // replication is judged on the primary only
  auto standby = evaluate(settings, figures, memory);
  EXPECT_FALSE(standby.replication);
  EXPECT_TRUE(standby.measurements.empty());
}

TEST(PostgresWalFigures, RowParsesAndTheQueryAsksOnlyWhatIsNeeded) {
  std::vector<std::optional<std::string>> row = {
      "1700000000.5",
      "f",
      "on",
      "16777216",
      "67109120",
      kSeg3,
      "1699999000",
      std::nullopt,
      std::nullopt,
      "0",
      "42",
      R"([{"name":"replica1","state":"streaming","write_lag":0.1,"flush_lag":null,)"
      R"("replay_lag":null,"replay_bytes":2048}])",
      R"([{"name":"idle_slot","active":false,"retained":50331648},)"
      R"({"name":"new_slot","active":true,"retained":null}])"};
  auto figures = parse_figures(row);
  EXPECT_EQ(figures.now, 1700000000.5);
  EXPECT_FALSE(figures.in_recovery);
  EXPECT_EQ(figures.segment_size, 16 * MiB);
  EXPECT_EQ(figures.current_lsn, kEnd3 + 256);
  EXPECT_EQ(figures.last_archived_wal, kSeg3);
  EXPECT_EQ(figures.last_archived_time, 1699999000);
  EXPECT_FALSE(figures.last_failed_time);
  EXPECT_EQ(figures.rows_written, 42u);
  ASSERT_EQ(figures.standbys.size(), 1u);
  EXPECT_EQ(figures.standbys[0].name, "replica1");
  EXPECT_EQ(figures.standbys[0].write_lag, 0.1);
  EXPECT_FALSE(figures.standbys[0].replay_lag);
  EXPECT_EQ(figures.standbys[0].replay_bytes, 2048u);
  ASSERT_EQ(figures.slots.size(), 2u);
  EXPECT_FALSE(figures.slots[0].active);
  EXPECT_EQ(figures.slots[0].retained_bytes, 48 * MiB);
  EXPECT_FALSE(figures.slots[1].retained_bytes);
  EXPECT_THROW(parse_figures({"1", "f"}), std::runtime_error);

  Settings archive_only;
  archive_only.archive_rpo = 1min;
  EXPECT_EQ(figures_sql(archive_only).find("pg_stat_replication"), std::string::npos);
  Settings replication;
  replication.min_standbys = 1;
  EXPECT_NE(figures_sql(replication).find("pg_replication_slots"), std::string::npos);
}

TEST(PostgresWalSettings, KeysAreReadAndChecked) {
  auto probe = testing::probe_from_yaml("postgres",
                                        "host: 127.0.0.1\narchive_rpo: 5m\nmin_standbys: 1\n"
                                        "replication_lag_warn: 30s\n"
                                        "replication_lag_bytes_warn: 64MiB\n"
                                        "slot_retained_warn: 1GiB\n");
  EXPECT_EQ(probe->kind(), "postgres");
  EXPECT_THROW(testing::probe_from_yaml("postgres", "host: h\narchive_rpo: 0s\n"),
               config::ConfigError);
  EXPECT_THROW(testing::probe_from_yaml("postgres", "host: h\nmin_standbys: -1\n"),
               config::ConfigError);
  EXPECT_THROW(testing::probe_from_yaml("postgres", "host: h\nslot_retained_warn: lots\n"),
               config::ConfigError);
}

}  // namespace
}  // namespace watchdog::probes::postgres_wal
