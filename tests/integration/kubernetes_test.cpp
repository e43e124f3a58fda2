// The kubernetes probe and the k8s_* actions (issue #7) against a STAND-IN for the Kubernetes
// API server: no kube-apiserver, kind or k3s can be installed on these machines, so
// tests/support/kubernetes_standin.h serves HTTPS (a CA this test makes with openssl) with bodies
// shaped like the real API's. What was checked against the Kubernetes documentation (API
// reference and API conventions, `kubectl rollout restart`, service-account tokens):
//   - paths: GET /api/v1/namespaces/NS/pods?labelSelector=…, DELETE …/pods/NAME,
//     GET/PATCH /apis/apps/v1/namespaces/NS/deployments/NAME;
//   - PodList items: metadata.{name,creationTimestamp,deletionTimestamp},
//     status.{phase,conditions[type=Ready].status "True"/"False",
//     containerStatuses[].{restartCount,state.waiting.reason}};
//   - Deployment: spec.{replicas (default 1; a pointer, so 0 after `kubectl scale --replicas=0`
//     stays in the document),paused}, status.{replicas,updatedReplicas,availableReplicas}
//     (omitempty: omitted when 0);
//   - the rollout-restart patch: Content-Type application/strategic-merge-patch+json, body
//     {"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":
//     RFC 3339}}}}}; kubectl refuses paused deployments;
//   - errors are Status objects {"kind":"Status","message","reason","code"}; 401 Unauthorized
//     for a bad bearer token; 404 NotFound; 415 for an unknown patch type;
//   - in-cluster credentials: /var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,
//     namespace}, server https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT; projected
//     tokens rotate in place (the kubelet swaps the file), so clients must re-read them.
// Not covered by a stand-in: RBAC evaluation, watch semantics, the controllers' real behaviour.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "actions/factory.h"
#include "config/loader.h"
#include "probes/clients/api_transport.h"
#include "probes/factory.h"
#include "tests/integration/harness.h"
#include "tests/support/kubernetes_standin.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using probes::FailureKind;
using probes::ProbeStatus;

const std::string kToken = "sa-token-0123456789abcdef";

// The credential keys for the stand-in, indented for a probe or action mapping.
std::string credentials(const KubernetesStandin& api, const std::string& indent,
                        const std::string& token = kToken) {
  return indent + "server: " + api.server() + "\n" + indent + "ca_file: " + api.ca_file().string() +
         "\n" + indent + "token: " + token + "\n" + indent + "namespace: shop\n";
}

std::unique_ptr<probes::Probe> probe(const std::string& keys) {
  auto config = config::load_config_text(
      "components:\n  - name: c\n    probes:\n      - name: p\n        kind: kubernetes\n" + keys,
      "t.yaml");
  return probes::make_probe(config.components.at(0).probes.at(0));
}

std::unique_ptr<actions::Action> action(const std::string& kind, const std::string& keys) {
  auto config = config::load_config_text(
      "components:\n  - name: c\n    probes:\n      - name: p\n        kind: command\n"
      "        argv: [/bin/true]\n    recovery:\n      actions:\n        - kind: " +
          kind + "\n" + keys,
      "t.yaml");
  return actions::make_action(config.components.at(0).recovery.actions.at(0));
}

const std::string kProbeIndent = "        ";
const std::string kActionIndent = "          ";
const actions::Incident kIncident{"i-1", "c", 1, "test"};

TEST(KubernetesStandin, PodsProbeCountsReadyPodsAndNamesCrashLoops) {
  KubernetesStandin api(kToken);
  api.put_pod("shop", make_pod("api-1", {{"app", "api"}}, true, 0));
  api.put_pod("shop", make_pod("api-2", {{"app", "api"}}, false, 7, "CrashLoopBackOff"));
  api.put_pod("shop", make_pod("web-1", {{"app", "web"}}, false));
  api.put_pod("other", make_pod("api-9", {{"app", "api"}}, true));

  auto result =
      probe(credentials(api, kProbeIndent) + kProbeIndent + "selector: app=api\n")->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.detail, "1/2 pods ready; api-2: CrashLoopBackOff (restarts 7)");
  result = probe(credentials(api, kProbeIndent) + kProbeIndent + "selector: app=api\n" +
                 kProbeIndent + "min_ready: 2\n")
               ->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::BadResponse);

  const auto gets = api.requests("GET");
  ASSERT_EQ(gets.size(), 2u);
  EXPECT_EQ(gets[0].path, "/api/v1/namespaces/shop/pods");
  EXPECT_EQ(gets[0].query, "labelSelector=app%3Dapi");
  EXPECT_EQ(gets[0].status, 200);

  result =
      probe(credentials(api, kProbeIndent) + kProbeIndent + "selector: app=nothing\n")->check(2s);
  EXPECT_EQ(result.failure, FailureKind::NotFound) << result.detail;
}

