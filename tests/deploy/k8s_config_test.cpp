// deploy/k8s: the ConfigMap's config passes `watchdog check-config`, the Role grants exactly the
// verbs that config's probes, actions and leader lock call, and the PrometheusRule is
// dashboards/alerts.yml.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/deploy/deploy_support.h"

namespace watchdog::testing::deploy {
namespace {

namespace fs = std::filesystem;

const fs::path kK8s = repo() / "deploy" / "k8s";

YAML::Node document(const fs::path& file, const std::string& kind) {
  for (const auto& doc : load_documents(file)) {
    if (text(doc["kind"]) == kind) return doc;
  }
  ADD_FAILURE() << "no " << kind << " in " << file;
  return YAML::Node();
}

std::string embedded_config() {
  return text(document(kK8s / "configmap.yaml", "ConfigMap")["data"]["watchdog.yaml"]);
}

TEST(K8sConfig, ConfigMapConfigPassesCheckConfig) {
  TempDir dir;
  const auto secret = load_documents(kK8s / "secret.example.yaml").at(0);
  const auto secrets = dir / "secrets";
  fs::create_directories(secrets);
  for (const auto& entry : secret["stringData"]) {
    dir.write("secrets/" + entry.first.as<std::string>(), text(entry.second) + "\n");
  }
  const std::string yaml = embedded_config();
  ASSERT_FALSE(yaml.empty());
  const auto config = YAML::Load(yaml);
  EXPECT_EQ(text(config["watchdog"]["leader"]["kind"]), "kubernetes");
  EXPECT_EQ(text(config["watchdog"]["leader"]["name"]), "watchdog");
  EXPECT_EQ(text(config["watchdog"]["leader"]["lease"]), "15s");
  EXPECT_EQ(text(config["watchdog"]["leader"]["renew_interval"]), "5s");
  const auto path =
      rewrite_config(dir, "watchdog.yaml", yaml, "/run/secrets/watchdog/", secrets.string() + "/");
  const auto result = run_command({kWatchdog, "check-config", path.string()});
  EXPECT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_NE(result.out.find("valid"), std::string::npos) << result.out;
}

// (API group, resource, verb) → the resource names allowed ("*" = any).
using Grants = std::map<std::tuple<std::string, std::string, std::string>, std::set<std::string>>;

void add(Grants& grants, const std::string& group, const std::string& resource,
         std::initializer_list<const char*> verbs, const std::string& name) {
  for (const char* verb : verbs) grants[{group, resource, verb}].insert(name);
}

// What the config's kubernetes probes, k8s_* actions (runbook steps included) and leader lock
// call; "?" = by names the config cannot tell (pods found by a selector).
Grants needed_by(const YAML::Node& config) {
  Grants grants;
  std::function<void(const YAML::Node&)> action = [&](const YAML::Node& a) {
    const auto kind = text(a["kind"]);
    if (kind == "k8s_rollout_restart")
      add(grants, "apps", "deployments", {"get", "patch"}, text(a["deployment"]));
    if (kind == "k8s_delete_pod") {
      add(grants, "", "pods", {"list"}, "*");
      add(grants, "", "pods", {"delete"}, "?");
    }
    for (const auto* list : {"steps", "on_failure"}) {
      for (const auto& step : a[list]) action(step);
    }
  };
  for (const auto& component : config["components"]) {
    for (const auto& probe : component["probes"]) {
      if (text(probe["kind"]) != "kubernetes") continue;
      if (probe["selector"]) add(grants, "", "pods", {"list"}, "*");
      if (probe["deployment"])
        add(grants, "apps", "deployments", {"get"}, text(probe["deployment"]));
    }
    if (component["recovery"]) {
      for (const auto& a : component["recovery"]["actions"]) action(a);
    }
  }
  const auto leader = config["watchdog"]["leader"];
  if (text(leader["kind"]) == "kubernetes") {
    add(grants, "coordination.k8s.io", "leases", {"get", "update"}, text(leader["name"]));
    add(grants, "coordination.k8s.io", "leases", {"create"}, "*");  // RBAC cannot narrow create
  }
  return grants;
}

Grants granted_by(const YAML::Node& role) {
  Grants grants;
  for (const auto& rule : role["rules"]) {
    std::set<std::string> names;
    for (const auto& n : rule["resourceNames"]) names.insert(text(n));
    if (names.empty()) names.insert("*");
    for (const auto& group : rule["apiGroups"]) {
      for (const auto& resource : rule["resources"]) {
        for (const auto& verb : rule["verbs"]) {
          grants[{text(group), text(resource), text(verb)}].insert(names.begin(), names.end());
        }
      }
    }
  }
  return grants;
}

TEST(K8sConfig, RoleGrantsExactlyWhatTheConfigCalls) {
  const auto role = document(kK8s / "role.yaml", "Role");
  const auto config = YAML::Load(embedded_config());
  const auto needed = needed_by(config);
  const auto granted = granted_by(role);

  std::set<std::tuple<std::string, std::string, std::string>> needed_verbs, granted_verbs;
  for (const auto& [key, names] : needed) needed_verbs.insert(key);
  for (const auto& [key, names] : granted) granted_verbs.insert(key);
  EXPECT_EQ(granted_verbs, needed_verbs)
      << "the Role must grant exactly the verbs the config calls";
  // The brief's list, so that a config change that widens the Role is a visible decision.
  const std::set<std::tuple<std::string, std::string, std::string>> expected = {
      {"", "pods", "list"},
      {"", "pods", "delete"},
      {"apps", "deployments", "get"},
      {"apps", "deployments", "patch"},
      {"coordination.k8s.io", "leases", "get"},
      {"coordination.k8s.io", "leases", "create"},
      {"coordination.k8s.io", "leases", "update"}};
  EXPECT_EQ(needed_verbs, expected);

  for (const auto& [key, names] : needed) {
    const auto it = granted.find(key);
    if (it == granted.end()) continue;
    const auto& [group, resource, verb] = key;
    const std::string what = group + "/" + resource + " " + verb;
    if (names.contains("*")) {
      EXPECT_EQ(it->second, std::set<std::string>{"*"}) << what;
    } else if (names.contains("?")) {
      EXPECT_FALSE(it->second.contains("*")) << what << " should be narrowed with resourceNames";
    } else {
      EXPECT_EQ(it->second, names) << what;
    }
  }

  const auto binding = document(kK8s / "role.yaml", "RoleBinding");
  EXPECT_EQ(text(binding["roleRef"]["kind"]), "Role");
  EXPECT_EQ(text(binding["roleRef"]["name"]), text(role["metadata"]["name"]));
  EXPECT_EQ(text(binding["subjects"][0]["kind"]), "ServiceAccount");
  EXPECT_EQ(text(binding["subjects"][0]["name"]),
            text(document(kK8s / "serviceaccount.yaml", "ServiceAccount")["metadata"]["name"]));
}

TEST(K8sConfig, PrometheusRuleIsTheDashboardsRulesFile) {
  const auto rule = document(kK8s / "monitoring" / "prometheusrule.yaml", "PrometheusRule");
  const auto rules = YAML::LoadFile((repo() / "dashboards" / "alerts.yml").string());
  EXPECT_TRUE(same_yaml(rule["spec"], rules)) << "deploy/k8s/monitoring/prometheusrule.yaml's spec "
                                                 "differs from dashboards/alerts.yml;"
                                                 " regenerate it with the command in its header";
}

}  // namespace
}  // namespace watchdog::testing::deploy
