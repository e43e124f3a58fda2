#include "watchdog/engine/component_codec.h"

#include <algorithm>
#include <string_view>
#include <type_traits>

namespace watchdog::core {
namespace {

using nlohmann::json;

constexpr const char* kPhases[] = {"idle", "acting", "verifying", "backing_off", "settling"};
constexpr const char* kVerdicts[] = {"pending", "ok", "warn", "fail"};

template <typename Enum, std::size_t N>
Enum enum_from(const std::string& text, const char* const (&names)[N]) {
  for (std::size_t i = 0; i < N; ++i) {
    if (text == names[i]) return static_cast<Enum>(i);
  }
  throw json::other_error::create(501, "unknown value '" + text + "'", nullptr);
}

// Streaks are only ever compared with the thresholds, and a passing probe's detail is never
// shown: saving them capped and blank keeps a steady probe's snapshot unchanged, so the engine
// writes it once instead of after every check.
struct SavedStreaks {
  int ok, not_fail, bad, fail;
  explicit SavedStreaks(const ProbeTrack& t) {
    const int cap = std::max({t.failure_threshold, t.success_threshold, 1});
    ok = std::min(t.ok_streak, cap);
    not_fail = std::min(t.not_fail_streak, cap);
    bad = std::min(t.bad_streak, cap);
    fail = std::min(t.fail_streak, cap);
  }
};

std::string_view saved_detail(const ProbeTrack& t) {
  return t.verdict == Verdict::Ok ? std::string_view() : std::string_view(t.last_detail);
}

template <typename Number>
void put(std::string& out, Number value) {
  static_assert(std::is_arithmetic_v<Number> || std::is_enum_v<Number>);
  out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

void put_text(std::string& out, std::string_view text) {
  put(out, text.size());
  out.append(text);
}

}  // namespace

void append_fingerprint(const Component& c, std::string& out) {
  put(out, c.state);
  put(out, epoch_ms(c.since));
  put_text(out, c.incident_id);
  put(out, c.phase);
  put(out, epoch_ms(c.phase_deadline));
  put(out, epoch_ms(c.verify_since));
  put(out, c.attempts);
  put(out, c.next_rung);
  put(out, c.episode_starts.size());
  for (auto at : c.episode_starts) put(out, epoch_ms(at));
  put(out, c.destructive_ran.size());
  for (auto rung : c.destructive_ran) put(out, rung);
  put(out, c.flap.flapping);
  put(out, epoch_ms(c.flap.since));
  put(out, c.flap.worst);
  put(out, c.flap.changes.size());
  for (const auto& change : c.flap.changes) {
    put(out, epoch_ms(change.at));
    put(out, change.to);
  }
  put(out, c.probes.size());
  for (const auto& t : c.probes) {
    const SavedStreaks streaks(t);
    put_text(out, t.name);
    put(out, t.verdict);
    put(out, streaks.ok);
    put(out, streaks.not_fail);
    put(out, streaks.bad);
    put(out, streaks.fail);
    put_text(out, saved_detail(t));
    put_text(out, t.last_failure);
  }
}

json snapshot(const Component& c) {
  json probes = json::array();
  for (const auto& t : c.probes) {
    const SavedStreaks streaks(t);
    probes.push_back({{"name", t.name},
                      {"verdict", kVerdicts[static_cast<int>(t.verdict)]},
                      {"ok_streak", streaks.ok},
                      {"not_fail_streak", streaks.not_fail},
                      {"bad_streak", streaks.bad},
                      {"fail_streak", streaks.fail},
                      {"last_detail", saved_detail(t)},
                      {"last_failure", t.last_failure}});
  }
  json episodes = json::array();
  for (auto at : c.episode_starts) episodes.push_back(epoch_ms(at));
  json flap_changes = json::array();
  for (const auto& change : c.flap.changes) {
    flap_changes.push_back({epoch_ms(change.at), std::string(to_string(change.to))});
  }
  return {{"state", std::string(to_string(c.state))},
          {"since_ms", epoch_ms(c.since)},
          {"incident_id", c.incident_id},
          {"phase", kPhases[static_cast<int>(c.phase)]},
          {"phase_deadline_ms", epoch_ms(c.phase_deadline)},
          {"verify_since_ms", epoch_ms(c.verify_since)},
          {"attempts", c.attempts},
          {"next_rung", c.next_rung},
          {"episode_ms", episodes},
          {"destructive_ran", c.destructive_ran},
          {"flap",
           {{"flapping", c.flap.flapping},
            {"since_ms", epoch_ms(c.flap.since)},
            {"worst", std::string(to_string(c.flap.worst))},
            {"changes", flap_changes}}},
          {"probes", probes}};
}

void restore(const json& s, Component& c) {
  const auto state = state_from_string(s.at("state").get<std::string>());
  if (!state) throw json::other_error::create(501, "unknown state", nullptr);
  c.state = *state;
  c.since = from_epoch_ms(s.at("since_ms").get<std::int64_t>());
  c.incident_id = s.at("incident_id").get<std::string>();
  c.phase = enum_from<Phase>(s.at("phase").get<std::string>(), kPhases);
  c.phase_deadline = from_epoch_ms(s.at("phase_deadline_ms").get<std::int64_t>());
  c.verify_since = from_epoch_ms(s.at("verify_since_ms").get<std::int64_t>());
  c.episode_starts.clear();
  if (s.contains("attempts")) {
    c.attempts = s.at("attempts").get<int>();
    c.next_rung = s.at("next_rung").get<std::size_t>();
    for (const auto& ms : s.at("episode_ms"))
      c.episode_starts.push_back(from_epoch_ms(ms.get<std::int64_t>()));
    c.destructive_ran = s.value("destructive_ran", std::vector<std::size_t>{});
  } else if (s.contains("attempt_ms") && c.state != State::Healthy && c.state != State::Degraded) {
    // Written before the ladder belonged to the incident (attempts within the hour): only an
    // incident still open carries its attempts over; a healed one starts afresh.
    const auto& attempt_ms = s.at("attempt_ms");
    c.attempts = static_cast<int>(attempt_ms.size());
    c.next_rung = attempt_ms.size();
    if (!attempt_ms.empty()) {
      c.episode_starts.push_back(from_epoch_ms(attempt_ms[0].get<std::int64_t>()));
    }
  }
  c.flap = {};
  if (const auto& flap = s.value("flap", json()); flap.is_object()) {  // since #20
    auto state_of = [](const json& text) {
      const auto known = state_from_string(text.get<std::string>());
      if (!known) throw json::other_error::create(501, "unknown state", nullptr);
      return *known;
    };
    c.flap.flapping = flap.at("flapping").get<bool>();
    c.flap.since = from_epoch_ms(flap.at("since_ms").get<std::int64_t>());
    c.flap.worst = state_of(flap.at("worst"));
    for (const auto& change : flap.at("changes")) {
      c.flap.changes.push_back(
          {from_epoch_ms(change.at(0).get<std::int64_t>()), state_of(change.at(1))});
    }
  }
  for (const auto& saved : s.at("probes")) {
    for (auto& t : c.probes) {
      if (t.name != saved.at("name").get<std::string>()) continue;
      t.verdict = enum_from<Verdict>(saved.at("verdict").get<std::string>(), kVerdicts);
      t.ok_streak = saved.at("ok_streak").get<int>();
      t.not_fail_streak = saved.at("not_fail_streak").get<int>();
      t.bad_streak = saved.at("bad_streak").get<int>();
      t.fail_streak = saved.at("fail_streak").get<int>();
      t.last_detail = saved.at("last_detail").get<std::string>();
      t.last_failure = saved.value("last_failure", std::string());
    }
  }
}

}  // namespace watchdog::core
