// The engine's durable and operator-facing side: restoring from and saving to the state store,
// pauses and maintenance windows, and the holds that keep
// actions back (dependencies, mutes, leadership). Runs on the engine's loop thread only.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "watchdog/engine/component_codec.h"
#include "watchdog/engine/engine_internal.h"
#include "watchdog/logging.h"

namespace watchdog::core {

using logging::kv;

namespace {
// After a failed save, how long before the next try (a full disk: no transaction every turn).
constexpr auto kSaveRetryInterval = std::chrono::seconds(1);
}  // namespace

// After a restart: each component continues from its saved state. One that was RECOVERING is
// verified by probes first (Resumed) — never acted on again because the watchdog restarted.
void Engine::restore_from_store() {
  if (options_.store == nullptr) return;
  std::map<std::string, std::string> saved;
  try {
    saved = options_.store->load_components();
  } catch (const std::exception& error) {
    spdlog::error("state_restore_failed {} action=starting_fresh", kv("error", error.what()));
  }
  const auto now = Clock::now();
  for (auto& runtime : runtimes_) {
    auto& m = runtime->machine;
    // The journal's open incident continues only where the restored machine is in it.
    bool resumed = false;
    auto resume = [&] {
      if (!resumed) recorder_.resume(m.name, m.incident_id, m.state);
      resumed = true;
    };
    auto it = saved.find(runtime->plan.spec.name);
    if (it == saved.end()) {
      resume();
      continue;
    }
    try {
      const auto doc = nlohmann::json::parse(it->second);
      Component restored = m;  // all or nothing: a bad snapshot leaves the fresh state
      restore(doc.at("machine"), restored);
      const auto& extra = doc.at("engine");
      m = std::move(restored);
      resume();  // before Resumed may move it (and close the incident)
      runtime->event_sequence = extra.value("event_sequence", 0);
      runtime->acknowledged = extra.value("acknowledged", std::string());
      runtime->alerted_sinks = extra.value("alerted_sinks", std::vector<std::string>{});
      if (extra.contains("incident_started_ms")) {
        runtime->incident_started = from_epoch_ms(extra["incident_started_ms"].get<std::int64_t>());
      }
      if (extra.contains("first_failure_ms")) {
        runtime->first_failure = from_epoch_ms(extra["first_failure_ms"].get<std::int64_t>());
      }
      const auto settle = extra.contains("action_settle_ms")
                              ? from_epoch_ms(extra["action_settle_ms"].get<std::int64_t>())
                              : now;
      const bool was_acting = m.state == State::Recovering && m.phase == Phase::Acting;
      apply(*runtime, step(m, Resumed{settle}, now));
      spdlog::warn("component_restored {} {} {} {} {}", kv("component", m.name),
                   kv("state", to_string(m.state)), kv("incident", m.incident_id),
                   kv("attempts", std::to_string(m.attempts)),
                   kv("action_in_flight", was_acting ? "verify_first" : "none"));
      if (was_acting) {
        recorder_.note(m.incident_id, now, "operator",
                       "watchdog restarted while an action ran: verifying before acting again");
      }
      metrics_.set_component_state(m.name, m.state, m.since);
    } catch (const std::exception& error) {
      spdlog::error("state_restore_failed {} {} action=starting_fresh",
                    kv("component", runtime->plan.spec.name), kv("error", error.what()));
    }
    resume();
  }
  // Whatever the restore did (or failed to do half-way), deadlines follow the states as they are.
  recovering_.clear();
  for (const auto& runtime : runtimes_) {
    if (runtime->machine.state == State::Recovering) recovering_.insert(runtime->index);
  }
  refresh_status(true);
}

namespace {

// Everything persist() writes for a component, as compact bytes: a steady probe's result
// changes none of it, and comparing these costs far less than building the JSON to compare.
std::string fingerprint(const Component& machine, int event_sequence,
                        const std::optional<TimePoint>& first_failure,
                        const std::optional<TimePoint>& incident_started,
                        const std::optional<TimePoint>& action_settle,
                        const std::string& acknowledged,
                        const std::vector<std::string>& alerted_sinks) {
  std::string out;
  out.reserve(256);
  append_fingerprint(machine, out);
  out.append(reinterpret_cast<const char*>(&event_sequence), sizeof(event_sequence));
  for (const auto* at : {&first_failure, &incident_started, &action_settle}) {
    const std::int64_t ms = *at ? epoch_ms(**at) : -1;  // none differs from any instant saved
    out.append(reinterpret_cast<const char*>(&ms), sizeof(ms));
  }
  out.append(acknowledged);
  for (const auto& sink : alerted_sinks) {
    out.push_back('\0');
    out.append(sink);
  }
  return out;
}

// Bounded: a probe that breaks the contract (or a blob from elsewhere in the store) must not
// make every save and start slow. The previous memory stays.
bool memory_too_large(const std::string& component, const std::string& probe, std::size_t size,
                      const char* source) {
  if (size <= probes::kMaxProbeMemoryBytes) return false;
  spdlog::warn("probe_memory_refused {} {} {} {} {}", kv("component", component),
               kv("probe", probe), kv("bytes", std::to_string(size)),
               kv("limit", std::to_string(probes::kMaxProbeMemoryBytes)), kv("from", source));
  return true;
}

}  // namespace

// Saves the components this turn touched whose snapshot changed, and the probe memories they
// received that are due (all unsaved ones of every component with flush_memories), in one
// transaction. Runtime::saved holds the fingerprint of what was saved last, not the JSON text.
//
// A save the store refuses (a full filesystem) leaves save_backlog_ set: the turns of the next
// second write nothing, then one retry saves every component whose snapshot differs from what
// was last saved — the changes of the whole failing period, once space is back.
void Engine::persist(bool flush_memories) {
  if (options_.store == nullptr) return;
  tend_store();
  const auto steady_now = std::chrono::steady_clock::now();
  const bool retry = save_backlog_ && (flush_memories || steady_now >= next_save_retry_);
  if (save_backlog_ && !retry) return;
  if (dirty_.empty() && !flush_memories && !retry) return;
  std::vector<std::tuple<Runtime*, std::string, std::string>> changed;
  std::vector<std::pair<Runtime*, std::size_t>> memories;  // (component, probe index)
  // A memory to forget goes at once; a new one once the last save is old enough.
  auto due = [&](const Runtime::ProbeMemory& memory) {
    return memory.unsaved && (flush_memories || !memory.blob || !memory.saved_at ||
                              steady_now - *memory.saved_at >= options_.probe_memory_save_interval);
  };
  auto collect_memories = [&](Runtime& runtime) {
    for (std::size_t p = 0; p < runtime.memories.size(); ++p) {
      if (due(runtime.memories[p])) memories.emplace_back(&runtime, p);
    }
  };
  if (flush_memories) {
    for (auto& runtime : runtimes_) collect_memories(*runtime);
  }
  std::vector<std::size_t> candidates;
  if (retry) {
    for (const auto& runtime : runtimes_) candidates.push_back(runtime->index);
  }
  const auto& touched = retry ? candidates : dirty_;
  for (std::size_t i : touched) {
    auto& runtime = *runtimes_[i];
    if (!flush_memories) collect_memories(runtime);
    auto print = fingerprint(runtime.machine, runtime.event_sequence, runtime.first_failure,
                             runtime.incident_started, runtime.action_settle, runtime.acknowledged,
                             runtime.alerted_sinks);
    if (print == runtime.saved) continue;
    nlohmann::json extra = {{"event_sequence", runtime.event_sequence}};
    if (runtime.first_failure) extra["first_failure_ms"] = epoch_ms(*runtime.first_failure);
    if (runtime.incident_started) {
      extra["incident_started_ms"] = epoch_ms(*runtime.incident_started);
    }
    if (runtime.action_settle) extra["action_settle_ms"] = epoch_ms(*runtime.action_settle);
    if (!runtime.acknowledged.empty()) extra["acknowledged"] = runtime.acknowledged;
    // A handed-over incident's receivers are known only from the leader record: a restart must
    // not forget them, or its resolution would reach only the sinks this replica alerted.
    if (!runtime.alerted_sinks.empty()) extra["alerted_sinks"] = runtime.alerted_sinks;
    auto text = nlohmann::json{{"machine", snapshot(runtime.machine)}, {"engine", extra}}.dump();
    changed.emplace_back(&runtime, std::move(text), std::move(print));
  }
  if (changed.empty() && memories.empty()) {
    save_backlog_ = false;  // a retry that found everything saved
    return;
  }
  try {
    store::Transaction transaction(options_.store->db());
    const auto now = Clock::now();
    for (const auto& [runtime, text, print] : changed) {
      options_.store->save_component(runtime->plan.spec.name, text, now);
    }
    for (const auto& [runtime, p] : memories) {
      const auto& view = runtime->views[p];
      if (const auto& blob = runtime->memories[p].blob) {
        options_.store->save_probe_memory({runtime->plan.spec.name, view.name, view.kind, *blob},
                                          now);
      } else {
        options_.store->forget_probe_memory(runtime->plan.spec.name, view.name);
      }
    }
    transaction.commit();
    for (auto& [runtime, text, print] : changed) runtime->saved = std::move(print);
    for (const auto& [runtime, p] : memories) {
      runtime->memories[p].unsaved = false;
      runtime->memories[p].saved_at = steady_now;
    }
    save_backlog_ = false;
    store_health_.write_succeeded();
  } catch (const std::exception&) {
    // Nothing is marked saved: the retry a second from now writes them (and any later change).
    save_backlog_ = true;
    next_save_retry_ = steady_now + kSaveRetryInterval;
    store_health_.write_failed("state_save", std::current_exception());
  }
}

void Engine::keep_memory(Runtime& runtime, std::size_t probe, const probes::ProbeResult& result) {
  if (!result.memory) return;
  auto& memory = runtime.memories[probe];
  const std::size_t size = result.memory->size();
  if (size > probes::kMaxProbeMemoryBytes) {
    // Logged once per run of refusals, not at every check.
    if (!memory.refused) {
      memory_too_large(runtime.plan.spec.name, runtime.views[probe].name, size, "probe");
    }
    memory.refused = true;
    return;
  }
  memory.refused = false;
  if (result.memory->empty()) {
    memory.blob.reset();  // the probe forgot it: so does the store, at the next save
  } else {
    memory.blob = *result.memory;
  }
  memory.unsaved = true;
}

// Called by apply_plan once the runtimes exist, before their probes are scheduled: each probe
// object gets its memory back (carried over by a reload, else the store's), and the store
// forgets the memories of probes the plan no longer has (or whose kind changed, or too large).
void Engine::restore_probe_memories() {
  if (options_.store != nullptr) {
    std::vector<store::ProbeMemory> saved;
    try {
      saved = options_.store->load_probe_memories();
    } catch (const std::exception& error) {
      spdlog::error("probe_memory_restore_failed {} action=starting_fresh",
                    kv("error", error.what()));
    }
    std::map<std::string, Runtime*> by_name;
    for (auto& runtime : runtimes_) by_name[runtime->plan.spec.name] = runtime.get();
    for (auto& row : saved) {
      const auto found = by_name.find(row.component);
      Runtime* runtime = found == by_name.end() ? nullptr : found->second;
      std::size_t p = 0;
      while (runtime != nullptr && p < runtime->views.size() && runtime->views[p].name != row.probe)
        ++p;
      if (runtime == nullptr || p == runtime->views.size() || runtime->views[p].kind != row.kind ||
          memory_too_large(row.component, row.probe, row.memory.size(), "store")) {
        try {
          options_.store->forget_probe_memory(row.component, row.probe);
        } catch (const std::exception& error) {  // tried again at the next start or reload
          spdlog::error("probe_memory_forget_failed {} {} {}", kv("component", row.component),
                        kv("probe", row.probe), kv("error", error.what()));
        }
        continue;
      }
      auto& memory = runtime->memories[p];
      // A reload's copy is as new, and one the probe forgot (not saved yet) stays forgotten.
      if (!memory.blob && !memory.unsaved) memory.blob = std::move(row.memory);
    }
  }
  for (auto& runtime : runtimes_) {
    for (std::size_t p = 0; p < runtime->memories.size(); ++p) {
      if (const auto& blob = runtime->memories[p].blob) {
        runtime->plan.probes[p].probe->restore_memory(*blob);
      }
    }
  }
}

std::string Engine::mute_of(const std::string& component, TimePoint now) const {
  for (const auto& mute : mutes_) {
    if (mute.component == component && mute.until > now) {
      return "paused until " + config::format_rfc3339_ms(mute.until) +
             (mute.reason.empty() ? "" : ": " + mute.reason);
    }
  }
  for (const auto& window : maintenance_) {
    if (!window.covers(component)) continue;
    if (auto until = window.active_until(now)) {
      return "maintenance window " + window.name + " until " + config::format_rfc3339_ms(*until);
    }
  }
  return {};
}

// Holds are computed from the store's pauses as of this turn: the poll comes first (and may
// recompute them itself).
void Engine::refresh_holds_if_stale(TimePoint now) {
  if (!holds_stale_) return;
  poll_operator_requests_once();
  if (holds_stale_) update_holds(now);
}

void Engine::update_holds_if_due() {
  auto due = [&] { return holds_stale_ || std::chrono::steady_clock::now() >= next_holds_; };
  if (!due()) return;
  poll_operator_requests_once();
  if (due()) update_holds(Clock::now());
}

void Engine::update_holds(TimePoint now) {
  holds_stale_ = false;
  // Recomputed at the latest when a pause or an open maintenance window ends (the loop wakes
  // for it), and once a second while maintenance windows are configured (their next start is
  // not cheap to know) or pauses exist (their end is planned on the steady clock: a wall-clock
  // step or a suspend must not keep an expired pause). Otherwise not at all: this walks every
  // component.
  const auto steady_now = std::chrono::steady_clock::now();
  auto at_end = [&](TimePoint end) {
    if (end <= now) return;
    const auto left = std::chrono::duration_cast<std::chrono::steady_clock::duration>(end - now);
    next_holds_ = std::min(next_holds_, steady_now + left);
  };
  next_holds_ = maintenance_.empty() && mutes_.empty()
                    ? std::chrono::steady_clock::time_point::max()
                    : steady_now + std::chrono::seconds(1);
  for (const auto& mute : mutes_) at_end(mute.until);
  for (const auto& window : maintenance_) {
    if (auto until = window.active_until(now)) at_end(*until);
  }
  observe_leadership();
  std::vector<HoldInput> inputs;
  for (const auto& runtime : runtimes_) {
    const auto& m = runtime->machine;
    HoldInput in;
    in.name = m.name;
    in.state = m.state;
    in.suspect = std::any_of(m.probes.begin(), m.probes.end(),
                             [](const ProbeTrack& t) { return t.fail_streak > 0; });
    in.incident_id = m.incident_id;
    in.depends_on = runtime->plan.spec.depends_on;
    in.mute = mute_of(m.name, now);
    in.manager = manager_hold_of(*runtime, now);
    in.failing_since = runtime->first_failure;
    in.checked_since =
        runtime->probe_started.empty()
            ? TimePoint{}
            : *std::min_element(runtime->probe_started.begin(), runtime->probe_started.end());
    inputs.push_back(std::move(in));
  }
  const auto holds = compute_holds(inputs, leader_);
  for (std::size_t i = 0; i < runtimes_.size(); ++i) {
    auto& runtime = *runtimes_[i];
    if (!runtime.first_failure || runtime.checks_requested_for == runtime.first_failure) continue;
    runtime.checks_requested_for = runtime.first_failure;
    for (std::size_t d : unchecked_dependencies(inputs, i)) {
      for (auto& worker : runtimes_[d]->workers) worker->run_now();
    }
  }
  for (std::size_t i = 0; i < runtimes_.size(); ++i) {
    auto& runtime = *runtimes_[i];
    const auto& hold = holds[i];
    const bool changed = hold.reason != runtime.hold.reason;
    if (changed || hold.muted != runtime.hold.muted || !runtime.hold_exported) {
      recovery_metrics_.set_muted(runtime.machine.name, hold.muted);
      recovery_metrics_.set_held(runtime.machine.name, !hold.reason.empty());
      runtime.hold_exported = true;
      touch(runtime);  // the status view shows holds and mutes
    }
    runtime.hold = hold;
    if (!changed) continue;
    spdlog::info("hold_changed {} {}", kv("component", runtime.machine.name),
                 kv("hold", hold.reason.empty() ? "released" : hold.reason));
    recorder_.note(runtime.machine.incident_id, now, "hold",
                   hold.reason.empty() ? "released: re-probing before acting" : hold.reason);
    apply(runtime, step(runtime.machine, HoldChanged{hold.reason}, now));
  }
}

}  // namespace watchdog::core
