// Containers on a real Docker engine (issue #7): dockerd 20.10 started by the harness in a temp
// dir (tests/support/dockerd_server.h) with a busybox image. The probe's verdicts (unix socket
// and TCP with mutual TLS; stopped on purpose, issue #12) and the actions' rules (restart,
// start, stop). Through the binary: docker_recovery_test.cpp.
#include <gtest/gtest.h>

#include <thread>

#include "actions/factory.h"
#include "config/loader.h"
#include "probes/factory.h"
#include "tests/integration/docker_fixture.h"
#include "tests/integration/harness.h"
#include "tests/support/dockerd_server.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using probes::ProbeStatus;

config::Config load(const std::string& yaml) { return config::load_config_text(yaml, "t.yaml"); }

std::unique_ptr<probes::Probe> docker_probe(const DockerdServer& engine, const std::string& keys) {
  auto config = load(
      "components:\n  - name: c\n    probes:\n      - name: p\n        kind: docker\n"
      "        socket: " +
      engine.socket().string() + "\n        " + keys + "\n");
  return probes::make_probe(config.components.at(0).probes.at(0));
}

std::unique_ptr<actions::Action> docker_action(const DockerdServer& engine, const std::string& kind,
                                               const std::string& keys) {
  auto config = load(
      "components:\n  - name: c\n    probes:\n      - name: p\n        kind: command\n"
      "        argv: [/bin/true]\n    recovery:\n      actions:\n        - kind: " +
      kind + "\n          socket: " + engine.socket().string() + "\n          " + keys + "\n");
  return actions::make_action(config.components.at(0).recovery.actions.at(0));
}

double measurement(const probes::ProbeResult& result, const std::string& name) {
  for (const auto& m : result.measurements) {
    if (m.name == name) return m.value;
  }
  return -1;
}

TEST(DockerEngine, ProbeSeesEachContainerState) {
  DockerdServer engine;
  engine.docker_ok(healthy_web("web"));
  auto by_name = docker_probe(engine, "container: web");
  auto first = by_name->check(2s);
  EXPECT_EQ(first.status, ProbeStatus::Degraded) << "health starting: " << first.detail;

  probes::ProbeResult result;
  ASSERT_TRUE(
      wait_until([&] { return (result = by_name->check(2s)).status == ProbeStatus::Healthy; }, 10s))
      << result.detail;
  EXPECT_NE(result.detail.find("healthy"), std::string::npos) << result.detail;
  EXPECT_EQ(measurement(result, "docker_restarts"), 0);
  EXPECT_GE(measurement(result, "docker_uptime_seconds"), 0.5);
  auto by_label = docker_probe(engine, "labels: [app=web]");
  EXPECT_EQ(by_label->check(2s).status, ProbeStatus::Healthy);

  engine.docker_ok({"exec", "web", "rm", "/tmp/ok"});
  ASSERT_TRUE(wait_until(
      [&] { return (result = by_name->check(2s)).status == ProbeStatus::Unhealthy; }, 10s));
  EXPECT_NE(result.detail.find("health check failing"), std::string::npos) << result.detail;

  engine.docker_ok({"run", "-d", "--name", "job", "--network", "none", DockerdServer::image(), "sh",
                    "-c", "exit 3"});
  auto job = docker_probe(engine, "container: job");
  ASSERT_TRUE(
      wait_until([&] { return engine.inspect("job")["State"]["Status"] == "exited"; }, 10s));
  result = job->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_NE(result.detail.find("exited with code 3"), std::string::npos) << result.detail;
  EXPECT_EQ(result.failure, probes::FailureKind::BadResponse);
  EXPECT_EQ(result.detail.find("on purpose"), std::string::npos) << result.detail;

  engine.docker_ok({"run", "-d", "--name", "hog", "--network", "none", "--memory", "8m",
                    "--memory-swap", "8m", DockerdServer::image(), "sh", "-c",
                    "x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done"});
  ASSERT_TRUE(
      wait_until([&] { return engine.inspect("hog")["State"]["Status"] == "exited"; }, 15s));
  result = docker_probe(engine, "container: hog")->check(2s);
  EXPECT_NE(result.detail.find("OOM killer"), std::string::npos) << result.detail;

  engine.docker_ok({"run", "-d", "--name", "loop", "--network", "none", "--restart", "always",
                    DockerdServer::image(), "sh", "-c", "sleep 0.2; exit 1"});
  auto loop = docker_probe(engine, "container: loop");
  ASSERT_TRUE(wait_until(
      [&] {
        result = loop->check(2s);
        return result.detail.find("restart loop") != std::string::npos;
      },
      15s, 300ms))
      << result.detail;
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_GE(measurement(result, "docker_restarts"), 1);

  result = docker_probe(engine, "container: nosuch")->check(2s);
  EXPECT_EQ(result.failure, probes::FailureKind::NotFound);
  EXPECT_NE(result.detail.find("no container nosuch"), std::string::npos) << result.detail;
  result = docker_probe(engine, "labels: [app=nothing]")->check(2s);
  EXPECT_EQ(result.failure, probes::FailureKind::NotFound);
}

