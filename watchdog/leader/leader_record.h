#pragma once
// The leader record: what the leader publishes through its lock (leader_lock.h) so that the
// other replicas and the next leader speak of the same incidents — its open incidents, each
// with the id its alerts carry and the sinks they went to. JSON, so an operator can read it
// (`redis-cli GET watchdog:leader:record`):
//   {"v":1,"holder":"host:pid:abcd1234","incidents":[
//     {"component":"api","id":"api-20261206T071502.120Z","state":"CRITICAL","sinks":["pager"]}]}
// Pure; no I/O.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace watchdog::core {

struct HandedIncident {
  std::string component;
  std::string id;     // the incident id its alerts carry
  std::string state;  // "CRITICAL", … (for logs and the journal)
  std::vector<std::string> sinks;  // where its alerts went (so its resolution goes there too)
  bool operator==(const HandedIncident&) const = default;
};

struct LeaderRecord {
  std::string holder;  // the publishing replica's identity
  std::vector<HandedIncident> incidents;
  bool operator==(const LeaderRecord&) const = default;
};

// The record as JSON, at most max_bytes long: incidents that would not fit are left out (the
// first ones, in the caller's order, are kept) and counted in `dropped` when given.
std::string encode_leader_record(const LeaderRecord& record, std::size_t max_bytes,
                                 std::size_t* dropped = nullptr);
// nullopt when the text is not a record of this format (another version, damaged, an id not of
// the shape "<component>-<time>"): a record that cannot be read is ignored, never half-applied.
std::optional<LeaderRecord> decode_leader_record(const std::string& text) noexcept;

}  // namespace watchdog::core
