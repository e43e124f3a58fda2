// deploy/k8s, offline (no API server can run here): kubectl builds both kustomizations and
// parses every file; the Deployment, Service and RoleBinding survive a round trip through
// kubectl's compiled-in API types (a misspelt or mistyped field is dropped or refused); and our
// own structural checks: namespaces, security contexts, probes, ports, mounts, the Role's verbs
// against what the ConfigMap's config calls, the config itself through `watchdog check-config`,
// and the PrometheusRule against dashboards/alerts.yml.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/deploy/deploy_support.h"

namespace watchdog::testing::deploy {
namespace {

namespace fs = std::filesystem;

const fs::path kK8s = repo() / "deploy" / "k8s";
const std::string kNamespace = "dual-rag-llm";

struct Manifest {
  fs::path file;
  YAML::Node doc;
  std::string kind() const { return text(doc["kind"]); }
  std::string name() const { return text(doc["metadata"]["name"]); }
};

// Every document of every manifest (deploy/k8s/*.yaml and monitoring/*.yaml, kustomization
// files excluded).
std::vector<Manifest> manifests() {
  std::vector<Manifest> out;
  for (const auto& dir : {kK8s, kK8s / "monitoring"}) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".yaml" && entry.path().filename() != "kustomization.yaml") {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      for (const auto& doc : load_documents(file)) {
        if (doc && !doc.IsNull()) out.push_back({file, doc});
      }
    }
  }
  return out;
}

YAML::Node find(const std::string& kind, const std::string& name = "") {
  for (const auto& m : manifests()) {
    if (m.kind() == kind && (name.empty() || m.name() == name)) return m.doc;
  }
  ADD_FAILURE() << "no " << kind << " " << name << " in deploy/k8s";
  return YAML::Node();
}

YAML::Node container(const YAML::Node& deployment, const std::string& name) {
  for (const auto& c : deployment["spec"]["template"]["spec"]["containers"]) {
    if (text(c["name"]) == name) return c;
  }
  return YAML::Node();
}

// The ConfigMap's embedded watchdog config, as text.
std::string embedded_config() {
  return text(find("ConfigMap", "watchdog-config")["data"]["watchdog.yaml"]);
}

// kubectl with an empty kubeconfig: nothing may reach a cluster.
class Kubectl : public ::testing::Test {
 protected:
  void SetUp() override {
    DEPLOY_ASSIGN_TOOL(kubectl_, "kubectl");
    kubeconfig_ = dir_.write("kubeconfig", "");
  }
  CommandResult kubectl(std::vector<std::string> args) const {
    args.insert(args.begin(), kubectl_);
    return run_command(args,
                       {{"KUBECONFIG", kubeconfig_.string()}, {"HOME", dir_.path().string()}});
  }
  std::string kubectl_;
  TempDir dir_;
  fs::path kubeconfig_;
};

// The text of the document of `file` whose kind is `kind` (documents split on "---" lines), so
// that kubectl reads it exactly as written (a re-emitted YAML would lose quotes: "9187").
std::string document_text(const fs::path& file, const std::string& kind) {
  std::istringstream in(read_text(file));
  std::string chunk;
  auto matches = [&] {
    const auto doc = YAML::Load(chunk);
    return doc.IsMap() && text(doc["kind"]) == kind;
  };
  for (std::string line; std::getline(in, line);) {
    if (line == "---") {
      if (matches()) return chunk;
      chunk.clear();
    } else {
      chunk += line + "\n";
    }
  }
  return matches() ? chunk : std::string();
}

// YAML 1.1 integers as kubectl reads them (0440 is octal).
std::optional<double> yaml_number(const std::string& s) {
  if (s.size() > 1 && s[0] == '0' && s.find_first_not_of("01234567") == std::string::npos) {
    return static_cast<double>(std::stol(s, nullptr, 8));
  }
  char* end = nullptr;
  const double value = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0') return std::nullopt;
  return value;
}