TEST(DockerEngine, ProbeOverTcpWithMutualTls) {
  DockerdServer engine(/*tls_tcp=*/true);
  engine.docker_ok(
      {"run", "-d", "--name", "web", "--network", "none", DockerdServer::image(), "sleep", "600"});
  const auto tls = engine.tls_dir();
  auto config = load(
      "components:\n  - name: c\n    probes:\n      - name: p\n        kind: docker\n"
      "        container: web\n        host: " +
      engine.tcp_host() + "\n        tls_ca: " + (tls / "ca.crt").string() +
      "\n        tls_cert: " + (tls / "client.crt").string() +
      "\n        tls_key: " + (tls / "client.key").string() + "\n");
  auto result = probes::make_probe(config.components.at(0).probes.at(0))->check(3s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;

  // Without a client certificate the engine refuses the TLS handshake.
  config = load(
      "components:\n  - name: c\n    probes:\n      - name: p\n        kind: docker\n"
      "        container: web\n        host: " +
      engine.tcp_host() + "\n        tls_ca: " + (tls / "ca.crt").string() + "\n");
  result = probes::make_probe(config.components.at(0).probes.at(0))->check(3s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_NE(result.detail.find("127.0.0.1:"), std::string::npos) << result.detail;
}

TEST(DockerEngine, ActionsRestartStartAndLeaveManualStopsAlone) {
  DockerdServer engine;
  const actions::Incident incident{"i-1", "c", 1, "test"};
  engine.docker_ok(healthy_web("web"));
  wait_healthy(engine, "web");  // see below: a stop must not meet runc's init
  const std::string before = started_at(engine, "web");
  // sleep as PID 1 ignores SIGTERM: the restart waits the whole stop_timeout (2 s), so the
  // request must be allowed to take longer than t.
  auto restart =
      docker_action(engine, "docker_restart", "container: web\n          stop_timeout: 2s");
  auto outcome = restart->run(incident, 20s);
  EXPECT_TRUE(outcome.ok) << outcome.detail;
  EXPECT_EQ(outcome.detail, "restarted web");
  EXPECT_GE(outcome.duration, 2s);
  EXPECT_NE(started_at(engine, "web"), before);
  EXPECT_EQ(engine.inspect("web")["State"]["Status"], "running");

  // Crashed by itself → started again.
  engine.docker_ok({"run", "-d", "--name", "crash", "--network", "none", DockerdServer::image(),
                    "sh", "-c", "sleep 0.2; exit 1"});
  ASSERT_TRUE(
      wait_until([&] { return engine.inspect("crash")["State"]["Status"] == "exited"; }, 10s));
  const std::string crashed_run = started_at(engine, "crash");
  outcome = docker_action(engine, "docker_start", "container: crash")->run(incident, 10s);
  EXPECT_TRUE(outcome.ok) << outcome.detail;
  EXPECT_NE(started_at(engine, "crash"), crashed_run);

  // Stopped on purpose → left alone by both kinds, unless told otherwise.
  engine.docker_ok(healthy_web("kept"));
  engine.docker_ok({"stop", "-t", "1", "kept"});
  const std::string stopped_run = started_at(engine, "kept");
  for (const char* kind : {"docker_restart", "docker_start"}) {
    outcome = docker_action(engine, kind, "container: kept")->run(incident, 10s);
    EXPECT_FALSE(outcome.ok) << kind;
    EXPECT_NE(outcome.detail.find("left alone: stopped on purpose at"), std::string::npos)
        << outcome.detail;
  }
  EXPECT_EQ(engine.inspect("kept")["State"]["Status"], "exited");
  EXPECT_EQ(started_at(engine, "kept"), stopped_run);
  outcome =
      docker_action(engine, "docker_start", "container: kept\n          respect_manual_stop: false")
          ->run(incident, 10s);
  EXPECT_TRUE(outcome.ok) << outcome.detail;
  EXPECT_EQ(engine.inspect("kept")["State"]["Status"], "running");

  // In Docker's own restart loop → skipped.
  engine.docker_ok({"run", "-d", "--name", "loop", "--network", "none", "--restart", "always",
                    DockerdServer::image(), "sh", "-c", "exit 1"});
  ASSERT_TRUE(
      wait_until([&] { return engine.inspect("loop")["State"]["Status"] == "restarting"; }, 15s));
  outcome = docker_action(engine, "docker_restart", "container: loop")->run(incident, 10s);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.detail.find("already restarting"), std::string::npos) << outcome.detail;
}

// Issue #12: what the engine's own CLI does on purpose (stop, kill) is a planned stop for the
// probe — Degraded Stopped — and a start makes it pass again; respect_manual_stop: false opts out.
TEST(DockerEngine, ProbeTellsAPlannedStopFromACrash) {
  DockerdServer engine;
  engine.docker_ok(healthy_web("web"));
  wait_healthy(engine, "web");
  auto probe = docker_probe(engine, "container: web");
  EXPECT_EQ(probe->check(2s).status, ProbeStatus::Healthy);

  engine.docker_ok({"stop", "-t", "1", "web"});
  auto result = probe->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.failure, probes::FailureKind::Stopped);
  EXPECT_TRUE(result.detail.starts_with("stopped on purpose at 20")) << result.detail;
  EXPECT_NE(result.detail.find("Z (docker stop); start it to resume monitoring"), std::string::npos)
      << result.detail;
  auto outage = docker_probe(engine, "container: web\n        respect_manual_stop: false");
  result = outage->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy) << result.detail;
  EXPECT_NE(result.detail.find("exited with code 137"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("; stopped on purpose at"), std::string::npos) << result.detail;

  engine.docker_ok({"start", "web"});
  wait_healthy(engine, "web");
  EXPECT_EQ(probe->check(2s).status, ProbeStatus::Healthy) << "a new run: the old stop is history";

  engine.docker_ok({"kill", "web"});  // SIGKILL
  ASSERT_TRUE(
      wait_until([&] { return engine.inspect("web")["State"]["Status"] == "exited"; }, 10s));
  result = probe->check(2s);
  EXPECT_EQ(result.failure, probes::FailureKind::Stopped) << result.detail;
  EXPECT_NE(result.detail.find("(docker kill, signal "), std::string::npos) << result.detail;

  // A container whose process ends by itself is a crash, not a planned stop.
  engine.docker_ok({"run", "-d", "--name", "crash", "--network", "none", DockerdServer::image(),
                    "sh", "-c", "sleep 0.2; exit 0"});
  ASSERT_TRUE(
      wait_until([&] { return engine.inspect("crash")["State"]["Status"] == "exited"; }, 10s));
  result = docker_probe(engine, "container: crash")->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy) << result.detail;
  EXPECT_NE(result.detail.find("exited with code 0"), std::string::npos) << result.detail;
}

