// deploy/compose: Debian's docker-compose (1.29) accepts the stack, the resolved services are
// wired as the watchdog config expects, and that config passes the real loader with exactly the
// environment and secrets compose gives the watchdog container.
#include <fnmatch.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "tests/deploy/deploy_support.h"

namespace watchdog::testing::deploy {
namespace {

namespace fs = std::filesystem;

const fs::path kComposeDir = repo() / "deploy" / "compose";

// A temp dir with the secret files (the placeholders of secrets/*.example) and a .env made from
// .env.example with SECRETS_DIR pointing there.
struct ComposeInputs {
  TempDir dir;
  fs::path env_file;
  fs::path secrets;

  ComposeInputs() {
    secrets = dir / "secrets";
    fs::create_directories(secrets);
    for (const auto& entry : fs::directory_iterator(kComposeDir / "secrets")) {
      if (entry.path().extension() == ".example") {
        fs::copy_file(entry.path(), secrets / entry.path().stem());
      }
    }
    std::string env;
    std::ifstream in(kComposeDir / ".env.example");
    for (std::string line; std::getline(in, line);) {
      env += line.starts_with("SECRETS_DIR=") ? "SECRETS_DIR=" + secrets.string() : line;
      env += '\n';
    }
    env_file = dir.write(".env", env);
  }

