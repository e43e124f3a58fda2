#include "watchdog/engine/ladder.h"

#include <algorithm>

namespace watchdog::core {
namespace {

std::string joined(const std::vector<std::string>& items, const char* separator) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

constexpr const char* kRanOnce = "destructive, already ran in this incident";

bool ran_already(const Component& c, std::size_t rung) {
  return std::find(c.destructive_ran.begin(), c.destructive_ran.end(), rung) !=
         c.destructive_ran.end();
}

bool fits(const Rung& rung, const std::vector<std::string>& causes) {
  if (rung.when.empty()) return true;
  if (causes.empty()) return false;  // nothing says what broke: no destructive guesswork
  return std::all_of(causes.begin(), causes.end(), [&](const std::string& cause) {
    return std::find(rung.when.begin(), rung.when.end(), cause) != rung.when.end();
  });
}

}  // namespace

std::optional<std::size_t> choose_rung(const Component& c, std::vector<SkippedRung>& skipped) {
  const auto& ladder = c.policy.ladder;
  const auto causes = failure_causes(c);
  const std::string failure = causes.empty() ? "unknown" : joined(causes, "+");
  for (std::size_t r = std::min(c.next_rung, ladder.size()); r < ladder.size(); ++r) {
    if (ran_already(c, r)) {
      skipped.push_back({static_cast<int>(r), "skipped " + ladder[r].name + ": " + kRanOnce});
    } else if (fits(ladder[r], causes)) {
      return r;
    } else {
      skipped.push_back({static_cast<int>(r), "skipped " + ladder[r].name + ": failure was " +
                                                  failure + ", rung needs " +
                                                  joined(ladder[r].when, "|")});
    }
  }
  for (std::size_t r = std::min(c.next_rung, ladder.size()); r-- > 0;) {
    if (!fits(ladder[r], causes)) continue;
    if (!ran_already(c, r)) return r;
    skipped.push_back({static_cast<int>(r), "skipped " + ladder[r].name + ": " + kRanOnce});
  }
  return std::nullopt;
}

std::vector<std::string> failure_causes(const Component& c) {
  std::vector<std::string> causes;
  for (const auto& track : c.probes) {
    if (track.verdict != Verdict::Fail || track.last_failure.empty()) continue;
    if (std::find(causes.begin(), causes.end(), track.last_failure) == causes.end()) {
      causes.push_back(track.last_failure);
    }
  }
  std::sort(causes.begin(), causes.end());
  return causes;
}

}  // namespace watchdog::core
