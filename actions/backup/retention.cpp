#include "actions/backup/retention.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <functional>
#include <numeric>

#include "config/time_text.h"
#include "config/units.h"

namespace watchdog::actions {
namespace {

namespace fs = std::filesystem;
using probes::backup::SystemTime;

struct Rule {
  const char* label;
  int count;
  std::function<std::string(SystemTime, std::size_t)> key;
};

// newest − keep_within, or the earliest time when keep_within reaches back before the epoch
// (nanosecond time points overflow ~292 years out: compare in the duration's own unit first).
SystemTime within_cutoff(SystemTime newest, config::Duration keep_within) {
  const auto since_epoch = std::chrono::duration_cast<config::Duration>(newest.time_since_epoch());
  if (keep_within >= since_epoch) return SystemTime::min();
  return newest - std::chrono::duration_cast<SystemTime::duration>(keep_within);
}

}  // namespace

std::vector<RetentionDecision> plan_retention(const std::vector<RetentionItem>& items,
                                              const config::RetentionPolicy& policy) {
  std::vector<RetentionDecision> decisions(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) decisions[i].name = items[i].name;
  if (policy.keeps_everything()) {
    for (auto& d : decisions) {
      d.keep = true;
      d.reasons.push_back("no retention policy");
    }
    return decisions;
  }
  std::vector<std::size_t> order(items.size());  // newest first
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return items[a].time != items[b].time ? items[a].time > items[b].time
                                          : items[a].name > items[b].name;
  });

  std::vector<Rule> rules = {
      {"last", policy.keep_last, [](SystemTime, std::size_t n) { return std::to_string(n); }},
      {"daily", policy.keep_daily,
       [](SystemTime t, std::size_t) { return config::format_utc(t, "%Y-%m-%d"); }},
      {"weekly", policy.keep_weekly,
       [](SystemTime t, std::size_t) { return config::format_utc(t, "%G-W%V"); }},
      {"monthly", policy.keep_monthly,
       [](SystemTime t, std::size_t) { return config::format_utc(t, "%Y-%m"); }},
  };
  if (policy.keep_within > config::Duration::zero() && !order.empty()) {
    // restic: kept when strictly newer than the newest backup's time minus the duration.
    const SystemTime cutoff = within_cutoff(items[order.front()].time, policy.keep_within);
    const std::string reason = "within " + config::format_duration(policy.keep_within);
    for (std::size_t n : order) {
      if (items[n].time <= cutoff) break;
      decisions[n].keep = true;
      decisions[n].reasons.push_back(reason);
    }
  }
  for (auto& rule : rules) {
    if (rule.count <= 0) continue;
    std::string last;
    bool first = true;
    for (std::size_t n = 0; n < order.size() && rule.count > 0; ++n) {
      const std::string key = rule.key(items[order[n]].time, n);
      if (!first && key == last) continue;
      first = false;
      last = key;
      auto& d = decisions[order[n]];
      d.keep = true;
      d.reasons.push_back(std::string(rule.label) +
                          (rule.label == std::string("last") ? "" : " " + key));
      --rule.count;
    }
    if (rule.count > 0 && !order.empty()) {  // backups ran out: restic keeps the oldest too
      auto& oldest = decisions[order.back()];
      oldest.keep = true;
      oldest.reasons.push_back(std::string("oldest (") + rule.label + " count left)");
    }
  }
  for (std::size_t n : order) {  // newest good backup: never deleted
    if (!items[n].good) continue;
    decisions[n].keep = true;
    decisions[n].reasons.push_back("newest good");
    break;
  }
  return decisions;
}

RetentionResult apply_retention(const config::BackupTargetSpec& target, bool dry_run) {
  RetentionResult result;
  std::string error;
  const auto backups = probes::backup::list_backups(target.directory, target.name, error);
  if (!error.empty()) {
    result.error = error;
    return result;
  }
  std::vector<RetentionItem> items;
  for (const auto& b : backups) items.push_back({b.name, b.started, b.verified()});
  result.decisions = plan_retention(items, target.retention);
  if (dry_run) return result;
  for (std::size_t i = 0; i < backups.size(); ++i) {
    if (result.decisions[i].keep) continue;
    std::error_code ec;
    fs::remove(target.directory / (backups[i].name + ".json"), ec);
    if (!ec) fs::remove_all(target.directory / backups[i].file, ec);
    if (ec) {
      if (result.error.empty())
        result.error = "cannot delete " + backups[i].name + ": " + ec.message();
      continue;
    }
    result.removed.push_back(backups[i].name);
  }
  if (!result.removed.empty() && !probes::backup::fsync_directory(target.directory, error) &&
      result.error.empty()) {
    result.error = error;
  }
  return result;
}

}  // namespace watchdog::actions
