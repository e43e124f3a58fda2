// The kubernetes probe's parsing and verdicts (issue #7), from documents shaped like the API's.
// Against an HTTPS stand-in for the API server: tests/integration/kubernetes_test.cpp.
#include "probes/kubernetes_probe.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "probes/clients/kubernetes_api.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes {
namespace {

const char* const kPodList = R"({"kind": "PodList", "apiVersion": "v1",
  "metadata": {"resourceVersion": "4711"},
  "items": [
    {"metadata": {"name": "api-1", "creationTimestamp": "2026-11-22T06:00:00Z"},
     "status": {"phase": "Running",
       "conditions": [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}],
       "containerStatuses": [{"name": "app", "restartCount": 1, "state": {"running": {}}},
                             {"name": "proxy", "restartCount": 2, "state": {"running": {}}}]}},
    {"metadata": {"name": "api-2", "deletionTimestamp": "2026-11-22T06:10:00Z"},
     "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}]}},
    {"metadata": {"name": "api-3"},
     "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
       "containerStatuses": [{"name": "app", "restartCount": 6,
         "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 2m40s"}}}]}},
    {"metadata": {"name": "api-4"}, "status": {"phase": "Pending"}}]})";

PodInfo pod(std::string name, bool ready, int restarts = 0, std::string reason = "") {
  PodInfo info;
  info.name = std::move(name);
  info.phase = "Running";
  info.ready = ready;
  info.restarts = restarts;
  info.waiting_reason = std::move(reason);
  return info;
}

TEST(KubernetesApi, ParsesPodList) {
  auto pods = parse_pod_list(kPodList);
  ASSERT_EQ(pods.size(), 4u);
  EXPECT_TRUE(pods[0].ready);
  EXPECT_EQ(pods[0].restarts, 3);
  EXPECT_TRUE(pods[0].created);
  EXPECT_TRUE(pods[1].deleting);
  EXPECT_FALSE(pods[2].ready);
  EXPECT_EQ(pods[2].waiting_reason, "CrashLoopBackOff");
  EXPECT_EQ(pods[3].phase, "Pending");
  EXPECT_FALSE(pods[3].ready) << "no conditions yet: not ready";
  EXPECT_THROW(parse_pod_list("{}"), std::exception);
}

TEST(KubernetesApi, ParsesDeploymentAndBuildsTheRestartPatch) {
  auto info = parse_deployment(
      R"({"metadata": {"name": "api"}, "spec": {"replicas": 3, "paused": true},
          "status": {"replicas": 3, "availableReplicas": 2}})");
  EXPECT_EQ(info.desired, 3);
  EXPECT_EQ(info.available, 2);
  EXPECT_TRUE(info.paused);
  auto defaults = parse_deployment(R"({"metadata": {"name": "api"}, "spec": {}, "status": {}})");
  EXPECT_EQ(defaults.desired, 1) << "spec.replicas defaults to 1";
  EXPECT_EQ(defaults.available, 0) << "the API omits availableReplicas when it is 0";

  const auto when = *parse_rfc3339("2026-11-22T06:14:55.9Z");
  auto patch = nlohmann::json::parse(restart_patch(when));
  EXPECT_EQ(patch, nlohmann::json::parse(R"({"spec": {"template": {"metadata": {"annotations":
      {"kubectl.kubernetes.io/restartedAt": "2026-11-22T06:14:55Z"}}}}})"));
}

TEST(KubernetesProbe, JudgesPodsAgainstMinReady) {
  auto pods = parse_pod_list(kPodList);  // api-1 ready, api-2 deleting, api-3 loop, api-4 pending
  auto one = judge_pods(pods, 1, "app=api");
  EXPECT_EQ(one.status, ProbeStatus::Degraded) << one.detail;
  EXPECT_EQ(one.detail, "1/3 pods ready; api-3: CrashLoopBackOff (restarts 6) (+1 more)");
  EXPECT_EQ(testing::measurement(one, "kubernetes_pods_ready"), 1);
  EXPECT_EQ(testing::measurement(one, "kubernetes_pods"), 3);
  EXPECT_EQ(testing::measurement(one, "kubernetes_container_restarts"), 9);

  auto two = judge_pods(pods, 2, "app=api");
  EXPECT_EQ(two.status, ProbeStatus::Unhealthy);
  EXPECT_NE(two.detail.find("(min_ready 2)"), std::string::npos) << two.detail;

  auto all = judge_pods({pod("a", true), pod("b", true, 4)}, 2, "app=api");
  EXPECT_EQ(all.status, ProbeStatus::Healthy);
  EXPECT_EQ(all.detail, "2/2 pods ready");

  auto none = judge_pods({}, 1, "app=api in namespace shop");
  EXPECT_EQ(none.failure, FailureKind::NotFound);
  EXPECT_EQ(none.detail, "no pods match app=api in namespace shop");
  EXPECT_EQ(judge_pods({}, 0, "app=api").status, ProbeStatus::Healthy);
  // Restarts decide among pods without a waiting reason.
  auto worst = judge_pods({pod("a", false, 1), pod("b", false, 9)}, 1, "x");
  EXPECT_NE(worst.detail.find("b: not ready (Running) (restarts 9)"), std::string::npos)
      << worst.detail;
}

