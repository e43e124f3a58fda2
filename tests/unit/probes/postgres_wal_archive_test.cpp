// The `postgres` probe's WAL archiving evaluation (probes/postgres_wal.h): segment names → LSN,
// the archive exposure rule across checks, statistics resets and failures. Pure: figures in,
// verdicts out; replication is in postgres_wal_replication_test.cpp, the real server in
// tests/integration/postgres_wal_test.cpp.
#include <gtest/gtest.h>

#include "probes/postgres_wal.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes::postgres_wal {
namespace {

using namespace std::chrono_literals;
constexpr std::uint64_t MiB = 1024 * 1024;

using testing::measurement;

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
      // A backup history file names the backup's start segment, archived after its stop
      // segment: no archived end.
      {"000000010000000000000003.00000028.backup", 16 * MiB, std::nullopt},
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
  double failures_total = -1;  // -1: the same as failed_count
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
  std::optional<double> archived_time;  // the last one seen: it outlives a statistics reset
  for (const auto& step : steps) {
    if (step.archived_time) archived_time = step.archived_time;
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
    const auto& m = out.measurements;
    EXPECT_EQ(measurement(m, "postgres_archive_exposure_seconds"), step.exposure);
    EXPECT_EQ(measurement(m, "postgres_archive_pending_bytes"), step.pending);
    EXPECT_EQ(measurement(m, "postgres_archive_rpo_seconds"), 300);
    EXPECT_EQ(measurement(m, "postgres_archive_failures_total"),
              step.failures_total >= 0 ? step.failures_total : step.failed_count);
    EXPECT_EQ(measurement(m, "postgres_archive_failing"),
              step.failure == FailureKind::Error ? 1 : 0);
    EXPECT_EQ(measurement(m, "postgres_archive_age_seconds"),
              archived_time ? step.now - *archived_time : -1);
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
Step failures(Step step, long long count, std::optional<double> failed_time,
              std::string detail = "") {
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

TEST(PostgresWalArchive, ArchiverStatisticsResetKeepsTheArchiveAndTheExposure) {
  run_steps({
      at(50, 0x1000000, {}, {}, 1), at(100, kEnd3, kSeg3, 90, 1),
      pending(at(200, kEnd3 + 512, kSeg3, 90, 2), 512),  // writes pending from here
      // pg_stat_reset_shared('archiver'): segment 3 is still archived, the writes still pending.
      pending(at(300, kEnd3 + 512, {}, {}, 2), 512, 100),
      late(at(600, kEnd3 + 512, {}, {}, 2), 512, 400,
           "WAL not archived for 6m40s (archive_rpo 5m), 512 B pending; last archived "
           "000000010000000000000003 at 1970-01-01 00:01:30 UTC (archiver statistics reset "
           "since)"),
      pending(at(700, kEnd4 + 56, kSeg4, 650, 2), 56),  // the first archive after it
  });
}

TEST(PostgresWalArchive, BackupHistoryFileDoesNotMoveTheArchivedEndBack) {
  // pg_backup_stop archives the stop segment (4), then 3.00000028.backup, which names the
  // backup's start segment: the archive still reaches the end of segment 4, and the writes
  // pending in segment 5 are not reset by it.
  const std::string backup_file = kSeg3 + ".00000028.backup";
  run_steps({
      at(1000, kEnd4, kSeg4, 990, 1),
      pending(at(1010, kEnd4 + 100, kSeg4, 990, 2), 100),
      pending(at(1020, kEnd4 + 100, backup_file, 1015, 2), 100, 10),
      pending(at(1100, kEnd4 + 100, backup_file, 1015, 2), 100, 90),
  });
}

TEST(PostgresWalArchive, FallingRowCountIsANewBaselineNotWrites) {
  // pg_stat_reset(), a crash restart, DROP DATABASE: the count falls; then it counts again.
  run_steps({
      at(1000, kEnd3, kSeg3, 990, 500),
      pending(at(1010, kEnd3 + 100, kSeg3, 990, 20), 100),
      pending(at(1400, kEnd3 + 200, kSeg3, 990, 20), 200),
      pending(at(1410, kEnd3 + 300, kSeg3, 990, 21), 300),
      pending(at(1500, kEnd3 + 300, kSeg3, 990, 21), 300, 90),
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

TEST(PostgresWalArchive, FailuresTotalCountsAcrossStatisticsResetsAndNeverFalls) {
  auto total = [](Step step, double value) {
    step.failures_total = value;
    return step;
  };
  run_steps({
      failures(at(1020, kEnd3, kSeg3, 900), 5, 800),           // old failures: counted, not failing
      total(failures(at(1030, kEnd3, kSeg3, 900), 0, {}), 5),  // pg_stat_reset_shared
      total(failures(at(1040, kEnd3, kSeg3, 900), 2, 1035,
                     "WAL archiving is failing: 000000010000000000000009 failed at 1970-01-01 "
                     "00:17:15 UTC (7 failures in total); last archived "
                     "000000010000000000000003 at 1970-01-01 00:15:00 UTC"),
            7),
      total(failures(at(1050, kEnd4, kSeg4, 1045), 2, 1035), 7),
      // Reset and one new failure between two checks, then a success: still failing once.
      total(failures(at(1060, kEnd4, kSeg4, 1055), 1, 1052,
                     "WAL archiving is failing: 000000010000000000000009 failed at 1970-01-01 "
                     "00:17:32 UTC (8 failures in total); last archived "
                     "000000010000000000000004 at 1970-01-01 00:17:35 UTC"),
            8),
      total(failures(at(1070, kEnd4, kSeg4, 1055), 1, 1052), 8),
  });
}

TEST(PostgresWalArchive, FailureCountOutlivesARestartThroughProbeMemory) {
  Settings settings;
  settings.archive_rpo = 5min;
  Figures figures;
  figures.now = 1000;
  figures.archive_mode = "on";
  figures.segment_size = 16 * MiB;
  figures.current_lsn = kEnd3;
  figures.last_archived_wal = kSeg3;
  figures.last_archived_time = 900;
  figures.last_failed_time = 800;
  figures.failed_count = 4;
  auto total_after = [&](Memory& memory) {
    return measurement(evaluate(settings, figures, memory).measurements,
                       "postgres_archive_failures_total");
  };
  Memory before;
  EXPECT_EQ(encode_failures(before), "");
  EXPECT_EQ(total_after(before), 4);
  figures.failed_count = 6;
  EXPECT_EQ(total_after(before), 6);
  const std::string blob = encode_failures(before);
  EXPECT_EQ(blob, "failures 6 6");

  // Restarted; meanwhile the archiver's statistics were reset and it failed once (before its
  // last success): counted, but not "failing".
  Memory after;
  restore_failures(blob, after);
  figures.failed_count = 1;
  figures.last_failed_time = 850;
  auto out = evaluate(settings, figures, after);
  EXPECT_EQ(measurement(out.measurements, "postgres_archive_failures_total"), 7);
  EXPECT_EQ(measurement(out.measurements, "postgres_archive_failing"), 0);
  EXPECT_FALSE(out.archive);

  for (const char* unreadable : {"", "failures x", "disk 1 2", "failures 1 2 3", "failures -1 2"}) {
    Memory fresh;
    restore_failures(unreadable, fresh);
    EXPECT_EQ(total_after(fresh), 1) << unreadable;  // counts afresh from failed_count
  }
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
  EXPECT_EQ(measurement(evaluate(settings, figures, memory).measurements,
                        "postgres_archive_pending_bytes"),
            0);
}

}  // namespace
}  // namespace watchdog::probes::postgres_wal
