#include "watchdog/alerts/message.h"

#include "config/time_text.h"

namespace watchdog::alerts {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026 "…"

bool continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Length in bytes of the well-formed UTF-8 sequence at text[i], or 0 when it is not one
// (overlong forms, surrogates and code points above U+10FFFF are not).
std::size_t sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
  };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  std::size_t length = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size() || byte(1) < low || byte(1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (!continuation(byte(k))) return 0;
  }
  return length;
}

// Calls visit(code_point_bytes) for each code point, invalid bytes as U+FFFD.
template <typename Visit>
void for_each_code_point(std::string_view text, Visit visit) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = sequence_length(text, i);
    if (length == 0) {
      if (!visit(kReplacement)) return;
      i += 1;
    } else {
      if (!visit(text.substr(i, length))) return;
      i += length;
    }
  }
}

std::string state_name(core::State state) { return std::string(core::to_string(state)); }

std::string title_of(const AlertEvent& event) {
  if (event.condition == "flapping") {
    return (event.type == "reminder" ? "Reminder: " + event.component + " is still FLAPPING"
                                     : event.component + " is FLAPPING");
  }
  if (event.condition == "flapping_stopped") return event.component + " stopped flapping";
  if (event.condition == "removed") {
    return event.component + " removed from the configuration; incident closed";
  }
  if (event.to == core::State::Healthy) {
    if (auto outage = outage_duration(event)) {
      return event.component + " recovered after " + config::coarse_duration(*outage);
    }
    return event.component + " is HEALTHY again";
  }
  if (event.type == "reminder") {
    std::string title = "Reminder: " + event.component + " is still " + state_name(event.to);
    if (event.incident_started && event.at > *event.incident_started) {
      const auto open =
          std::chrono::duration_cast<std::chrono::seconds>(event.at - *event.incident_started);
      title += " (for " + config::coarse_duration(open) + ")";
    }
    return title;
  }
  return event.component + " is " + state_name(event.to);
}

std::string probe_line(const ProbeSnapshot& probe) {
  std::string line = probe.name + " (" + probe.kind + "): " + probe.status;
  if (!probe.detail.empty()) line += " \xE2\x80\x94 " + probe.detail;  // " — "
  return line;
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for_each_code_point(text, [&](std::string_view cp) {
    out += cp;
    return true;
  });
  return out;
}

std::size_t text_length(std::string_view text) {
  std::size_t count = 0;
  for_each_code_point(text, [&](std::string_view) {
    ++count;
    return true;
  });
  return count;
}

std::string truncate_text(std::string_view text, std::size_t max_chars) {
  if (text_length(text) <= max_chars) return valid_utf8(text);
  if (max_chars == 0) return "";
  std::string out;
  std::size_t kept = 0;
  for_each_code_point(text, [&](std::string_view cp) {
    if (kept + 1 == max_chars) return false;  // the last place is the ellipsis's
    out += cp;
    ++kept;
    return true;
  });
  // "connection refused …" reads worse than "connection refused…".
  while (!out.empty() &&
         (out.back() == ' ' || out.back() == '\n' || out.back() == '\t' || out.back() == '\r')) {
    out.pop_back();
  }
  return out += kEllipsis;
}

namespace {

// The backup report (type "backup_report"): the headline as title, one line per target.
Message compose_report(const AlertEvent& event) {
  Message message;
  message.title = "Backup report: " + event.reason;
  message.summary = "Backups as of " + config::format_rfc3339(event.at) + ": " + event.reason;
  message.severity = severity_of(event.to);
  for (const auto& target : event.probes) message.probe_lines.push_back(target.detail);
  return message;
}

}  // namespace

Message compose(const AlertEvent& event) {
  if (event.type == "backup_report") return compose_report(event);
  Message message;
  message.title = title_of(event);
  message.summary = headline(event);
  message.link = event.link;
  message.severity = severity_of(event.to);
  message.resolved = event.to == core::State::Healthy;

  auto& facts = message.facts;
  facts.emplace_back("Component", event.component);
  if (event.condition == "flapping") {
    facts.emplace_back("State", "FLAPPING (up to " + state_name(event.to) + ")");
  } else if (event.condition == "flapping_stopped") {
    facts.emplace_back("State", "no longer flapping");
  } else if (event.condition == "removed") {
    facts.emplace_back("State",
                       "removed from the configuration (was " + state_name(event.from) + ")");
  } else {
    facts.emplace_back("State", state_name(event.to) + " (was " + state_name(event.from) + ")");
  }
  if (!event.root_cause.empty()) {
    facts.emplace_back("Root cause",
                       event.root_incident.empty()
                           ? event.root_cause
                           : event.root_cause + " (incident " + event.root_incident + ")");
  }
  if (event.action) {
    const auto& action = *event.action;
    std::string text = action.name + " (" + action.kind + "): " + (action.ok ? "ok" : "failed");
    if (!action.detail.empty()) text += " \xE2\x80\x94 " + action.detail;
    facts.emplace_back("Action", text);
  }
  if (event.attempt > 0) facts.emplace_back("Attempt", std::to_string(event.attempt));
  if (!event.incident_id.empty()) facts.emplace_back("Incident", event.incident_id);
  if (auto outage = outage_duration(event))
    facts.emplace_back("Outage", config::coarse_duration(*outage));

  for (const auto& probe : event.probes) message.probe_lines.push_back(probe_line(probe));
  return message;
}

}  // namespace watchdog::alerts
