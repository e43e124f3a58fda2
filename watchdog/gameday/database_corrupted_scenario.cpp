// database-corrupted (PostgreSQL): a table's data file damaged while the server is stopped —
// the DR plans' "corruption" section. The table is the scenario's own writer table
// (data_writer.h), filled with kRows rows: the scenario damages nothing of the operator's — but
// the watchdog's answer, restore_latest, replaces the whole database with its newest backup, so
// everything written since that backup is lost (the plan says so). Inject stops
// the server through the gameday switch (it must stop cleanly — pg_ctl stop -m fast, docker
// stop — so no WAL replay rewrites the page), keeps a copy of the table's file under
// <state_dir>/gameday/, overwrites the header of the file's first page with 0xFF bytes and
// starts the server: any read of the table then fails with "invalid page in block 0" (SQLSTATE
// XX001), which the postgres probe reports as failure kind `corrupt` (what restore_latest is
// for).
//
// The watchdog sees it only when one of its postgres probes reads that table: kWriterProbeQuery
// (data_writer.h) as the probe's `query:` does, and passes (0) when no game day is running.
//
// Revert: when the table's file is still the damaged one (the watchdog did not restore the
// database — a restore recreates it, with new files), stop the server, put the kept copy back
// and start it; then drop the table and delete the copy. Every step checks first, so a second
// revert (or one after a crash) does only what is left.
//
// Memory: file (relative to data_dir), copy, stop_started, copied, damaged.
#include <filesystem>
#include <fstream>
#include <thread>

#include "watchdog/gameday/data_writer.h"
#include "watchdog/gameday/database_scenarios.h"
#include "watchdog/gameday/service_switch.h"
#include "watchdog/gameday/target_database.h"

namespace watchdog::gameday {
namespace {

namespace fs = std::filesystem;
constexpr int kRows = 1000;
constexpr std::size_t kPageHeaderBytes = 24;  // PageHeaderData: pd_lsn … pd_prune_xid

// Byte-for-byte copy into an existing (or new) file: the destination keeps its inode, owner and
// mode, so the server's file stays the postgres user's.
void copy_bytes(const fs::path& from, const fs::path& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) throw ScenarioError("cannot read " + from.string());
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  if (!out) throw ScenarioError("cannot write " + to.string());
  out << in.rdbuf();
  out.flush();
  if (!out) throw ScenarioError("cannot write " + to.string());
}

class DatabaseCorrupted : public Scenario {
 public:
  DatabaseCorrupted(const config::Config& config, const config::BackupTargetSpec& target,
                    const config::ComponentSpec& component)
      : target_(target),
        database_(target_database_name(target)),
        data_dir_(component.gameday.data_dir),
        copy_dir_(config.watchdog.state_dir / "gameday"),
        switch_(component.gameday.service, component.gameday, "component " + component.name) {}

  std::vector<std::string> plan() const override {
    return {
        "create table " + std::string(kWriterTable) + " in database " + database_ + " with " +
            std::to_string(kRows) + " rows",
        "DAMAGES A DATA FILE: stop the server (" + switch_.describe_stop() +
            "), keep a copy of the table's file in " + copy_dir_.string() +
            ", overwrite its first page header in " + data_dir_.string() + ", start it (" +
            switch_.describe_start() + ")",
        "expect a postgres probe that reads " + std::string(kWriterTable) +
            " to report `corrupt` and the watchdog to restore " + database_ +
            " (a probe query that does: " + kWriterProbeQuery + ")",
        "the watchdog's restore replaces the WHOLE database " + database_ +
            " with its newest backup: whatever was written since that backup is lost",
        "revert: if the damaged file is still in place, stop the server, make sure it is "
        "stopped (no postmaster.pid), put the copy back, start it; then drop table " +
            std::string(kWriterTable),
    };
  }

  void prepare(Context& ctx) override {
    ctx.memory["table_created"] = true;
    ctx.save();
    DataWriter(target_, std::chrono::milliseconds(100)).create_table();
    auto db = session();
    if (!db->exec(std::string("INSERT INTO ") + kWriterTable + " SELECT g, " +
                  std::to_string(to_micros(Clock::now())) + " FROM generate_series(1, " +
                  std::to_string(kRows) + ") g")) {
      throw ScenarioError("cannot fill " + std::string(kWriterTable) + ": " + db->error());
    }
    const std::string file = relation_file(*db);
    if (file.empty()) throw ScenarioError("cannot find the file of " + std::string(kWriterTable));
    ctx.memory["file"] = file;
    ctx.memory["copy"] =
        (copy_dir_ / (database_ + "-" + fs::path(file).filename().string() + ".copy")).string();
    ctx.memory["rows"] = kRows;
    ctx.save();
    ctx.note("table " + std::string(kWriterTable) + ": " + std::to_string(kRows) + " rows in " +
             (data_dir_ / file).string());
  }

