#include "probes/kubernetes_probe.h"

#include <algorithm>

namespace watchdog::probes {
namespace {

bool counts(const PodInfo& pod) { return !pod.deleting && pod.phase != "Succeeded"; }

std::string trouble(const PodInfo& pod) {
  std::string why =
      pod.waiting_reason.empty() ? "not ready (" + pod.phase + ")" : pod.waiting_reason;
  return pod.name + ": " + why + " (restarts " + std::to_string(pod.restarts) + ")";
}

}  // namespace

ProbeResult judge_pods(const std::vector<PodInfo>& pods, int min_ready,
                       const std::string& selector) {
  std::vector<const PodInfo*> troubled;
  int total = 0, ready = 0, restarts = 0;
  for (const auto& pod : pods) {
    if (!counts(pod)) continue;
    ++total;
    restarts += pod.restarts;
    if (pod.ready) {
      ++ready;
    } else {
      troubled.push_back(&pod);
    }
  }
  std::stable_sort(troubled.begin(), troubled.end(), [](const PodInfo* a, const PodInfo* b) {
    const bool a_loop = a->waiting_reason == "CrashLoopBackOff";
    const bool b_loop = b->waiting_reason == "CrashLoopBackOff";
    if (a_loop != b_loop) return a_loop;
    return a->restarts > b->restarts;
  });
  ProbeResult result;
  std::string detail = std::to_string(ready) + "/" + std::to_string(total) + " pods ready";
  if (!troubled.empty()) detail += "; " + trouble(*troubled.front());
  if (troubled.size() > 1) detail += " (+" + std::to_string(troubled.size() - 1) + " more)";
  if (total == 0 && min_ready > 0) {
    result = unhealthy(FailureKind::NotFound, "no pods match " + selector);
  } else if (ready < min_ready) {
    result = unhealthy(FailureKind::BadResponse,
                       detail + " (min_ready " + std::to_string(min_ready) + ")");
  } else if (!troubled.empty()) {
    result = degraded(FailureKind::None, detail);
  } else {
    result = healthy(detail);
  }
  result.measurements = {{"kubernetes_pods_ready", static_cast<double>(ready)},
                         {"kubernetes_pods", static_cast<double>(total)},
                         {"kubernetes_container_restarts", static_cast<double>(restarts)}};
  return result;
}

ProbeResult judge_deployment(const DeploymentInfo& deployment, bool respect_manual_stop) {
  const std::string detail = "deployment " + deployment.name + ": " +
                             std::to_string(deployment.available) + "/" +
                             std::to_string(deployment.desired) + " replicas available";
  ProbeResult result;
  if (deployment.desired == 0 && respect_manual_stop) {
    result = degraded(FailureKind::Stopped, "deployment " + deployment.name +
                                                " scaled to 0 on purpose; scale it up to resume "
                                                "monitoring");
  } else if (deployment.desired == 0) {
    result = unhealthy(FailureKind::BadResponse, detail + " (scaled to 0)");
  } else if (deployment.available >= deployment.desired) {
    result = healthy(detail);
  } else if (deployment.available > 0) {
    result = degraded(FailureKind::None, detail);
  } else {
    result = unhealthy(FailureKind::BadResponse, detail);
  }
  result.measurements = {
      {"kubernetes_replicas_desired", static_cast<double>(deployment.desired)},
      {"kubernetes_replicas_available", static_cast<double>(deployment.available)}};
  return result;
}

std::unique_ptr<Probe> KubernetesProbe::create(std::string name, config::Options& options) {
  Settings settings;
  settings.api = read_kubernetes_settings(options);
  settings.selector = options.string_or("selector", "");
  settings.deployment = options.string_or("deployment", "");
  if (settings.selector.empty() == settings.deployment.empty()) {
    options.fail("selector", "give exactly one of `selector` (pods) or `deployment`");
  }
  settings.min_ready = static_cast<int>(options.integer_or("min_ready", 1, 0, 100000));
  if (!settings.deployment.empty() && options.has("min_ready")) {
    options.fail("min_ready", "applies to `selector` only (a deployment has its own replicas)");
  }
  settings.respect_manual_stop = options.boolean_or("respect_manual_stop", true);
  if (settings.deployment.empty() && options.has("respect_manual_stop")) {
    options.fail("respect_manual_stop",
                 "applies to `deployment` only (a selector cannot tell a planned stop)");
  }
  return std::make_unique<KubernetesProbe>(std::move(name), std::move(settings));
}

KubernetesProbe::KubernetesProbe(std::string name, Settings settings)
    : GuardedProbe(std::move(name)), settings_(std::move(settings)), api_(settings_.api) {}

ProbeResult KubernetesProbe::check_once(std::chrono::milliseconds timeout) {
  if (!settings_.deployment.empty()) {
    auto found = api_.get_deployment(settings_.deployment, timeout);
    if (auto* error = std::get_if<KubernetesError>(&found)) return unhealthy(error->kind, error->detail);
    return judge_deployment(std::get<DeploymentInfo>(found), settings_.respect_manual_stop);
  }
  auto pods = api_.list_pods(settings_.selector, timeout);
  if (auto* error = std::get_if<KubernetesError>(&pods)) return unhealthy(error->kind, error->detail);
  return judge_pods(std::get<std::vector<PodInfo>>(pods), settings_.min_ready,
                    settings_.selector + " in namespace " + api_.namespace_name());
}

}  // namespace watchdog::probes