TEST(KubernetesStandin, DeploymentProbeComparesAvailableWithDesired) {
  KubernetesStandin api(kToken);
  api.put_deployment("shop", make_deployment("api", 3, 3));
  api.put_deployment("shop", make_deployment("half", 4, 2));
  api.put_deployment("shop", make_deployment("down", 2, 0));
  auto check = [&](const std::string& name) {
    return probe(credentials(api, kProbeIndent) + kProbeIndent + "deployment: " + name + "\n")
        ->check(2s);
  };
  EXPECT_EQ(check("api").status, ProbeStatus::Healthy);
  auto half = check("half");
  EXPECT_EQ(half.status, ProbeStatus::Degraded);
  EXPECT_EQ(half.detail, "deployment half: 2/4 replicas available");
  EXPECT_EQ(check("down").status, ProbeStatus::Unhealthy);
  auto missing = check("nosuch");
  EXPECT_EQ(missing.failure, FailureKind::NotFound);
  EXPECT_NE(missing.detail.find("deployments.apps \"nosuch\" not found"), std::string::npos)
      << missing.detail;
}

TEST(KubernetesStandin, WrongTokenAndUntrustedCertificateFailClearlyWithoutLeakingTheToken) {
  KubernetesStandin api(kToken);
  api.put_deployment("shop", make_deployment("api", 1, 1));
  const std::string wrong = "wrong-token-secret-42";
  auto result =
      probe(credentials(api, kProbeIndent, wrong) + kProbeIndent + "deployment: api\n")->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::Auth);
  EXPECT_EQ(result.detail, "Kubernetes API answered 401: Unauthorized");
  EXPECT_EQ(result.detail.find(wrong), std::string::npos);
  EXPECT_EQ(api.requests().back().status, 401);

  // Without the test's CA the server's certificate is not trusted.
  std::string keys = "        server: " + api.server() + "\n        token: " + kToken +
                     "\n        ca_file: /etc/ssl/certs/ca-certificates.crt\n"
                     "        namespace: shop\n        deployment: api\n";
  result = probe(keys)->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_NE(result.detail.find("TLS with the Kubernetes API at 127.0.0.1"), std::string::npos)
      << result.detail;
}

TEST(KubernetesStandin, InClusterCredentialsAndTokenRotation) {
  KubernetesStandin api("first-token");
  api.put_deployment("team-a", make_deployment("api", 2, 2));
  TempDir account;  // laid out like /var/run/secrets/kubernetes.io/serviceaccount
  account.write("token", "first-token\n");
  account.write("namespace", "team-a");
  std::filesystem::copy_file(api.ca_file(), account / "ca.crt");
  const std::string port = api.server().substr(api.server().rfind(':') + 1);
  setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", port.c_str(), 1);
  const std::string dir = account.path().string();
  auto in_cluster = probe(kProbeIndent + "deployment: api\n" + kProbeIndent + "token_file: " + dir +
                          "/token\n" + kProbeIndent + "ca_file: " + dir + "/ca.crt\n" +
                          kProbeIndent + "namespace_file: " + dir + "/namespace\n");
  auto result = in_cluster->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(api.requests().back().path, "/apis/apps/v1/namespaces/team-a/deployments/api");

  // The kubelet rotates the projected token: the next request must carry the new one.
  api.set_token("second-token");
  account.write("token.new", "second-token\n");
  std::filesystem::rename(account / "token.new", account / "token");
  result = in_cluster->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(api.requests().back().status, 200);
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
}