TEST(KubernetesProbe, JudgesDeploymentAvailability) {
  DeploymentInfo deployment{"api", 3, 3, false};
  EXPECT_EQ(judge_deployment(deployment).status, ProbeStatus::Healthy);
  deployment.available = 1;
  auto partial = judge_deployment(deployment);
  EXPECT_EQ(partial.status, ProbeStatus::Degraded);
  EXPECT_EQ(partial.detail, "deployment api: 1/3 replicas available");
  deployment.available = 0;
  EXPECT_EQ(judge_deployment(deployment).status, ProbeStatus::Unhealthy);
  EXPECT_EQ(testing::measurement(judge_deployment(deployment), "kubernetes_replicas_desired"), 3);
}

// A deployment scaled to 0 was stopped on purpose: a planned stop, not an outage (issue #12).
TEST(KubernetesProbe, DeploymentScaledToZeroIsStoppedOnPurpose) {
  const DeploymentInfo idle{"idle", 0, 0, false};
  auto result = judge_deployment(idle);
  EXPECT_EQ(result.status, ProbeStatus::Degraded);
  EXPECT_EQ(result.failure, FailureKind::Stopped);
  EXPECT_EQ(result.detail,
            "deployment idle scaled to 0 on purpose; scale it up to resume monitoring");
  EXPECT_EQ(testing::measurement(result, "kubernetes_replicas_desired"), 0);
  auto outage = judge_deployment(idle, /*respect_manual_stop=*/false);
  EXPECT_EQ(outage.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(outage.failure, FailureKind::BadResponse);
  EXPECT_EQ(outage.detail, "deployment idle: 0/0 replicas available (scaled to 0)");
  // Scaled up again but nothing available yet: an outage as before.
  EXPECT_EQ(judge_deployment({"idle", 2, 0, false}).status, ProbeStatus::Unhealthy);
}

TEST(KubernetesProbe, ConfigChecks) {
  using testing::probe_from_yaml;
  EXPECT_NO_THROW(probe_from_yaml("kubernetes", "selector: app=api\nmin_ready: 2"));
  EXPECT_NO_THROW(probe_from_yaml("kubernetes",
                                  "deployment: api\nserver: https://10.0.0.1:6443\n"
                                  "token: abc\nca_file: /ca.crt\nnamespace: shop"));
  EXPECT_THROW(probe_from_yaml("kubernetes", "namespace: shop"), config::ConfigError);
  EXPECT_THROW(probe_from_yaml("kubernetes", "selector: a=b\ndeployment: api"),
               config::ConfigError);
  EXPECT_THROW(probe_from_yaml("kubernetes", "deployment: api\nmin_ready: 2"), config::ConfigError);
  EXPECT_NO_THROW(probe_from_yaml("kubernetes", "deployment: api\nrespect_manual_stop: false"));
  EXPECT_THROW(probe_from_yaml("kubernetes", "selector: a=b\nrespect_manual_stop: false"),
               config::ConfigError);
  EXPECT_THROW(probe_from_yaml("kubernetes", "deployment: api\nserver: 10.0.0.1:6443"),
               config::ConfigError);
  EXPECT_THROW(probe_from_yaml("kubernetes", "deployment: api\ntoken: a\ntoken_file: /t"),
               config::ConfigError);
}

TEST(KubernetesProbe, OutsideAClusterWithoutServerIsACheckTimeError) {
  unsetenv("KUBERNETES_SERVICE_HOST");
  auto probe = testing::probe_from_yaml("kubernetes", "deployment: api\ntoken: abc");
  auto result = probe->check(std::chrono::seconds(1));
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_NE(result.detail.find("not in a cluster"), std::string::npos) << result.detail;
}

// A FIFO (or /dev/zero) mounted where the token or namespace is expected must not hang the
// probe's thread or fill its memory: the files are read like every `*_file` secret.
TEST(KubernetesApi, AFifoAtTheTokenOrNamespacePathIsRefusedNotWaitedOn) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("wd-k8s-fifo-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string fifo = (dir / "token").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  KubernetesApi::Settings settings;
  settings.server = "https://127.0.0.1:1";
  settings.token_file = fifo;
  settings.namespace_file = fifo;
  KubernetesApi api(settings);
  EXPECT_EQ(api.namespace_name(), "default");
  auto answer = api.get_json("/api/v1/namespaces/default/pods", std::chrono::seconds(1));
  ASSERT_TRUE(std::holds_alternative<KubernetesError>(answer));
  const auto& error = std::get<KubernetesError>(answer);
  EXPECT_EQ(error.kind, FailureKind::Auth);
  EXPECT_NE(error.detail.find("cannot read the token file " + fifo + ": "), std::string::npos)
      << error.detail;
  EXPECT_NE(error.detail.find("FIFO"), std::string::npos) << error.detail;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace watchdog::probes
