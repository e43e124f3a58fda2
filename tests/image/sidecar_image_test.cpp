// The sidecar image (deploy/Dockerfile), built and run on a real Docker engine the way compose
// runs it: host network, the Docker socket read-only, named volumes for state and backups, the
// config and a password as read-only files. Beside it, PostgreSQL 15 in its own container (an
// image built here from the same Debian base), which the watchdog probes, backs up and — when
// PostgreSQL crashes — starts again through the Docker API.
//
// One process, tests in order (CTest runs this executable as one test, label `slow`): the suite
// set-up makes the base (debootstrap, cached in the build tree for the rest of the run), builds
// both images and starts both containers; each test then checks one promise from outside.
// Nothing here is a stand-in; the registry is the only thing missing (hence the local base).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <regex>
#include <thread>

#include "tests/support/debian_base.h"
#include "tests/support/dockerd_server.h"
#include "tests/support/http_get.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/temp_dir.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kImage = "watchdog:test";
constexpr const char* kPostgresImage = "watchdog-test-postgres:15";
constexpr const char* kWatchdog = "wd";          // container names
constexpr const char* kPostgres = "wd-postgres";
constexpr const char* kPassword = "pg-secret-sentinel-5d1e";

// PostgreSQL 15 from Debian, run by a shell that is not PID 1's exec: when the postmaster dies
// the container exits by itself (a crash, which `docker_start` may repair — not a manual stop).
constexpr const char* kPostgresDockerfile = R"(FROM @BASE@
RUN echo force-unsafe-io > /etc/dpkg/dpkg.cfg.d/unsafe-io \
 && apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/*
USER postgres
ENV PATH=/usr/lib/postgresql/15/bin:/usr/bin:/bin PGDATA=/var/lib/postgresql/data
CMD ["sh", "-c", "test -s $PGDATA/PG_VERSION || { echo \"$PGPASSWORD\" > /tmp/pw && initdb -U postgres --auth-local=trust --auth-host=scram-sha-256 --pwfile=/tmp/pw >/dev/null && rm /tmp/pw; } ; postgres -p $PGPORT -c listen_addresses=127.0.0.1 -k /tmp; exit $?"]
)";

constexpr const char* kConfig = R"(watchdog:
  listen: 127.0.0.1:@PORT@
  state_dir: /var/lib/watchdog
defaults:
  interval: 2s
  timeout: 2s
  jitter: 0s
  recheck_interval: 1s
  failure_threshold: 2
  success_threshold: 1
backups:
  - name: main
    host: 127.0.0.1
    port: @PG@
    dbname: postgres
    user: postgres
    password_file: /run/secrets/pg-password
    directory: /backups/main
    format: custom
components:
  - name: postgres
    probes:
      - name: pg
        kind: postgres
        host: 127.0.0.1
        port: @PG@
        dbname: postgres
        user: postgres
        password_file: /run/secrets/pg-password
    recovery:
      backoff: 1s
      verify_timeout: 60s
      actions:
        - name: start-postgres
          kind: docker_start
          container: wd-postgres
          timeout: 30s
  - name: reaper
    critical: false
    probes:
      - name: orphan-maker
        kind: command
        argv: ["/bin/sh", "-c", "sleep 0.2 & exit 0"]
        interval: 1s
        timeout: 1s
)";

std::string fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) {
    text = std::regex_replace(text, std::regex("@" + key + "@"), value);
  }
  return text;
}

class SidecarImage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      set_up();
    } catch (const std::exception& error) {
      setup_error_ = error.what();
    }
  }
  static void TearDownTestSuite() {
    if (engine_) {
      // The watchdog's own log, for whoever reads a failed run.
      auto logs = engine_->docker({"logs", kWatchdog});
      if (::testing::UnitTest::GetInstance()->failed_test_count() > 0) {
        std::cerr << "--- docker logs " << kWatchdog << "\n" << logs.out << logs.err;
      }
    }
    engine_.reset();
    dir_.reset();
  }
  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  static void set_up() {
    dir_ = std::make_unique<TempDir>();
    engine_ = std::make_unique<DockerdServer>(/*tls_tcp=*/false, /*prefer_overlay=*/true);
    const auto started = std::chrono::steady_clock::now();
    const std::string base = import_debian_base(*engine_, WATCHDOG_TEST_CACHE_DIR);
    build(kPostgresImage, {"-f", dir_->write("postgres.Dockerfile",
                                             fill(kPostgresDockerfile, {{"BASE", base}}))
                                     .string(),
                           dir_->path().string()});
    build(kImage, watchdog_build_args(base));
    std::cout << "storage " << engine_->storage_driver() << "; images built in "
              << std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::steady_clock::now() - started)
                     .count()
              << " s; watchdog image size "
              << engine_->docker_ok({"image", "inspect", "-f", "{{.Size}}", kImage}) << " bytes\n";

    port_ = free_port();
    postgres_port_ = free_port();
    engine_->docker_ok({"run", "-d", "--name", kPostgres, "--network", "host", "-e",
                        "PGPORT=" + std::to_string(postgres_port_), "-e",
                        std::string("PGPASSWORD=") + kPassword, kPostgresImage});

    const auto secret = dir_->write("pg-password", kPassword);
    chmod(secret.c_str(), 0444);  // the container's uid is not the file's owner
    const auto config = dir_->write(
        "watchdog.yaml", fill(kConfig, {{"PORT", std::to_string(port_)},
                                        {"PG", std::to_string(postgres_port_)}}));
    chmod(config.c_str(), 0444);
    struct stat socket_stat {};
    stat(engine_->socket().c_str(), &socket_stat);
    // As deploy/compose runs it (no tmpfs: it must need none), but on the host network.
    engine_->docker_ok({"run", "-d", "--name", kWatchdog, "--network", "host", "--read-only",
                        "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                        "--memory", "128m",
                        "--group-add", std::to_string(socket_stat.st_gid),  // the socket's group
                        "-v", engine_->socket().string() + ":/var/run/docker.sock:ro",
                        "-v", "wd-state:/var/lib/watchdog", "-v", "wd-backups:/backups",
                        "-v", config.string() + ":/etc/watchdog/watchdog.yaml:ro",
                        "-v", secret.string() + ":/run/secrets/pg-password:ro",
                        "--health-interval", "2s", kImage});
  }

  // By default the image packages this run's own binary (PREBUILT), so the run does not compile
  // everything twice; WATCHDOG_IMAGE_FROM_SOURCE=1 compiles in the build stage as operators do
  // (one job: the other tests of the run share the machine).
  static std::vector<std::string> watchdog_build_args(const std::string& base) {
    const std::filesystem::path source = WATCHDOG_SOURCE_DIR;
    std::vector<std::string> args = {"-f", (source / "deploy/Dockerfile").string(), "--build-arg",
                                     "BASE_IMAGE=" + base};
    const char* from_source = std::getenv("WATCHDOG_IMAGE_FROM_SOURCE");
    if (from_source != nullptr && std::string(from_source) == "1") {
      args.insert(args.end(), {"--build-arg", "JOBS=1", source.string()});
      return args;
    }
    // A context of its own: the sources the Dockerfile copies, and the binary.
    const auto context = dir_->path() / "context";
    std::filesystem::create_directories(context);
    for (const char* part : {"CMakeLists.txt", ".dockerignore", "config", "probes", "actions",
                             "watchdog", "deploy"}) {
      std::filesystem::copy(source / part, context / part,
                            std::filesystem::copy_options::recursive);
    }
    std::filesystem::copy_file(WATCHDOG_BINARY, context / "prebuilt-watchdog");
    args.insert(args.end(), {"--build-arg", "PREBUILT=1", context.string()});
    return args;
  }

  static void build(const std::string& tag, std::vector<std::string> args) {
    args.insert(args.begin(), {"build", "--network", "host", "-q", "-t", tag});
    auto built = engine_->docker(args, 25min);
    if (built.exit_code != 0) {
      throw std::runtime_error("docker build of " + tag + " failed (" +
                               std::to_string(built.exit_code) + "):\n" + built.out + built.err);
    }
  }

  static std::string metrics() { return http_get(port_, "/metrics").body; }
  // The watchdog_component_state sample of `name` (lower case: "healthy", "critical", …).
  static double state(const std::string& component, const std::string& name) {
    return metric_sum(metrics(), "watchdog_component_state",
                      {{"component", component}, {"state", name}})
        .value_or(-1);
  }
  static CommandResult in_watchdog(const std::vector<std::string>& argv,
                                   std::chrono::milliseconds limit = 60s) {
    std::vector<std::string> args = {"exec", kWatchdog};
    args.insert(args.end(), argv.begin(), argv.end());
    return engine_->docker(args, limit);
  }

  static inline std::unique_ptr<TempDir> dir_;
  static inline std::unique_ptr<DockerdServer> engine_;
  static inline std::string setup_error_;
  static inline int port_ = 0;
  static inline int postgres_port_ = 0;
};

