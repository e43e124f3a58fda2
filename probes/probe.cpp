#include "probes/probe.h"

#include <utility>

#include "config/redaction.h"

namespace watchdog::probes {
namespace {

constexpr std::size_t kMaxDetail = 200;

// Enforces the detail contract centrally: one line, at most kMaxDetail bytes, never cut
// inside a UTF-8 sequence.
std::string one_line(std::string detail) {
  for (char& c : detail) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  // Redacted before the cut, which could split a secret so that no needle matches it (the
  // engine redacts every detail again as it arrives; that covers the short ones).
  if (detail.size() > kMaxDetail) config::redact_in_place(detail);
  if (detail.size() > kMaxDetail) {
    std::size_t cut = kMaxDetail - 3;  // room for "..."
    while (cut > 0 && (static_cast<unsigned char>(detail[cut]) & 0xC0) == 0x80) --cut;
    detail.resize(cut);
    detail += "...";
  }
  return detail;
}

ProbeResult make(ProbeStatus status, FailureKind why, std::string detail) {
  ProbeResult result;
  result.status = status;
  result.failure = why;
  result.detail = one_line(std::move(detail));
  return result;
}

}  // namespace

bool Probe::start_check(AsyncIo&, std::chrono::milliseconds, Done) noexcept { return false; }

std::string_view to_string(ProbeStatus status) {
  switch (status) {
    case ProbeStatus::Healthy:
      return "healthy";
    case ProbeStatus::Degraded:
      return "degraded";
    case ProbeStatus::Unhealthy:
      return "unhealthy";
    case ProbeStatus::Unknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::None:
      return "none";
    case FailureKind::Timeout:
      return "timeout";
    case FailureKind::Refused:
      return "refused";
    case FailureKind::Auth:
      return "auth";
    case FailureKind::NotFound:
      return "not_found";
    case FailureKind::BadResponse:
      return "bad_response";
    case FailureKind::Threshold:
      return "threshold";
    case FailureKind::Error:
      return "error";
    case FailureKind::Corrupt:
      return "corrupt";
    case FailureKind::Locked:
      return "locked";
    case FailureKind::Stopped:
      return "stopped";
    case FailureKind::LocalResource:
      return "local_resource";
  }
  return "error";
}

const std::vector<FailureKind>& all_failure_kinds() {
  static const std::vector<FailureKind> kinds = {
      FailureKind::Timeout,     FailureKind::Refused,   FailureKind::Auth,  FailureKind::NotFound,
      FailureKind::BadResponse, FailureKind::Threshold, FailureKind::Error, FailureKind::Corrupt,
      FailureKind::Locked,      FailureKind::Stopped};
  return kinds;
}

std::optional<FailureKind> failure_kind_from_string(std::string_view name) {
  for (FailureKind kind : all_failure_kinds()) {
    if (to_string(kind) == name) return kind;
  }
  return std::nullopt;
}

ProbeResult healthy(std::string detail) {
  return make(ProbeStatus::Healthy, FailureKind::None, std::move(detail));
}

ProbeResult degraded(FailureKind why, std::string detail) {
  return make(ProbeStatus::Degraded, why, std::move(detail));
}

ProbeResult unhealthy(FailureKind why, std::string detail) {
  return make(ProbeStatus::Unhealthy, why, std::move(detail));
}

ProbeResult local_exhaustion(std::string detail) {
  return make(ProbeStatus::Unknown, FailureKind::LocalResource, "watchdog: " + std::move(detail));
}

}  // namespace watchdog::probes
