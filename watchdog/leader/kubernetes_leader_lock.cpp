#include "watchdog/leader/kubernetes_leader_lock.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>

#include "config/time_text.h"
#include "config/units.h"

namespace watchdog::core {
namespace {

using nlohmann::json;
using probes::KubernetesError;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kApiPath = "/apis/coordination.k8s.io/v1/namespaces/";

// Lease names are DNS subdomains, namespaces DNS labels (RFC 1123, lower case).
bool dns_subdomain(const std::string& text) {
  static const std::regex pattern("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
  return text.size() <= 253 && std::regex_match(text, pattern);
}
bool dns_label(const std::string& text) {
  static const std::regex pattern("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  return text.size() <= 63 && std::regex_match(text, pattern);
}

std::string now_text() { return config::format_rfc3339_us(std::chrono::system_clock::now()); }

std::string held_by(const std::string& holder) { return "held by " + holder; }

}  // namespace

LeaseObject parse_lease(const std::string& body) {
  const json document = json::parse(body);
  LeaseObject lease;
  lease.resource_version = document.at("metadata").at("resourceVersion").get<std::string>();
  const json spec = document.value("spec", json::object());
  auto text = [&](const char* key) {
    return spec.contains(key) && spec[key].is_string() ? spec[key].get<std::string>() : "";
  };
  auto number = [&](const char* key) {
    return spec.contains(key) && spec[key].is_number_integer() ? spec[key].get<long long>() : 0;
  };
  lease.record.holder = text("holderIdentity");
  // An int32 in the API; clamped so a hand-edited value cannot overflow our clock arithmetic.
  lease.record.duration = seconds(std::clamp<long long>(number("leaseDurationSeconds"), 0,
                                                        std::numeric_limits<std::int32_t>::max()));
  lease.record.acquire_time = text("acquireTime");
  lease.record.renew_time = text("renewTime");
  lease.record.transitions = number("leaseTransitions");
  const json metadata = document.at("metadata");
  if (metadata.contains("annotations") && metadata["annotations"].is_object()) {
    const json& annotations = metadata["annotations"];
    auto it = annotations.find(kLeaderRecordAnnotation);
    if (it != annotations.end() && it->is_string()) lease.leader_record = it->get<std::string>();
  }
  return lease;
}

std::string lease_body(const std::string& object, const std::string& name,
                       const std::string& namespace_name, const LeaseRecord& record,
                       const std::string& resource_version,
                       const std::optional<std::string>& leader_record) {
  json document = object.empty() ? json::object() : json::parse(object);
  document["apiVersion"] = "coordination.k8s.io/v1";
  document["kind"] = "Lease";
  json& metadata = document["metadata"];
  metadata["name"] = name;
  metadata["namespace"] = namespace_name;
  if (resource_version.empty()) {
    metadata.erase("resourceVersion");
  } else {
    metadata["resourceVersion"] = resource_version;
  }
  if (leader_record) {
    json& annotations = metadata["annotations"];
    if (!annotations.is_object()) annotations = json::object();
    annotations[kLeaderRecordAnnotation] = *leader_record;
  }
  // Only our fields: others a newer API adds to the spec (strategy, preferredHolder) stay.
  json& spec = document["spec"];
  if (!spec.is_object()) spec = json::object();
  spec["holderIdentity"] = record.holder;
  spec["leaseDurationSeconds"] = record.duration.count();
  spec["leaseTransitions"] = record.transitions;
  auto set_time = [&spec](const char* key, const std::string& value) {
    if (value.empty()) {
      spec.erase(key);
    } else {
      spec[key] = value;
    }
  };
  set_time("acquireTime", record.acquire_time);
  set_time("renewTime", record.renew_time);
  return document.dump();
}

LeaseObservation observe(const std::optional<LeaseObservation>& previous,
                         const LeaseRecord& current, std::chrono::steady_clock::time_point now) {
  if (previous && previous->record == current) return *previous;
  return {current, now};
}

LeaseVerdict judge_lease(const LeaseObservation& seen, std::chrono::steady_clock::time_point now,
                         const std::string& identity) {
  if (seen.record.holder == identity) return {LeaseAction::Renew, {}};
  if (seen.record.holder.empty()) return {LeaseAction::Take, {}};
  const auto expires = seen.changed_at + seen.record.duration;
  if (now >= expires) return {LeaseAction::Take, {}};
  // Rounded up: retrying a millisecond early would only find the lease still held.
  return {LeaseAction::Wait, std::chrono::ceil<milliseconds>(expires - now)};
}

LeaseRecord next_record(const LeaseRecord& current, const std::string& identity, seconds duration,
                        const std::string& now) {
  LeaseRecord next = current;
  next.duration = duration;
  next.renew_time = now;
  if (current.holder != identity) {
    next.holder = identity;
    next.acquire_time = now;
    next.transitions = current.transitions + 1;
  }
  return next;
}

std::uint64_t fencing_token(const LeaseRecord& written) {
  return written.transitions >= 0 ? static_cast<std::uint64_t>(written.transitions) + 1 : 0;
}

std::unique_ptr<LeaderLock> KubernetesLeaderLock::create(config::Options& options,
                                                         milliseconds lease,
                                                         const std::string& identity) {
  Settings settings;
  settings.name = options.string_or("name", settings.name);
  if (!dns_subdomain(settings.name)) {
    options.fail("name",
                 "must be a DNS subdomain name (lower-case letters, digits, '-' and '.'), "
                 "got '" +
                     settings.name + "'");
  }
  settings.api = probes::read_kubernetes_settings(options);
  if (!settings.api.namespace_name.empty() && !dns_label(settings.api.namespace_name)) {
    options.fail("namespace", "must be a DNS label (lower-case letters, digits and '-'), got '" +
                                  settings.api.namespace_name + "'");
  }
  settings.lease = lease;
  settings.identity = identity;
  return std::make_unique<KubernetesLeaderLock>(std::move(settings));
}

KubernetesLeaderLock::KubernetesLeaderLock(Settings settings)
    : settings_(std::move(settings)),
      duration_(std::chrono::ceil<seconds>(settings_.lease)),
      api_(std::make_unique<probes::KubernetesApi>(settings_.api)) {}

KubernetesLeaderLock::~KubernetesLeaderLock() = default;

std::string KubernetesLeaderLock::describe() const {
  return "kubernetes " + where() + " at " + api_->server_text();
}

std::string KubernetesLeaderLock::where() const {
  return "lease " + api_->namespace_name() + "/" + settings_.name;
}

std::string KubernetesLeaderLock::lease_path() const {
  return kApiPath + probes::url_encode(api_->namespace_name()) + "/leases/" +
         probes::url_encode(settings_.name);
}

LockResult KubernetesLeaderLock::acquire_or_renew(milliseconds timeout,
                                                  const std::string& record) noexcept {
  try {
    const bool publish = record.size() <= kMaxLeaderRecordBytes;
    LockResult result =
        attempt(Clock::now() + timeout, timeout, publish ? std::optional(record) : std::nullopt);
    if (!publish && result.status == LockStatus::Held) {
      result.detail += " (record of " + std::to_string(record.size()) + " bytes not published)";
    }
    return result;
  } catch (...) {  // an unreadable body, or bad_alloc
    return {LockStatus::Unknown, where() + ": unreadable answer from the Kubernetes API"};
  }
}

LockResult KubernetesLeaderLock::attempt(Clock::time_point deadline, milliseconds timeout,
                                         const std::optional<std::string>& record) {
  auto unknown = [&](const std::string& detail) {
    return LockResult{LockStatus::Unknown, where() + ": " + detail};
  };
  auto read = api_->get_json(lease_path(), timeout);
  if (auto* error = std::get_if<KubernetesError>(&read)) {
    if (error->status == 404) return create_lease(deadline, timeout, record);
    return unknown(error->detail);
  }
  const std::string& object = std::get<std::string>(read);
  const LeaseObject lease = parse_lease(object);
  seen_ = observe(seen_, lease.record, Clock::now());
  const LeaseVerdict verdict = judge_lease(*seen_, Clock::now(), settings_.identity);
  if (verdict.action == LeaseAction::Wait) {
    may_hold_ = false;
    LockResult result{LockStatus::NotHeld, held_by(lease.record.holder), verdict.wait};
    result.record = lease.leader_record;
    return result;
  }

  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) {
    return unknown("no time left to write the lease within " + config::format_duration(timeout));
  }
  const LeaseRecord next = next_record(lease.record, settings_.identity, duration_, now_text());
  may_hold_ = true;  // from here on the write may land even when its answer is lost
  auto written = api_->put_json(lease_path(),
                                lease_body(object, settings_.name, api_->namespace_name(), next,
                                           lease.resource_version, record),
                                left);
  if (auto* error = std::get_if<KubernetesError>(&written)) {
    if (error->status == 409 || error->status == 404) {
      // Someone else wrote (or deleted) the lease between our GET and PUT: they won.
      may_hold_ = false;
      return {LockStatus::NotHeld, "lost a race for the lease: " + error->detail};
    }
    return unknown(error->detail);
  }
  seen_ = observe(seen_, parse_lease(std::get<std::string>(written)).record, Clock::now());
  LockResult result{LockStatus::Held, "renewed"};
  result.fencing_token = fencing_token(next);
  if (verdict.action == LeaseAction::Renew) return result;
  result.detail = lease.record.holder.empty()
                      ? std::string("acquired (the lease was free)")
                      : "acquired (the lease of " + lease.record.holder + " expired)";
  result.record = lease.leader_record;  // as read by the GET our PUT replaced
  return result;
}

LockResult KubernetesLeaderLock::create_lease(Clock::time_point deadline, milliseconds timeout,
                                              const std::optional<std::string>& record) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) {
    return {
        LockStatus::Unknown,
        where() + ": no time left to create the lease within " + config::format_duration(timeout),
        {}};
  }
  const std::string now = now_text();
  const LeaseRecord lease{settings_.identity, duration_, now, now, 0};
  const std::string ns = api_->namespace_name();
  may_hold_ = true;
  auto created = api_->post_json(kApiPath + probes::url_encode(ns) + "/leases",
                                 lease_body("", settings_.name, ns, lease, "", record), left);
  if (auto* error = std::get_if<KubernetesError>(&created)) {
    if (error->status == 409) {  // AlreadyExists: another replica created it first
      may_hold_ = false;
      return {LockStatus::NotHeld, "lost a race for the lease: " + error->detail};
    }
    return {LockStatus::Unknown, where() + ": " + error->detail};
  }
  seen_ = observe(seen_, parse_lease(std::get<std::string>(created)).record, Clock::now());
  LockResult result{LockStatus::Held, "acquired (lease created)"};
  result.fencing_token = fencing_token(lease);
  return result;
}

void KubernetesLeaderLock::release(milliseconds timeout) noexcept {
  try {
    if (!may_hold_) return;
    may_hold_ = false;
    const auto deadline = Clock::now() + timeout;
    auto read = api_->get_json(lease_path(), timeout);
    if (!std::holds_alternative<std::string>(read)) return;  // unreachable: the lease runs out
    const std::string& object = std::get<std::string>(read);
    const LeaseObject lease = parse_lease(object);
    if (lease.record.holder != settings_.identity) return;  // not ours (any more)
    LeaseRecord released = lease.record;
    released.holder = "";
    released.duration = seconds(1);
    released.renew_time = now_text();
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return;
    // A 409 (written meanwhile) leaves the lease to whoever wrote it.
    api_->put_json(lease_path(),
                   lease_body(object, settings_.name, api_->namespace_name(), released,
                              lease.resource_version),
                   left);
    seen_.reset();
  } catch (...) {  // the lease runs out by itself
  }
}

}  // namespace watchdog::core