  void inject(Context& ctx) override {
    const fs::path file = data_dir_ / ctx.memory.at("file").get<std::string>();
    const fs::path copy = ctx.memory.at("copy").get<std::string>();
    {
      session()->exec(
          "CHECKPOINT");  // the rows on disk, not only in the WAL (a clean stop does it too)
    }
    ctx.memory["stop_started"] = true;
    ctx.save();
    switch_.stop();
    std::error_code ec;
    fs::create_directories(copy_dir_, ec);
    copy_bytes(file, copy);
    ctx.memory["copied"] = true;
    ctx.save();
    ctx.memory["damaged"] = true;  // before the write: a crash in it is put back too
    ctx.save();
    {
      std::fstream data(file, std::ios::in | std::ios::out | std::ios::binary);
      const std::string garbage(kPageHeaderBytes, '\xff');
      data.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
      if (!data) throw ScenarioError("cannot overwrite " + file.string());
    }
    switch_.start();
    ctx.note("damaged the first page of " + file.string() + " (copy kept in " + copy.string() +
             ")");
  }

  void revert(Context& ctx) override {
    if (ctx.memory.value("copied", false)) put_back(ctx);
    if (ctx.memory.value("stop_started", false) && !answers()) {
      switch_.start();
      ctx.note("started the server (" + switch_.describe_start() + ")");
    }
    if (ctx.memory.value("table_created", false)) {
      drop_writer_table(target_);
      ctx.note("dropped table " + std::string(kWriterTable) + " in " + database_);
    }
    if (ctx.memory.contains("copy")) {
      std::error_code ec;
      fs::remove(ctx.memory["copy"].get<std::string>(), ec);
    }
  }

 private:
  std::unique_ptr<TargetDatabase> session() const {
    auto db = std::make_unique<TargetDatabase>(target_, TargetDatabase::Which::Own,
                                               std::chrono::seconds(10));
    if (!db->ok()) {
      throw ScenarioError("cannot connect to database " + database_ + ": " + db->error());
    }
    return db;
  }

  bool answers() const {
    return TargetDatabase(target_, TargetDatabase::Which::Maintenance, std::chrono::seconds(5))
        .ok();
  }

  // The table's file relative to the data directory ("base/16384/16390"), "" when the table
  // does not exist.
  static std::string relation_file(TargetDatabase& db) {
    auto rows =
        db.query(std::string("SELECT pg_relation_filepath(to_regclass('") + kWriterTable + "'))");
    if (!rows) throw ScenarioError("cannot find the table's file: " + db.error());
    return rows->empty() || rows->front().empty() ? "" : rows->front().front();
  }

  // Whether the damaged file is still the table's: a restore by the watchdog dropped and
  // recreated the database, so the table (if the backup had it) lives in another file and the
  // old one is gone with the old database's directory.
  bool damage_in_place(const fs::path& file, const std::string& relative) const {
    if (!fs::exists(file)) return false;
    TargetDatabase db(target_, TargetDatabase::Which::Own, std::chrono::seconds(5));
    if (!db.ok()) return !answers();  // the server is down: the file on disk is ours
    return relation_file(db) == relative;
  }

  // Stopped = no postmaster.pid in the data directory (a clean stop removes it, a start writes
  // it first) and nothing answering. Asked right before the copy is written: the daemon's own
  // recovery may start the server between our stop and the copy, and an old file image written
  // under a running server would corrupt it for real. Stops it again once, else refuses.
  bool stopped() const { return !fs::exists(data_dir_ / "postmaster.pid") && !answers(); }

  void make_sure_stopped() const {
    if (stopped()) return;
    switch_.stop();
    if (!stopped()) {
      throw ScenarioError("the server in " + data_dir_.string() +
                          " is running again (or left postmaster.pid behind): not putting the "
                          "kept copy back under it");
    }
  }

  void put_back(Context& ctx) {
    const std::string relative = ctx.memory.at("file").get<std::string>();
    const fs::path file = data_dir_ / relative;
    const fs::path copy = ctx.memory.at("copy").get<std::string>();
    if (!ctx.memory.value("damaged", false) || !fs::exists(copy) ||
        !damage_in_place(file, relative)) {
      return;
    }
    make_sure_stopped();
    copy_bytes(copy, file);
    ctx.memory["damaged"] = false;
    ctx.note("put the kept copy of " + file.string() + " back");
    switch_.start();
    save_after_mend(ctx);
    // The proof that the revert mended it: every row reads again (a docker start returns before
    // the server accepts connections, so wait for it a little).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!answers() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    auto rows = session()->query(std::string("SELECT count(*) FROM ") + kWriterTable);
    const std::string expected = std::to_string(ctx.memory.value("rows", kRows));
    if (!rows || rows->empty() || rows->front().front() != expected) {
      throw ScenarioError("table " + std::string(kWriterTable) +
                          " is not readable after the copy was put back");
    }
    ctx.note("table " + std::string(kWriterTable) + " reads again: " + expected + " rows");
  }

  const config::BackupTargetSpec target_;
  const std::string database_;
  const fs::path data_dir_;
  const fs::path copy_dir_;
  const ServiceSwitch switch_;
};

}  // namespace

std::unique_ptr<Scenario> make_database_corrupted(const config::Config& config,
                                                  const config::ComponentSpec& component) {
  const auto& target = gameday_backup_target(config, component, "database-corrupted");
  if (target.kind != config::BackupKind::Postgres) {
    throw ScenarioError("database-corrupted: backup target " + target.name +
                        " is not kind postgres");
  }
  if (component.gameday.data_dir.empty()) {
    throw ScenarioError("database-corrupted needs gameday.data_dir");
  }
  if (!component.gameday.service.configured()) {
    throw ScenarioError("database-corrupted needs gameday.container or gameday.stop/start");
  }
  return std::make_unique<DatabaseCorrupted>(config, target, component);
}

}  // namespace watchdog::gameday
