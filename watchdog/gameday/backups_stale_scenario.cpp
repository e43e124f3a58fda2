// backups-stale: an RPO breach. Holding the target's backup lock (no backup or retention runs
// meanwhile), every backup of gameday.backup_target started within the last rpo — its data file
// (or -Fd directory) and its metadata, as the catalog names them — is moved into a hidden
// directory `.gameday-hidden-<UTC stamp of the inject, 20261205T101500Z>` inside the target's
// directory. The catalog lists only TARGET_TIME.json directly in the directory (not
// recursive), so neither the `backup` probe,
// retention, restores nor drills see them: the newest backup is older than the rpo (or there is
// none), the probe goes CRITICAL and its backup_now rung must take a fresh backup (expect:
// recover). The revert moves them back (never over an existing name: a clash leaves that file
// in the hidden directory, noted) and removes the directory once empty.
//
// The one risk, which is why game days belong on staging: a real disaster during the game day
// would restore from an older backup (or none), because the recent ones are hidden. They are
// never deleted, only moved within the same filesystem (rename), so the revert — also after a
// crash, at the next start — always finds them.
//
// memory: {"hidden_dir": "/backups/.gameday-hidden-20261205T101500Z", "moved": ["main_….dump", …]}
#include <chrono>
#include <filesystem>
#include <memory>

#include "actions/backup/backup_runner.h"
#include "config/time_text.h"
#include "watchdog/gameday/service_scenarios.h"
#include "watchdog/gameday/target_database.h"

namespace watchdog::gameday {
namespace {

namespace fs = std::filesystem;
constexpr std::chrono::seconds kLockWait{120};

class BackupsStale : public Scenario {
 public:
  BackupsStale(const config::Config& config, const config::ComponentSpec& component)
      : target_(gameday_any_backup_target(config, component, "backups-stale")) {}

  std::vector<std::string> plan() const override {
    return {"hide the backups of " + target_.name + " newer than its rpo (" +
                config::format_duration(target_.rpo) + ") in " +
                (target_.directory / ".gameday-hidden-<timestamp>").string() +
                ", holding the backup lock",
            "the watchdog should see the RPO breach and take a fresh backup",
            "revert: move the hidden backups back (never over an existing file)"};
  }

  void inject(Context& ctx) override {
    actions::BackupLock lock(target_, std::chrono::steady_clock::now() + kLockWait);
    if (!lock.held()) {
      throw ScenarioError("backups-stale: backup lock of " + target_.name + ": " +
                          (lock.error().empty() ? "busy" : lock.error()));
    }
    std::string error;
    const auto backups = probes::backup::list_backups(target_.directory, target_.name, error);
    if (!error.empty()) throw ScenarioError("backups-stale: " + error);
    const auto now = std::chrono::system_clock::now();
    const fs::path hidden =
        target_.directory / (".gameday-hidden-" + config::format_utc_stamp(now));
    ctx.memory["hidden_dir"] = hidden.string();
    ctx.memory["moved"] = nlohmann::json::array();
    ctx.save();
    std::error_code ec;
    if (!fs::create_directory(hidden, ec)) {
      // Exists already (another game day in the same second) or cannot be made: not ours, so
      // the revert must not touch it.
      ctx.memory.erase("hidden_dir");
      save_after_mend(ctx);
      throw ScenarioError("backups-stale: cannot create " + hidden.string() + ": " +
                          (ec ? ec.message() : "it exists already"));
    }
    int count = 0;
    for (const auto& backup : backups) {
      if (backup.started <= now - target_.rpo) continue;
      // Data first, metadata last: a crash in between leaves an orphan file (listed by the
      // catalog as such), never metadata that points at nothing.
      for (const std::string& name : {backup.file, backup.name + ".json"}) {
        if (name.empty() || !fs::exists(target_.directory / name)) continue;
        // Recorded before the move: a revert after a crash tries it and finds it where it is.
        ctx.memory["moved"].push_back(name);
        ctx.save();
        fs::rename(target_.directory / name, hidden / name, ec);
        if (ec) throw ScenarioError("backups-stale: cannot move " + name + ": " + ec.message());
      }
      ++count;
    }
    probes::backup::fsync_directory(target_.directory, error);
    ctx.note("hid " + std::to_string(count) + " backup(s) of " + target_.name + " newer than " +
             config::format_duration(target_.rpo) + " (" + std::to_string(backups.size() - count) +
             " older left)");
  }

  void revert(Context& ctx) override {
    const std::string hidden_text = ctx.memory.value("hidden_dir", "");
    if (hidden_text.empty()) return;
    const fs::path hidden = hidden_text;
    actions::BackupLock lock(target_, std::chrono::steady_clock::now() + kLockWait);
    if (!lock.held()) {
      throw ScenarioError("backups-stale: backup lock of " + target_.name + ": " +
                          (lock.error().empty() ? "busy" : lock.error()));
    }
    std::error_code ec;
    int back = 0, kept = 0;
    // Data files first, metadata last again, so a crash mid-revert leaves an orphan at worst.
    const auto moved = ctx.memory.value("moved", nlohmann::json::array());
    for (const bool metadata_pass : {false, true}) {
      for (const auto& entry : moved) {
        const std::string name = entry.get<std::string>();
        if (name.ends_with(".json") != metadata_pass) continue;
        if (!fs::exists(hidden / name)) continue;  // never moved, or already back
        if (fs::exists(target_.directory / name)) {
          ctx.note("kept " + (hidden / name).string() + ": " + name + " exists again in " +
                   target_.directory.string() + " (not overwritten)");
          ++kept;
          continue;
        }
        fs::rename(hidden / name, target_.directory / name, ec);
        if (ec) {
          throw ScenarioError("backups-stale: cannot move back " + name + ": " + ec.message());
        }
        ++back;
      }
    }
    std::string error;
    probes::backup::fsync_directory(target_.directory, error);
    if (kept == 0) {
      fs::remove(hidden, ec);  // only when empty: anything else left in it stays
      if (ec) ctx.note("could not remove " + hidden.string() + ": " + ec.message());
    }
    if (kept == 0 && !ec) {
      ctx.memory.erase("hidden_dir");
      save_after_mend(ctx);
    }
    ctx.note("moved " + std::to_string(back) + " file(s) back into " + target_.directory.string());
  }

 private:
  config::BackupTargetSpec target_;
};

}  // namespace

std::unique_ptr<Scenario> make_backups_stale(const config::Config& config,
                                             const config::ComponentSpec& component) {
  return std::make_unique<BackupsStale>(config, component);
}

}  // namespace watchdog::gameday