TEST_F(SidecarImage, AnswersHealthReadinessAndShowsPostgresHealthy) {
  ASSERT_TRUE(wait_until([] { return http_get(port_, "/readyz").status == 200; }, 60s))
      << engine_->docker({"logs", kWatchdog}).err;
  EXPECT_EQ(http_get(port_, "/healthz").status, 200);
  ASSERT_TRUE(wait_until([] { return state("postgres", "healthy") == 1; }, 60s)) << metrics();
  // Docker's own HEALTHCHECK (the image's `watchdog healthcheck`, reading the config's listen).
  ASSERT_TRUE(wait_until(
      [] { return engine_->inspect(kWatchdog)["State"]["Health"].value("Status", "") == "healthy"; },
      30s))
      << engine_->inspect(kWatchdog)["State"].dump(2);
}

TEST_F(SidecarImage, RunsAsTheNonRootUserOnAReadOnlyRootUnderTini) {
  const auto inspected = engine_->inspect(kWatchdog);
  EXPECT_EQ(inspected["Config"].value("User", ""), "10001:10001");
  EXPECT_TRUE(inspected["HostConfig"].value("ReadonlyRootfs", false));
  auto uid = in_watchdog({"id", "-u"});
  EXPECT_EQ(uid.out, "10001\n") << uid.err;
  auto write_root = in_watchdog({"touch", "/probe-write"});
  EXPECT_NE(write_root.exit_code, 0);
  EXPECT_NE(write_root.err.find("Read-only file system"), std::string::npos) << write_root.err;
  auto version = in_watchdog({"watchdog", "--version"});
  EXPECT_EQ("watchdog " + inspected["Config"]["Labels"].value("org.opencontainers.image.version",
                                                              "") + "\n",
            version.out)
      << "the Dockerfile's VERSION label drifted from the binary's version";
  auto pid1 = in_watchdog({"cat", "/proc/1/cmdline"});
  EXPECT_EQ(pid1.out.rfind("/usr/bin/tini", 0), 0u) << pid1.out;
  // The command probe leaves an orphaned `sleep` behind every second; tini reaps them. Without
  // a reaper they would pile up (one more a second); a sample may catch one not yet reaped.
  for (int sample = 0; sample < 5; ++sample) {
    std::this_thread::sleep_for(1s);
    auto zombies = in_watchdog(
        {"sh", "-c", "grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | wc -l"});
    ASSERT_EQ(zombies.exit_code, 0) << zombies.err;
    EXPECT_LE(std::stoi(zombies.out), 1) << "zombies pile up: nothing reaps orphans";
  }
  EXPECT_GE(metric_sum(metrics(), "watchdog_probe_runs_total", {{"probe", "orphan-maker"}})
                .value_or(0),
            3)
      << "the orphan-making probe did not run";
}