// Every field of `input` is in kubectl's typed `output` with the same value; the paths that are
// not (fields kubectl's types do not know, or values they read differently) go to `lost`.
void compare_subset(const YAML::Node& input, const nlohmann::json& output, const std::string& path,
                    std::vector<std::string>& lost) {
  if (input.IsMap()) {
    for (const auto& entry : input) {
      const auto key = entry.first.as<std::string>();
      if (!output.is_object() || !output.contains(key)) {
        lost.push_back(path + "." + key);
      } else {
        compare_subset(entry.second, output[key], path + "." + key, lost);
      }
    }
  } else if (input.IsSequence()) {
    if (!output.is_array() || output.size() < input.size()) {  // a `set` may append
      lost.push_back(path + "[]");
      return;
    }
    for (std::size_t i = 0; i < input.size(); ++i) {
      compare_subset(input[i], output[i], path + "[" + std::to_string(i) + "]", lost);
    }
  } else if (input.IsScalar()) {
    const auto& s = input.Scalar();
    bool same = false;
    if (output.is_string()) {
      same = output.get<std::string>() == s;
    } else if (output.is_boolean()) {
      same = (s == "true") == output.get<bool>() && (s == "true" || s == "false");
    } else if (output.is_number()) {
      const auto n = yaml_number(s);
      same = n && *n == output.get<double>();
    }
    if (!same) lost.push_back(path + " (" + s + " → " + output.dump() + ")");
  }
}

TEST_F(Kubectl, BuildsBothKustomizations) {
  for (const auto& dir : {kK8s, kK8s / "monitoring"}) {
    const auto result = kubectl({"kustomize", dir.string()});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    std::set<std::string> built, files;
    for (const auto& doc : YAML::LoadAll(result.out)) {
      EXPECT_EQ(text(doc["metadata"]["namespace"]), kNamespace) << YAML::Dump(doc["metadata"]);
      built.insert(text(doc["kind"]) + "/" + text(doc["metadata"]["name"]));
    }
    // Every manifest of the folder is listed (secret.example.yaml on purpose not).
    const auto kustomization = YAML::LoadFile((dir / "kustomization.yaml").string());
    EXPECT_EQ(text(kustomization["namespace"]), kNamespace);
    std::set<std::string> listed;
    for (const auto& r : kustomization["resources"]) listed.insert(text(r));
    for (const auto& entry : fs::directory_iterator(dir)) {
      const auto name = entry.path().filename().string();
      if (name.ends_with(".yaml") && name != "kustomization.yaml" &&
          !name.ends_with(".example.yaml")) {
        files.insert(name);
      }
    }
    EXPECT_EQ(listed, files) << dir;
    EXPECT_FALSE(built.empty());
  }
}

TEST_F(Kubectl, ParsesEveryManifest) {
  for (const auto& m : manifests()) {
    const auto result =
        kubectl({"label", "--local", "-f", m.file.string(), "checked=yes", "-o", "name"});
    EXPECT_EQ(result.exit_code, 0) << m.file << "\n" << describe(result);
  }
}

TEST_F(Kubectl, TypedRoundTripKeepsEveryField) {
  // Commands that decode into kubectl's API types and print the object back unchanged.
  const auto deployment = find("Deployment", "dual-rag-llm");
  const auto service = find("Service", "watchdog");
  const auto binding = find("RoleBinding", "watchdog");
  std::string selector;
  for (const auto& label : service["spec"]["selector"]) {
    selector +=
        (selector.empty() ? "" : ",") + label.first.as<std::string>() + "=" + text(label.second);
  }
  const struct {
    YAML::Node doc;
    fs::path file;
    std::vector<std::string> command;
  } cases[] = {
      {deployment,
       kK8s / "deployment.yaml",
       {"set", "serviceaccount", "--local", "-o", "json", "-f", "FILE",
        text(deployment["spec"]["template"]["spec"]["serviceAccountName"])}},
      {service,
       kK8s / "service.yaml",
       {"set", "selector", "--local", "-o", "json", "-f", "FILE", selector}},
      {binding,
       kK8s / "role.yaml",
       // a subject already there prints nothing: add one (appended after ours)
       {"set", "subject", "--local", "-o", "json", "-f", "FILE", "--group=deploy-test:round-trip"}},
  };
  for (const auto& c : cases) {
    const auto source = document_text(c.file, text(c.doc["kind"]));
    ASSERT_FALSE(source.empty()) << c.file;
    const auto file = dir_.write(text(c.doc["kind"]) + ".yaml", source);
    auto args = c.command;
    std::replace(args.begin(), args.end(), std::string("FILE"), file.string());
    const auto result = kubectl(args);
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    std::vector<std::string> lost;
    compare_subset(c.doc, nlohmann::json::parse(result.out), text(c.doc["kind"]), lost);
    EXPECT_TRUE(lost.empty()) << "kubectl's types dropped or changed: "
                              << ::testing::PrintToString(lost);
  }
}

