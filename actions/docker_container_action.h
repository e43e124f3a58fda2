#pragma once
// What `docker_restart`, `docker_start` and `docker_stop` share: finding the target containers,
// and the rule for which of them may be touched at all.
//
// Keys (every kind): container | labels, socket | host + tls_* (probes/clients/docker_api.h);
// respect_manual_stop (true) for restart and start (stopping needs no such guard).
//
// Per matched container (restart and start; docker_stop overrides skip_reason()):
//   restarting                           → skipped: Docker's restart policy is already on it
//   removing                             → skipped
//   exited/created, respect_manual_stop → acted on only when the engine's events show it
//       exited by itself (StopCause::Crashed). Stopped on purpose (a `stop` request, or a kill
//       with SIGTERM/SIGKILL, since it last started) → left alone. Unknown (event history no
//       longer covers it, or never started) → also left alone: doing nothing is the safe
//       mistake. respect_manual_stop: false acts on every non-running container.
//   anything else                        → acted on (the kind decides how)
// Outcome: ok when at least one container was acted on and every act succeeded; when all were
// skipped, ok = false with the reasons (the coordinator backs off and finally gives up, loudly).

#include <chrono>
#include <memory>
#include <string>

#include "actions/guarded_action.h"
#include "config/options.h"
#include "probes/clients/docker_api.h"

namespace watchdog::actions {

// Why a container is left alone ("" = act on it). Pure, for unit tests; `stop` is consulted
// only for a container that is not running.
std::string docker_skip_reason(const probes::ContainerInfo& container,
                               const probes::StopJudgement& stop, bool respect_manual_stop);
// Whether docker_skip_reason needs the stop judgement (costs one events request).
bool needs_stop_judgement(const probes::ContainerInfo& container, bool respect_manual_stop);

class DockerContainerAction : public GuardedAction {
 public:
  struct Settings {
    probes::DockerApi::Settings endpoint;
    probes::ContainerTarget target;
    bool respect_manual_stop = true;
  };
  // `manual_stop_key`: whether the kind reads respect_manual_stop (else it is false, and an
  // unknown key in the config).
  static Settings read_settings(config::Options& options, bool manual_stop_key = true);

  DockerContainerAction(std::string name, Settings settings);

 protected:
  // Acts on one container within `left`; nothing on success, else a safe error detail.
  virtual std::optional<std::string> act(const probes::DockerApi& api,
                                         const probes::ContainerInfo& container,
                                         std::chrono::milliseconds left) const = 0;
  virtual std::string_view verb() const = 0;  // "restarted", "started", "stopped"
  // Why `container` is left alone ("" = act on it); `stop` is filled only when
  // needs_stop_judgement() said so. Default: docker_skip_reason().
  virtual std::string skip_reason(const probes::ContainerInfo& container,
                                  const probes::StopJudgement& stop) const;
  const Settings& settings() const { return settings_; }

 private:
  ActionOutcome run_once(const Incident& incident, std::chrono::milliseconds timeout) final;
  Settings settings_;
  probes::DockerApi api_;
};

}  // namespace watchdog::actions
