#pragma once
// JSON snapshots of a component's state machine, for the state store. restore() matches probes
// by name and keeps the plan's thresholds, so a snapshot taken under an older configuration
// still restores what it can (a probe that no longer exists is dropped, a new one starts fresh).

#include <nlohmann/json.hpp>

#include "config/time_text.h"

#include "watchdog/engine/state_machine.h"

namespace watchdog::core {

nlohmann::json snapshot(const Component& component);
// What snapshot() writes, as compact bytes appended to `out`, for a cheap "did it change?" on
// every result (no JSON built): equal fingerprints mean equal snapshots.
void append_fingerprint(const Component& component, std::string& out);
// Throws nlohmann::json::exception on a malformed snapshot (the caller logs and starts fresh).
void restore(const nlohmann::json& snapshot, Component& component);

using config::epoch_ms;
using config::from_epoch_ms;

}  // namespace watchdog::core