TEST(KubernetesStandin, RolloutRestartPatchesTheAnnotationAndRefusesPausedDeployments) {
  KubernetesStandin api(kToken);
  api.put_deployment("shop", make_deployment("api", 3, 1));
  api.put_deployment("shop", make_deployment("frozen", 3, 1, /*paused=*/true));
  const auto before = std::chrono::system_clock::now() - 1s;
  auto outcome = action("k8s_rollout_restart",
                        credentials(api, kActionIndent) + kActionIndent + "deployment: api\n")
                     ->run(kIncident, 5s);
  EXPECT_TRUE(outcome.ok) << outcome.detail;
  const auto patches = api.requests("PATCH");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].path, "/apis/apps/v1/namespaces/shop/deployments/api");
  EXPECT_EQ(patches[0].content_type, "application/strategic-merge-patch+json");
  EXPECT_EQ(patches[0].status, 200);
  const auto stamp =
      api.deployment("shop", "api")["spec"]["template"]["metadata"]["annotations"].value(
          "kubectl.kubernetes.io/restartedAt", "");
  auto parsed = probes::parse_rfc3339(stamp);
  ASSERT_TRUE(parsed) << stamp;
  EXPECT_GE(*parsed, std::chrono::floor<std::chrono::seconds>(before));
  EXPECT_LE(*parsed, std::chrono::system_clock::now());
  EXPECT_EQ(api.deployment("shop", "api")["metadata"]["generation"], 2);

  outcome = action("k8s_rollout_restart",
                   credentials(api, kActionIndent) + kActionIndent + "deployment: frozen\n")
                ->run(kIncident, 5s);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.detail, "deployment frozen is paused: not restarting it");
  EXPECT_EQ(api.requests("PATCH").size(), 1u) << "no PATCH for a paused deployment";

  outcome = action("k8s_rollout_restart",
                   credentials(api, kActionIndent, "bad") + kActionIndent + "deployment: api\n")
                ->run(kIncident, 5s);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.detail.find("401"), std::string::npos) << outcome.detail;
}

TEST(KubernetesStandin, DeletePodRemovesOnlyTheUnreadyPods) {
  KubernetesStandin api(kToken);
  api.put_pod("shop", make_pod("api-1", {{"app", "api"}}, true));
  api.put_pod("shop", make_pod("api-2", {{"app", "api"}}, false, 5, "CrashLoopBackOff"));
  api.put_pod("shop", make_pod("api-3", {{"app", "api"}}, false));
  api.put_pod("shop", make_pod("web-1", {{"app", "web"}}, false));
  auto del = action("k8s_delete_pod", credentials(api, kActionIndent) + kActionIndent +
                                          "selector: app=api\n" + kActionIndent + "min_age: 0s\n");
  auto outcome = del->run(kIncident, 5s);
  EXPECT_TRUE(outcome.ok) << outcome.detail;
  EXPECT_EQ(outcome.detail, "deleted api-2, api-3");
  std::vector<std::string> deleted;
  for (const auto& request : api.requests("DELETE")) {
    EXPECT_EQ(request.status, 200);
    deleted.push_back(request.path);
  }
  EXPECT_EQ(deleted, (std::vector<std::string>{"/api/v1/namespaces/shop/pods/api-2",
                                               "/api/v1/namespaces/shop/pods/api-3"}));
  EXPECT_EQ(api.pod_names("shop"), (std::vector<std::string>{"api-1", "web-1"}));

  outcome = del->run(kIncident, 5s);
  EXPECT_TRUE(outcome.ok);
  EXPECT_EQ(outcome.detail, "no unready pods match app=api");
  EXPECT_EQ(api.requests("DELETE").size(), 2u);
}