  CommandResult compose(const std::string& tool, std::vector<std::string> args) const {
    std::vector<std::string> argv = {tool, "--env-file", env_file.string(), "-f",
                                     (kComposeDir / "docker-compose.yml").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {{"HOME", dir.path().string()}});
  }
};

// "SRC:DST[:MODE]" of a resolved short-syntax volume.
struct Mount {
  std::string source, target, mode;
};

std::vector<Mount> mounts_of(const YAML::Node& service) {
  std::vector<Mount> out;
  for (const auto& volume : service["volumes"]) {
    const auto spec = volume.as<std::string>();
    const auto first = spec.find(':');
    const auto second = spec.find(':', first + 1);
    out.push_back({spec.substr(0, first), spec.substr(first + 1, second - first - 1),
                   second == std::string::npos ? "" : spec.substr(second + 1)});
  }
  return out;
}

const Mount* mount_at(const std::vector<Mount>& mounts, const std::string& target) {
  for (const auto& m : mounts) {
    if (m.target == target) return &m;
  }
  return nullptr;
}

bool contains(const YAML::Node& sequence, const std::string& value) {
  for (const auto& item : sequence) {
    if (text(item) == value) return true;
  }
  return false;
}

class Compose : public ::testing::Test {
 protected:
  void SetUp() override {
    DEPLOY_ASSIGN_TOOL(tool_, "docker-compose");
    const auto result = inputs_.compose(tool_, {"config"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    resolved_ = YAML::Load(result.out);
    watchdog_ = resolved_["services"]["watchdog"];
    ASSERT_TRUE(watchdog_.IsMap()) << result.out;
    config_ = YAML::LoadFile((kComposeDir / "watchdog.yaml").string());
  }

  std::string tool_;
  ComposeInputs inputs_;
  YAML::Node resolved_, watchdog_, config_;
};

TEST_F(Compose, DockerComposeAcceptsItWithoutWarnings) {
  const auto result = inputs_.compose(tool_, {"config", "-q"});
  EXPECT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_EQ(result.err.find("WARNING"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("is not set"), std::string::npos) << result.err;
}

TEST_F(Compose, WatchdogContainerIsHardened) {
  EXPECT_EQ(text(watchdog_["user"]), "10001:10001");
  EXPECT_EQ(text(watchdog_["read_only"]), "true");
  ASSERT_EQ(watchdog_["cap_drop"].size(), 1u);
  EXPECT_EQ(text(watchdog_["cap_drop"][0]), "ALL");
  EXPECT_TRUE(contains(watchdog_["security_opt"], "no-new-privileges:true"));
  const auto dotenv = read_dotenv(kComposeDir / ".env.example");
  ASSERT_TRUE(dotenv.contains("DOCKER_GID"));
  EXPECT_TRUE(contains(watchdog_["group_add"], dotenv.at("DOCKER_GID")));
  EXPECT_FALSE(watchdog_["depends_on"]) << "the watchdog must start even when the stack does not";

  const auto mounts = mounts_of(watchdog_);
  const auto* socket = mount_at(mounts, "/var/run/docker.sock");
  ASSERT_NE(socket, nullptr);
  EXPECT_EQ(socket->source, "/var/run/docker.sock");
  EXPECT_EQ(socket->mode, "ro");
  const auto* config = mount_at(mounts, "/etc/watchdog/watchdog.yaml");
  ASSERT_NE(config, nullptr);
  EXPECT_EQ(fs::path(config->source), kComposeDir / "watchdog.yaml");
  EXPECT_EQ(config->mode, "ro");
  for (const auto& target : {"/var/lib/watchdog", "/backups"}) {
    const auto* m = mount_at(mounts, target);
    ASSERT_NE(m, nullptr) << target;
    EXPECT_TRUE(resolved_["volumes"][m->source]) << target << " should be a named volume";
  }
  bool tmp = false;
  for (const auto& t : watchdog_["tmpfs"]) tmp = tmp || text(t).starts_with("/tmp");
  EXPECT_TRUE(tmp) << "a read-only root needs a tmpfs /tmp";

  const auto listen = text(config_["watchdog"]["listen"]);
  const auto port = listen.substr(listen.rfind(':') + 1);
  EXPECT_TRUE(contains(watchdog_["ports"], "127.0.0.1:" + port + ":" + port + "/tcp"))
      << "publish the listen port on loopback only";
}

TEST_F(Compose, WatchdogConfigPassesTheLoaderWithWhatComposeGivesIt) {
  // The container sees /run/secrets/<name> for each secret of its service, and only the
  // environment of its service.
  TempDir run;
  const auto mounted = run / "secrets";
  fs::create_directories(mounted);
  for (const auto& secret : watchdog_["secrets"]) {
    const auto name = text(secret["source"]);
    fs::copy_file(inputs_.secrets / name, mounted / name);
  }
  std::map<std::string, std::string> env;
  for (const auto& entry : watchdog_["environment"]) {
    env[entry.first.as<std::string>()] = text(entry.second);
  }
  std::ifstream in(kComposeDir / "watchdog.yaml");
  const std::string yaml((std::istreambuf_iterator<char>(in)), {});
  const auto path =
      rewrite_config(run, "watchdog.yaml", yaml, "/run/secrets/", mounted.string() + "/");
  // `env -i`: exactly the container's environment, not the test runner's as well.
  std::vector<std::string> argv = {"/usr/bin/env", "-i"};
  for (const auto& [name, value] : env) argv.push_back(name + "=" + value);
  argv.insert(argv.end(), {kWatchdog, "check-config", path.string()});
  const auto result = run_command(argv);
  EXPECT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_NE(result.out.find("valid"), std::string::npos) << result.out;
  for (const auto& secret : watchdog_["secrets"]) {  // never printed, only where it came from
    const auto value = read_text(inputs_.secrets / text(secret["source"]));
    EXPECT_EQ(result.out.find(value.substr(0, value.find('\n'))), std::string::npos);
  }
}

TEST_F(Compose, ConfigNamesServicesAndPathsThatExist) {
  std::vector<std::string> values;
  collect_scalars(config_, values);
  const std::regex service_label(R"(^com\.docker\.compose\.service=(.+)$)");
  const std::regex url_host(R"(^https?://([^:/]+))");
  int labels = 0;
  for (const auto& value : values) {
    std::smatch m;
    if (std::regex_match(value, m, service_label)) {
      ++labels;
      EXPECT_TRUE(resolved_["services"][m[1].str()]) << value << ": no such compose service";
    } else if (std::regex_search(value, m, url_host)) {
      EXPECT_TRUE(resolved_["services"][m[1].str()]) << value << ": host is not a compose service";
    }
  }
  EXPECT_GT(labels, 0);
  // Every label list also names the project, so another project's containers are never touched.
  std::function<void(const YAML::Node&)> check_labels = [&](const YAML::Node& node) {
    if (node.IsMap()) {
      if (node["labels"]) {
        EXPECT_TRUE(contains(node["labels"], "com.docker.compose.project=${COMPOSE_PROJECT_NAME}"))
            << YAML::Dump(node);
      }
      for (const auto& entry : node) check_labels(entry.second);
    } else if (node.IsSequence()) {
      for (const auto& item : node) check_labels(item);
    }
  };
  check_labels(config_["components"]);

  for (const auto& component : config_["components"]) {
    for (const auto& probe : component["probes"]) {
      const auto host = text(probe["host"]);
      if (!host.empty()) {
        EXPECT_TRUE(resolved_["services"][host]) << host;
      }
      if (text(probe["kind"]) == "disk") {
        EXPECT_NE(mount_at(mounts_of(watchdog_), text(probe["path"])), nullptr)
            << "disk probe path " << text(probe["path"]) << " is not mounted";
      }
    }
  }
  const auto mounts = mounts_of(watchdog_);
  EXPECT_NE(mount_at(mounts, text(config_["watchdog"]["state_dir"])), nullptr);
  for (const auto& target : config_["backups"]) {
    EXPECT_TRUE(text(target["directory"]).starts_with("/backups/")) << "on the backups volume";
    EXPECT_TRUE(resolved_["services"][text(target["host"])]);
  }
  // Bind mounts from the repository point at files that exist.
  for (const auto& service : resolved_["services"]) {
    for (const auto& m : mounts_of(service.second)) {
      if (m.source.starts_with(repo().string())) {
        EXPECT_TRUE(fs::exists(m.source)) << service.first.as<std::string>() << ": " << m.source;
      }
    }
  }
}

TEST_F(Compose, PrometheusAndGrafanaGetTheRulesAndDashboards) {
  DEPLOY_REQUIRE_TOOL(promtool, "promtool");
  const auto prometheus = resolved_["services"]["prometheus"];
  const auto mounts = mounts_of(prometheus);
  const auto* config_mount = mount_at(mounts, "/etc/prometheus/prometheus.yml");
  ASSERT_NE(config_mount, nullptr);
  const auto checked = run_command({promtool, "check", "config", config_mount->source});
  EXPECT_EQ(checked.exit_code, 0) << describe(checked);

  const auto prometheus_yml = YAML::LoadFile(config_mount->source);
  const Mount* rules = nullptr;
  for (const auto& m : mounts) {
    if (fs::path(m.source) == repo() / "dashboards" / "alerts.yml") rules = &m;
  }
  ASSERT_NE(rules, nullptr) << "dashboards/alerts.yml is not mounted into Prometheus";
  bool loaded = false;
  for (const auto& glob : prometheus_yml["rule_files"]) {
    loaded = loaded || fnmatch(text(glob).c_str(), rules->target.c_str(), 0) == 0;
  }
  EXPECT_TRUE(loaded) << rules->target << " matches no rule_files entry";

  const auto listen = text(config_["watchdog"]["listen"]);
  bool scraped = false;
  for (const auto& job : prometheus_yml["scrape_configs"]) {
    if (text(job["job_name"]) != "watchdog") continue;
    scraped = contains(job["static_configs"][0]["targets"],
                       "watchdog" + listen.substr(listen.rfind(':')));
  }
  EXPECT_TRUE(scraped) << "job \"watchdog\" (the rules' job label) must scrape watchdog:port";

  const auto grafana = mounts_of(resolved_["services"]["grafana"]);
  const auto* provisioning = mount_at(grafana, "/etc/grafana/provisioning");
  ASSERT_NE(provisioning, nullptr);
  const auto providers =
      YAML::LoadFile((fs::path(provisioning->source) / "dashboards" / "watchdog.yml").string());
  const auto path = text(providers["providers"][0]["options"]["path"]);
  const auto* dashboards = mount_at(grafana, path);
  ASSERT_NE(dashboards, nullptr) << "the provider's path " << path << " is not mounted";
  EXPECT_EQ(fs::path(dashboards->source), repo() / "dashboards");
  const auto datasources =
      YAML::LoadFile((fs::path(provisioning->source) / "datasources" / "prometheus.yml").string());
  EXPECT_EQ(text(datasources["datasources"][0]["type"]), "prometheus");
  EXPECT_EQ(text(datasources["datasources"][0]["url"]), "http://prometheus:9090");
}

}  // namespace
}  // namespace watchdog::testing::deploy