TEST(K8sManifests, EveryDocumentIsNamedAndInTheNamespace) {
  std::set<std::string> seen;
  for (const auto& m : manifests()) {
    EXPECT_FALSE(text(m.doc["apiVersion"]).empty()) << m.file;
    EXPECT_FALSE(m.kind().empty()) << m.file;
    EXPECT_FALSE(m.name().empty()) << m.file;
    EXPECT_EQ(text(m.doc["metadata"]["namespace"]), kNamespace) << m.file << " " << m.name();
    EXPECT_TRUE(seen.insert(m.kind() + "/" + m.name()).second) << "duplicate " << m.name();
  }
  const auto binding = find("RoleBinding", "watchdog");
  EXPECT_EQ(text(binding["subjects"][0]["namespace"]), kNamespace);
}

TEST(K8sManifests, EveryContainerIsLockedDown) {
  const auto deployment = find("Deployment", "dual-rag-llm");
  const auto pod = deployment["spec"]["template"]["spec"];
  EXPECT_EQ(text(pod["securityContext"]["runAsNonRoot"]), "true");
  EXPECT_EQ(text(pod["securityContext"]["seccompProfile"]["type"]), "RuntimeDefault");
  EXPECT_EQ(text(pod["automountServiceAccountToken"]), "false")
      << "the token goes to the watchdog only";
  int containers = 0;
  for (const auto* list : {"initContainers", "containers"}) {
    for (const auto& c : pod[list]) {
      ++containers;
      const auto sc = c["securityContext"];
      const auto name = text(c["name"]);
      EXPECT_EQ(text(sc["runAsNonRoot"]), "true") << name;
      EXPECT_EQ(text(sc["readOnlyRootFilesystem"]), "true") << name;
      EXPECT_EQ(text(sc["allowPrivilegeEscalation"]), "false") << name;
      ASSERT_EQ(sc["capabilities"]["drop"].size(), 1u) << name;
      EXPECT_EQ(text(sc["capabilities"]["drop"][0]), "ALL") << name;
      EXPECT_EQ(text(sc["seccompProfile"]["type"]), "RuntimeDefault") << name;
      EXPECT_TRUE(c["resources"]["requests"] && c["resources"]["limits"]["memory"]) << name;
    }
  }
  EXPECT_EQ(containers, 2);
  const auto watchdog = container(deployment, "watchdog");
  EXPECT_EQ(text(watchdog["securityContext"]["runAsUser"]), "10001");
  EXPECT_EQ(text(watchdog["resources"]["requests"]["cpu"]), "20m");
  EXPECT_EQ(text(watchdog["resources"]["requests"]["memory"]), "32Mi");
  EXPECT_EQ(text(watchdog["resources"]["limits"]["memory"]), "128Mi");
}

TEST(K8sManifests, ProbesAndPortsLineUp) {
  const auto deployment = find("Deployment", "dual-rag-llm");
  const auto watchdog = container(deployment, "watchdog");
  ASSERT_TRUE(watchdog);
  const auto config = YAML::Load(embedded_config());
  const auto listen = text(config["watchdog"]["listen"]);
  EXPECT_TRUE(listen.starts_with("0.0.0.0:")) << "reachable by the kubelet and Prometheus";
  const auto port = listen.substr(listen.rfind(':') + 1);

  std::string port_name;
  for (const auto& p : watchdog["ports"]) {
    if (text(p["containerPort"]) == port) port_name = text(p["name"]);
  }
  ASSERT_FALSE(port_name.empty()) << "no containerPort " << port;
  EXPECT_EQ(text(watchdog["livenessProbe"]["httpGet"]["path"]), "/healthz");
  EXPECT_EQ(text(watchdog["startupProbe"]["httpGet"]["path"]), "/healthz");
  EXPECT_EQ(text(watchdog["readinessProbe"]["httpGet"]["path"]), "/readyz");
  for (const auto* probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    const auto p = text(watchdog[probe]["httpGet"]["port"]);
    EXPECT_TRUE(p == port_name || p == port) << probe;
  }

  const auto service = find("Service", "watchdog");
  const auto svc_port = service["spec"]["ports"][0];
  EXPECT_TRUE(text(svc_port["targetPort"]) == port_name || text(svc_port["targetPort"]) == port);
  EXPECT_EQ(text(service["metadata"]["annotations"]["prometheus.io/scrape"]), "true");
  EXPECT_EQ(text(service["metadata"]["annotations"]["prometheus.io/port"]), port);
  EXPECT_EQ(text(service["metadata"]["annotations"]["prometheus.io/path"]), "/metrics");
  const auto template_labels = deployment["spec"]["template"]["metadata"]["labels"];
  for (const auto& label : service["spec"]["selector"]) {
    EXPECT_EQ(text(template_labels[label.first.as<std::string>()]), text(label.second));
  }
  for (const auto& label : deployment["spec"]["selector"]["matchLabels"]) {
    EXPECT_EQ(text(template_labels[label.first.as<std::string>()]), text(label.second));
  }

  const auto monitor = find("ServiceMonitor", "watchdog");
  EXPECT_EQ(text(monitor["spec"]["endpoints"][0]["port"]), text(svc_port["name"]));
  EXPECT_EQ(text(monitor["spec"]["endpoints"][0]["path"]), "/metrics");
  for (const auto& label : monitor["spec"]["selector"]["matchLabels"]) {
    EXPECT_EQ(text(service["metadata"]["labels"][label.first.as<std::string>()]),
              text(label.second));
  }
  EXPECT_EQ(text(service["metadata"]["name"]), "watchdog") << "the rules expect job=\"watchdog\"";
}