// docker_stop (issue #12): POST /containers/{id}/stop?t=…; an HTTP timeout longer than t;
// already stopped (304) is fine; a missing container fails.
TEST(DockerEngine, StopActionStopsRunningAndRestartingContainers) {
  DockerdServer engine;
  const actions::Incident incident{"i-1", "c", 1, "test"};
  engine.docker_ok(healthy_web("web"));
  // Until the command runs, the container's PID 1 is runc's init, a Go program that SIGTERM
  // ends at once with status 2 (seen once on a loaded CI machine): wait for the health check.
  wait_healthy(engine, "web");
  // sleep as PID 1 ignores SIGTERM: the stop waits the whole stop_timeout (2 s) before SIGKILL.
  auto stop = docker_action(engine, "docker_stop", "container: web\n          stop_timeout: 2s");
  auto outcome = stop->run(incident, 20s);
  EXPECT_TRUE(outcome.ok) << outcome.detail;
  EXPECT_EQ(outcome.detail, "stopped web");
  EXPECT_GE(outcome.duration, 2s);
  auto state = engine.inspect("web")["State"];
  EXPECT_EQ(state["Status"], "exited");
  EXPECT_EQ(state["ExitCode"], 137) << "killed after the stop timeout";

  // Again: Docker answers 304 (already stopped), still done, and quickly.
  outcome = stop->run(incident, 20s);
  EXPECT_TRUE(outcome.ok) << outcome.detail;
  EXPECT_LT(outcome.duration, 2s);

  // The action's own stop is a stop on purpose: the probe calls it a planned stop, and
  // docker_start leaves it alone unless told otherwise (a runbook says respect_manual_stop: false).
  EXPECT_EQ(docker_probe(engine, "container: web")->check(2s).failure,
            probes::FailureKind::Stopped);
  EXPECT_FALSE(docker_action(engine, "docker_start", "container: web")->run(incident, 10s).ok);

  // A container in Docker's restart loop is stopped too (it ends the loop).
  engine.docker_ok({"run", "-d", "--name", "loop", "--network", "none", "--restart", "always",
                    DockerdServer::image(), "sh", "-c", "sleep 0.3; exit 1"});
  ASSERT_TRUE(wait_until([&] { return engine.inspect("loop")["RestartCount"] >= 1; }, 15s));
  outcome = docker_action(engine, "docker_stop", "labels: [app=nothing]")->run(incident, 10s);
  EXPECT_FALSE(outcome.ok);
  outcome = docker_action(engine, "docker_stop", "container: loop\n          stop_timeout: 1s")
                ->run(incident, 10s);
  EXPECT_TRUE(outcome.ok) << outcome.detail;
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(engine.inspect("loop")["State"]["Status"], "exited") << "not brought back";

  outcome = docker_action(engine, "docker_stop", "container: nosuch")->run(incident, 10s);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.detail, "no container nosuch");
}

}  // namespace
}  // namespace watchdog::testing
