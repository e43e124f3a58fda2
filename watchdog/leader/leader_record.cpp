#include "watchdog/leader/leader_record.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace watchdog::core {
namespace {

constexpr int kVersion = 1;

// Ids are "<component>-<time>" (make_incident_id). Anyone who can write the lock's server can
// write a record, and its ids go into the journal, links, outbox keys and the actions'
// environment: only that shape is taken.
bool plausible_id(const std::string& component, const std::string& id) {
  const std::string prefix = component + "-";
  if (id.size() <= prefix.size() || id.size() > prefix.size() + 64 || id.rfind(prefix, 0) != 0) {
    return false;
  }
  return std::all_of(id.begin() + static_cast<std::ptrdiff_t>(prefix.size()), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
           c == ':';
  });
}

nlohmann::json to_json(const HandedIncident& incident) {
  return {{"component", incident.component},
          {"id", incident.id},
          {"state", incident.state},
          {"sinks", incident.sinks}};
}

}  // namespace

std::string encode_leader_record(const LeaderRecord& record, std::size_t max_bytes,
                                 std::size_t* dropped) {
  nlohmann::json document = {
      {"v", kVersion}, {"holder", record.holder}, {"incidents", nlohmann::json::array()}};
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
  std::size_t size = document.dump(-1, ' ', false, kReplace).size();
  std::size_t left_out = 0;
  for (const auto& incident : record.incidents) {
    auto entry = to_json(incident);
    const std::size_t extra = entry.dump(-1, ' ', false, kReplace).size() + 1;  // and a comma
    if (size + extra > max_bytes) {
      ++left_out;
      continue;
    }
    size += extra;
    document["incidents"].push_back(std::move(entry));
  }
  if (dropped != nullptr) *dropped = left_out;
  // Invalid UTF-8 in a name must not make the record unwritable: replaced, not thrown.
  return document.dump(-1, ' ', false, kReplace);
}

std::optional<LeaderRecord> decode_leader_record(const std::string& text) noexcept {
  try {
    const auto document = nlohmann::json::parse(text);
    if (!document.is_object() || document.value("v", 0) != kVersion) return std::nullopt;
    LeaderRecord record;
    record.holder = document.at("holder").get<std::string>();
    for (const auto& entry : document.at("incidents")) {
      HandedIncident incident;
      incident.component = entry.at("component").get<std::string>();
      incident.id = entry.at("id").get<std::string>();
      incident.state = entry.value("state", "");
      incident.sinks = entry.value("sinks", std::vector<std::string>{});
      if (incident.component.empty() || !plausible_id(incident.component, incident.id)) {
        return std::nullopt;
      }
      record.incidents.push_back(std::move(incident));
    }
    return record;
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace watchdog::core