TEST(K8sManifests, MountsMatchTheConfig) {
  const auto deployment = find("Deployment", "dual-rag-llm");
  const auto pod = deployment["spec"]["template"]["spec"];
  const auto watchdog = container(deployment, "watchdog");
  const auto config = YAML::Load(embedded_config());
  std::map<std::string, std::string> mount_paths;  // volume name → mount path
  for (const auto& m : watchdog["volumeMounts"])
    mount_paths[text(m["name"])] = text(m["mountPath"]);
  std::map<std::string, YAML::Node> volumes;
  for (const auto& v : pod["volumes"])
    volumes.emplace(text(v["name"]), static_cast<const YAML::Node&>(v));
  for (const auto& c : pod["containers"]) {
    for (const auto& m : c["volumeMounts"])
      EXPECT_TRUE(volumes.contains(text(m["name"]))) << text(m["name"]);
  }
  auto volume_at = [&](const std::string& path) -> YAML::Node {
    for (const auto& [name, mount] : mount_paths) {
      if (path == mount || path.starts_with(mount + "/")) return volumes[name];
    }
    return YAML::Node();
  };

  // The config file: ConfigMap key watchdog.yaml at /etc/watchdog, named by --config.
  const auto config_volume = volume_at("/etc/watchdog/watchdog.yaml");
  ASSERT_TRUE(config_volume);
  EXPECT_EQ(text(config_volume["configMap"]["name"]), "watchdog-config");
  std::vector<std::string> args;
  for (const auto& a : watchdog["args"]) args.push_back(text(a));
  EXPECT_NE(std::find(args.begin(), args.end(), "/etc/watchdog/watchdog.yaml"), args.end());

  // State and backups on the PVCs of pvc.yaml.
  for (const auto& path :
       {text(config["watchdog"]["state_dir"]), text(config["backups"][0]["directory"])}) {
    const auto v = volume_at(path);
    ASSERT_TRUE(v && v["persistentVolumeClaim"]) << path << " is not on a PVC";
    EXPECT_TRUE(find("PersistentVolumeClaim", text(v["persistentVolumeClaim"]["claimName"])));
  }
  // Every *_file of the config is a key of the Secret mounted there.
  const auto secret = load_documents(kK8s / "secret.example.yaml").at(0);
  std::vector<std::string> values;
  collect_scalars(config, values);
  int files = 0;
  for (const auto& value : values) {
    if (!value.starts_with("/run/secrets/")) continue;
    ++files;
    const auto v = volume_at(value);
    ASSERT_TRUE(v && v["secret"]) << value << " is not on a Secret volume";
    EXPECT_EQ(text(v["secret"]["secretName"]), text(secret["metadata"]["name"]));
    const auto key = fs::path(value).filename().string();
    EXPECT_TRUE(secret["stringData"][key]) << key << " missing from secret.example.yaml";
  }
  EXPECT_GT(files, 0);
  // The in-cluster credentials the kubernetes probes read by default.
  EXPECT_EQ(volume_at("/var/run/secrets/kubernetes.io/serviceaccount/token").Type(),
            YAML::NodeType::Map);
  EXPECT_EQ(text(pod["serviceAccountName"]), text(find("ServiceAccount")["metadata"]["name"]));
}

}  // namespace
}  // namespace watchdog::testing::deploy