TEST(KubernetesStandin, WatchdogRestartsAnUnavailableDeploymentEndToEnd) {
  TempDir dir;
  KubernetesStandin api(kToken);
  WebhookReceiver receiver;
  api.put_deployment("shop", make_deployment("api", 2, 2));
  api.heal_on_patch(true);
  const auto token_file = dir.write("token", kToken + "\n");
  auto keys = [&](const std::string& indent) {
    return "server: " + api.server() + "\n" + indent + "ca_file: " + api.ca_file().string() + "\n" +
           indent + "token_file: " + token_file.string() + "\n" + indent + "namespace: shop\n" +
           indent + "deployment: api\n";
  };
  const std::string yaml = R"(
components:
  - name: api
    probes:
      - name: api-deployment
        kind: kubernetes
        interval: 1s
        timeout: 1s
        jitter: 0s
        recheck_interval: 200ms
        failure_threshold: 2
        success_threshold: 2
        )" + keys(kProbeIndent) +
                           R"(    recovery:
      max_attempts: 2
      backoff: 1s
      actions:
        - name: restart-api
          kind: k8s_rollout_restart
          )" + keys(kActionIndent) +
                           R"(alerts:
  - name: hook
    kind: webhook
    url: )" + receiver.url() +
                           "\n";
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(wait_until(
      [&] {
        return component_state(watchdog.status(), "api") == "HEALTHY" &&
               watchdog.metric("watchdog_probe_runs_total",
                               {{"probe", "api-deployment"}, {"status", "healthy"}}) >= 2;
      },
      10s))
      << watchdog.log();

  api.put_deployment("shop", make_deployment("api", 2, 0));  // every replica gone
  ASSERT_TRUE(receiver.wait_for(3, 20s)) << watchdog.log();
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "api") == "HEALTHY"; }, 10s));
  std::vector<std::string> to;
  for (const auto& alert : receiver.requests("POST")) to.push_back(alert.json.value("to", ""));
  EXPECT_EQ(to, (std::vector<std::string>{"CRITICAL", "RECOVERING", "HEALTHY"})) << watchdog.log();
  EXPECT_EQ(api.requests("PATCH").size(), 1u);
  EXPECT_EQ(watchdog.log().find(kToken), std::string::npos);
  EXPECT_EQ(watchdog.metrics().find(kToken), std::string::npos);
}

// Issue #12: a deployment scaled to 0 on purpose is a planned stop — DEGRADED, no rollout
// restart, one alert — and HEALTHY again once it is scaled up.
TEST(KubernetesStandin, DeploymentScaledToZeroIsAPlannedStopNotAnOutage) {
  TempDir dir;
  KubernetesStandin api(kToken);
  WebhookReceiver receiver;
  api.put_deployment("shop", make_deployment("api", 2, 2));
  const std::string keys = credentials(api, kProbeIndent) + kProbeIndent + "deployment: api\n";
  const std::string yaml = R"(
components:
  - name: api
    probes:
      - name: api-deployment
        kind: kubernetes
        interval: 500ms
        timeout: 500ms
        jitter: 0s
        recheck_interval: 200ms
        failure_threshold: 2
        success_threshold: 2
)" + keys + R"(    recovery:
      max_attempts: 1
      backoff: 1s
      actions:
        - name: restart-api
          kind: k8s_rollout_restart
)" + credentials(api, kActionIndent) +
                           kActionIndent + "deployment: api\n" + R"(alerts:
  - name: hook
    kind: webhook
    url: )" + receiver.url() +
                           "\n";
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(wait_until(
      [&] {
        return component_state(watchdog.status(), "api") == "HEALTHY" &&
               watchdog.metric("watchdog_probe_runs_total",
                               {{"probe", "api-deployment"}, {"status", "healthy"}}) >= 2;
      },
      10s))
      << watchdog.log();

  api.scale("shop", "api", 0);
  ASSERT_EQ(api.deployment("shop", "api")["spec"]["replicas"], 0);
  ASSERT_FALSE(api.deployment("shop", "api")["status"].contains("availableReplicas"));
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "api") == "DEGRADED"; }, 10s))
      << watchdog.log();
  auto probe = find_component(watchdog.status(), "api")["probes"][0];
  EXPECT_EQ(probe.value("failure", ""), "stopped") << probe.dump();
  EXPECT_EQ(probe.value("detail", ""),
            "deployment api scaled to 0 on purpose; scale it up to resume monitoring");
  std::this_thread::sleep_for(3s);  // several intervals: still a planned stop, nothing done
  EXPECT_EQ(component_state(watchdog.status(), "api"), "DEGRADED") << watchdog.log();
  EXPECT_TRUE(api.requests("PATCH").empty()) << "no rollout restart of a planned stop";

  api.scale("shop", "api", 2);
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "api") == "HEALTHY"; }, 10s))
      << watchdog.log();
  ASSERT_TRUE(receiver.wait_for(2, 5s)) << watchdog.log();
  std::vector<std::string> to;
  for (const auto& alert : receiver.requests("POST")) to.push_back(alert.json.value("to", ""));
  EXPECT_EQ(to, (std::vector<std::string>{"DEGRADED", "HEALTHY"})) << watchdog.log();
  EXPECT_TRUE(api.requests("PATCH").empty());
  EXPECT_EQ(watchdog.metric("watchdog_recovery_actions_total", {{"component", "api"}}), 0);
}

}  // namespace
}  // namespace watchdog::testing
