#include "actions/factory.h"

#include "actions/backup_now_action.h"
#include "actions/command_action.h"
#include "actions/docker_restart_action.h"
#include "actions/docker_start_action.h"
#include "actions/docker_stop_action.h"
#include "actions/kubernetes_delete_pod_action.h"
#include "actions/kubernetes_rollout_restart_action.h"
#include "actions/restore_latest_action.h"
#include "actions/runbook_action.h"

namespace watchdog::actions {

std::unique_ptr<Action> make_action(const config::ActionSpec& spec,
                                    const std::vector<config::BackupTargetSpec>& backups) {
  config::Options options = spec.options;
  std::unique_ptr<Action> action;
  if (spec.kind == "runbook") {
    action = RunbookAction::create(spec, backups);
  } else if (spec.kind == "command") {
    action = CommandAction::create(spec.name, options);
  } else if (spec.kind == "backup_now") {
    action = BackupNowAction::create(spec.name, options, backups);
  } else if (spec.kind == "restore_latest") {
    action = RestoreLatestAction::create(spec.name, options, backups);
  } else if (spec.kind == "docker_restart") {
    action = DockerRestartAction::create(spec.name, options);
  } else if (spec.kind == "docker_start") {
    action = DockerStartAction::create(spec.name, options);
  } else if (spec.kind == "docker_stop") {
    action = DockerStopAction::create(spec.name, options);
  } else if (spec.kind == "k8s_rollout_restart") {
    action = KubernetesRolloutRestartAction::create(spec.name, options);
  } else if (spec.kind == "k8s_delete_pod") {
    action = KubernetesDeletePodAction::create(spec.name, options);
  } else {
    std::string known;
    for (auto kind : action_kinds()) known += (known.empty() ? "" : ", ") + std::string(kind);
    options.fail("kind", "unknown action kind '" + spec.kind + "' (known: " + known + ")");
  }
  options.finish();
  return action;
}

const std::vector<std::string_view>& action_kinds() {
  static const std::vector<std::string_view> kinds = {
      "command",    "docker_restart", "docker_start",        "docker_stop",
      "backup_now", "restore_latest", "k8s_rollout_restart", "k8s_delete_pod"};
  return kinds;
}

}  // namespace watchdog::actions