TEST_F(SidecarImage, BackupInsideTheContainerWritesAVerifiedDumpToTheVolume) {
  auto backup = in_watchdog({"watchdog", "backup", "--target", "main", "-c", "/etc/watchdog/watchdog.yaml"},
                            120s);
  ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
  auto listed = in_watchdog({"watchdog", "backups", "list", "-c", "/etc/watchdog/watchdog.yaml"});
  ASSERT_EQ(listed.exit_code, 0) << listed.out << listed.err;
  EXPECT_NE(listed.out.find("verified"), std::string::npos) << listed.out;
  // On the volume itself, as the host sees it: one dump, whose metadata names its size and
  // SHA-256 — checked here with the host's own sha256sum.
  const std::filesystem::path volume =
      engine_->docker_ok({"volume", "inspect", "-f", "{{.Mountpoint}}", "wd-backups"});
  std::vector<std::filesystem::path> dumps;
  for (const auto& entry : std::filesystem::directory_iterator(volume / "main")) {
    if (entry.path().extension() == ".dump") dumps.push_back(entry.path());
  }
  ASSERT_EQ(dumps.size(), 1u);
  auto metadata_path = dumps[0];
  metadata_path.replace_extension(".json");
  const auto metadata = nlohmann::json::parse(read_text(metadata_path), nullptr, false);
  ASSERT_TRUE(metadata.is_object()) << metadata_path;
  EXPECT_EQ(metadata.value("size_bytes", 0u), std::filesystem::file_size(dumps[0]));
  auto hashed = run_command({"/usr/bin/sha256sum", dumps[0].string()});
  EXPECT_EQ(hashed.out.substr(0, 64), metadata.value("sha256", "")) << hashed.out;
  // The dump is owned by the container's user: nothing ran as root.
  struct stat dump_stat {};
  stat(dumps[0].c_str(), &dump_stat);
  EXPECT_EQ(dump_stat.st_uid, 10001u);
}

