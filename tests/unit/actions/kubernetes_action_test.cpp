// Which pods k8s_delete_pod deletes, and the k8s actions' config (issue #7). Against the HTTPS
// stand-in for the API server: tests/integration/kubernetes_test.cpp.
#include <gtest/gtest.h>

#include "actions/kubernetes_delete_pod_action.h"
#include "tests/unit/actions/action_test_helpers.h"

namespace watchdog::actions {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;
using testing::action_from_yaml;

probes::PodInfo pod(std::string name, bool ready, std::string phase = "Running") {
  probes::PodInfo info;
  info.name = std::move(name);
  info.ready = ready;
  info.phase = std::move(phase);
  info.created = Clock::now() - 10min;
  return info;
}

TEST(K8sDeletePod, DeletesOnlyUnreadySettledPods) {
  auto deleting = pod("deleting", false);
  deleting.deleting = true;
  auto young = pod("young", false);
  young.created = Clock::now() - 5s;
  const std::vector<probes::PodInfo> pods = {pod("ready", true),
                                             pod("stuck", false),
                                             deleting,
                                             young,
                                             pod("done", false, "Succeeded"),
                                             pod("failed", false, "Failed")};
  EXPECT_EQ(pods_to_delete(pods, 30s, Clock::now()), (std::vector<std::string>{"stuck", "failed"}));
  EXPECT_EQ(pods_to_delete(pods, 0s, Clock::now()),
            (std::vector<std::string>{"stuck", "young", "failed"}));
}

TEST(K8sActions, ConfigAndDescription) {
  EXPECT_EQ(action_from_yaml("k8s_rollout_restart", "deployment: api")->describe(),
            "kubectl rollout restart deployment/api");
  EXPECT_EQ(action_from_yaml("k8s_delete_pod", "selector: app=api\nmin_age: 0s")->describe(),
            "delete unready pods matching app=api");
  EXPECT_THROW(action_from_yaml("k8s_rollout_restart", "namespace: shop"), config::ConfigError);
  EXPECT_THROW(action_from_yaml("k8s_delete_pod", "namespace: shop"), config::ConfigError);
  EXPECT_THROW(action_from_yaml("k8s_delete_pod", "selector: app=api\nmin_ready: 1"),
               config::ConfigError);
}

}  // namespace
}  // namespace watchdog::actions