TEST_F(SidecarImage, CrashedPostgresIsStartedAgainThroughTheDockerSocket) {
  ASSERT_TRUE(wait_until([] { return state("postgres", "healthy") == 1; }, 30s)) << metrics();
  // The postmaster dies (its first line of postmaster.pid); the container exits by itself.
  engine_->docker_ok({"exec", kPostgres, "sh", "-c",
                      "kill -9 $(head -1 /var/lib/postgresql/data/postmaster.pid)"});
  ASSERT_TRUE(wait_until([] { return state("postgres", "healthy") != 1; }, 30s)) << metrics();
  ASSERT_TRUE(wait_until([] { return state("postgres", "healthy") == 1; }, 90s))
      << metrics() << engine_->docker({"logs", kWatchdog}).err;
  EXPECT_GE(metric_sum(metrics(), "watchdog_recovery_actions_total",
                       {{"action", "start-postgres"}, {"result", "success"}})
                .value_or(0),
            1)
      << metrics();
  EXPECT_EQ(engine_->inspect(kPostgres)["State"].value("Status", ""), "running");
}

TEST_F(SidecarImage, ThePasswordAppearsInNoLogMetricOrStatus) {
  auto logs = engine_->docker({"logs", kWatchdog});
  EXPECT_EQ((logs.out + logs.err).find(kPassword), std::string::npos);
  EXPECT_EQ(metrics().find(kPassword), std::string::npos);
  EXPECT_EQ(http_get(port_, "/status").body.find(kPassword), std::string::npos);
  EXPECT_EQ(engine_->inspect(kWatchdog).dump().find(kPassword), std::string::npos)
      << "the secret is in the container's env or argv";
}

TEST_F(SidecarImage, StopsCleanlyOnDockerStop) {
  const auto started = std::chrono::steady_clock::now();
  engine_->docker_ok({"stop", "-t", "20", kWatchdog});
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, 10s) << "SIGTERM did not stop it; Docker had to SIGKILL";
  EXPECT_EQ(engine_->inspect(kWatchdog)["State"].value("ExitCode", -1), 0);
  auto logs = engine_->docker({"logs", kWatchdog});
  EXPECT_NE((logs.out + logs.err).find("watchdog_stopped"), std::string::npos) << logs.out;
}

}  // namespace
}  // namespace watchdog::testing
