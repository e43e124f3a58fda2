// The docker probe's parsing and verdicts (issue #7), without an engine: inspect documents and
// event streams shaped like Docker 20.10's answers. The real engine is in
// tests/integration/docker_test.cpp.
#include "probes/docker_probe.h"

#include <gtest/gtest.h>

#include "config/options.h"
#include "probes/clients/docker_api.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

const char* const kInspect = R"({
  "Id": "a361e8cd02b3", "Name": "/web", "RestartCount": 2,
  "State": {"Status": "running", "Running": true, "OOMKilled": false, "ExitCode": 0,
    "StartedAt": "2026-11-22T06:14:23.702327797Z", "FinishedAt": "0001-01-01T00:00:00Z",
    "Health": {"Status": "unhealthy", "FailingStreak": 3,
      "Log": [{"ExitCode": 0, "Output": ""}, {"ExitCode": 1, "Output": "boom"}]}}})";

ContainerInfo container(std::string status, std::string health = "") {
  ContainerInfo info;
  info.id = "abc";
  info.name = "web";
  info.status = std::move(status);
  info.health = std::move(health);
  info.started_at = Clock::now() - 90s;
  info.finished_at = Clock::now() - 5s;
  return info;
}

TEST(DockerApi, ParsesInspectDocument) {
  auto info = parse_container(kInspect);
  EXPECT_EQ(info.id, "a361e8cd02b3");
  EXPECT_EQ(info.name, "web");
  EXPECT_EQ(info.status, "running");
  EXPECT_EQ(info.health, "unhealthy");
  EXPECT_EQ(info.health_failing_streak, 3);
  EXPECT_EQ(info.health_last_exit, 1);
  EXPECT_EQ(info.restart_count, 2);
  ASSERT_TRUE(info.started_at);
  EXPECT_EQ(format_rfc3339(*info.started_at), "2026-11-22T06:14:23Z");
  EXPECT_FALSE(info.finished_at) << "Docker's zero time means never";
  EXPECT_THROW(parse_container("{\"Id\": 1}"), std::exception);
}

TEST(DockerApi, ParsesTimestamps) {
  auto plain = parse_rfc3339("2026-11-22T06:14:55Z");
  ASSERT_TRUE(plain);
  auto fraction = parse_rfc3339("2026-11-22T06:14:55.5Z");
  ASSERT_TRUE(fraction);
  EXPECT_EQ(*fraction - *plain, 500ms);
  auto offset = parse_rfc3339("2026-11-22T08:14:55+02:00");
  ASSERT_TRUE(offset);
  EXPECT_EQ(*offset, *plain);
  EXPECT_FALSE(parse_rfc3339("0001-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("yesterday"));
  EXPECT_FALSE(parse_rfc3339("2026-11-22T06:14:55"));
}

std::string event(const std::string& action, Clock::time_point at, const std::string& signal = "") {
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
  std::string attributes =
      R"({"name":"web")" + (signal.empty() ? "" : R"(,"signal":")" + signal + "\"") + "}";
  return R"({"Type":"container","Action":")" + action + R"(","Actor":{"ID":"abc","Attributes":)" +
         attributes + R"(},"timeNano":)" + std::to_string(nanos) + "}\n";
}

TEST(DockerApi, JudgesWhyAContainerStopped) {
  auto info = container("exited");
  const auto started = *info.started_at;
  // docker stop: kill (SIGTERM), die, stop.
  auto stopped = judge_stop(info, event("kill", started + 1s, "15") + event("die", started + 2s) +
                                      event("stop", started + 2s));
  EXPECT_EQ(stopped.cause, StopCause::OnPurpose) << stopped.detail;
  EXPECT_EQ(stopped.detail,
            "stopped on purpose at " + format_rfc3339(started + 2s) + " (docker stop)");
  auto killed = judge_stop(info, event("kill", started + 1s, "9") + event("die", started + 1s));
  EXPECT_EQ(killed.cause, StopCause::OnPurpose);
  EXPECT_EQ(killed.detail,
            "stopped on purpose at " + format_rfc3339(started + 1s) + " (docker kill, signal 9)");
  // The process ended by itself: only die.
  EXPECT_EQ(judge_stop(info, event("die", started + 3s)).cause, StopCause::Crashed);
  // A SIGHUP (reload) does not stop a container: a later die is still a crash.
  EXPECT_EQ(judge_stop(info, event("kill", started + 1s, "1") + event("die", started + 3s)).cause,
            StopCause::Crashed);
  // A stop of an earlier run does not count for this one.
  EXPECT_EQ(judge_stop(info, event("stop", started - 10s) + event("die", started + 3s)).cause,
            StopCause::Crashed);
  // Nothing in the history: cannot tell.
  EXPECT_EQ(judge_stop(info, "").cause, StopCause::Unknown);
  info.started_at.reset();
  EXPECT_EQ(judge_stop(info, event("die", Clock::now())).cause, StopCause::Unknown);
}

TEST(DockerProbe, JudgesEachContainerState) {
  const auto now = Clock::now();
  struct Case {
    ContainerInfo info;
    ProbeStatus status;
    std::string detail_part;
  };
  auto oom = container("exited");
  oom.oom_killed = true;
  oom.exit_code = 137;
  auto crashed = container("exited");
  crashed.exit_code = 3;
  auto restarting = container("restarting");
  restarting.restart_count = 4;
  const std::vector<Case> cases = {
      {container("running"), ProbeStatus::Healthy, "running for 90 s"},
      {container("running", "healthy"), ProbeStatus::Healthy, "healthy"},
      {container("running", "starting"), ProbeStatus::Degraded, "not decided yet"},
      {container("running", "unhealthy"), ProbeStatus::Unhealthy, "health check failing"},
      {crashed, ProbeStatus::Unhealthy, "exited with code 3 "},
      {oom, ProbeStatus::Unhealthy, "OOM killer"},
      {restarting, ProbeStatus::Unhealthy, "restarting"},
      {container("dead"), ProbeStatus::Unhealthy, "dead"},
      {container("paused"), ProbeStatus::Unhealthy, "paused"},
      {container("created"), ProbeStatus::Unhealthy, "never started"},
  };
  for (const auto& c : cases) {
    auto result = judge_container(c.info, std::nullopt, now);
    EXPECT_EQ(result.status, c.status) << c.info.status << "/" << c.info.health;
    EXPECT_NE(result.detail.find(c.detail_part), std::string::npos) << result.detail;
  }
}

// Issue #12: a planned stop is not an outage. Stopped on purpose → Degraded Stopped (no action,
// one alert); crashes stay Unhealthy; respect_manual_stop: false treats it as an outage.
TEST(DockerProbe, ContainerStoppedOnPurposeIsDegradedNotUnhealthy) {
  const auto now = Clock::now();
  const StopJudgement on_purpose{StopCause::OnPurpose,
                                 "stopped on purpose at 2026-12-05T01:02:03Z (docker stop)"};
  auto stopped = container("exited");
  stopped.exit_code = 137;  // SIGKILL after the stop timeout: still on purpose
  auto result = judge_container(stopped, std::nullopt, now, on_purpose);
  EXPECT_EQ(result.status, ProbeStatus::Degraded);
  EXPECT_EQ(result.failure, FailureKind::Stopped);
  EXPECT_EQ(result.detail,
            "stopped on purpose at 2026-12-05T01:02:03Z (docker stop); start it to resume "
            "monitoring");
  EXPECT_EQ(judge_container(container("created"), std::nullopt, now, on_purpose).failure,
            FailureKind::Stopped);
  // A restart-policy container the operator stopped mid-loop: the stop wins.
  stopped.restart_count = 5;
  EXPECT_EQ(judge_container(stopped, 2, now, on_purpose).failure, FailureKind::Stopped);

  // Opted out: an outage, saying why.
  result = judge_container(stopped, std::nullopt, now, on_purpose, /*respect_manual_stop=*/false);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_NE(result.detail.find("exited with code 137"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("; stopped on purpose at"), std::string::npos) << result.detail;

  // Crashes stay outages: it ended by itself, the history cannot tell, nothing was asked, or
  // the kernel's OOM killer stopped it.
  auto crashed = container("exited");
  crashed.exit_code = 3;
  for (const auto& stop : {std::optional<StopJudgement>(StopJudgement{StopCause::Crashed, "x"}),
                           std::optional<StopJudgement>(StopJudgement{StopCause::Unknown, "x"}),
                           std::optional<StopJudgement>()}) {
    result = judge_container(crashed, std::nullopt, now, stop);
    EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
    EXPECT_EQ(result.failure, FailureKind::BadResponse);
  }
  auto oom = container("exited");
  oom.oom_killed = true;
  EXPECT_FALSE(needs_stop_cause(oom));
  EXPECT_EQ(judge_container(oom, std::nullopt, now, on_purpose).status, ProbeStatus::Unhealthy);
  // A running container is judged by its state; a stale judgement changes nothing.
  EXPECT_FALSE(needs_stop_cause(container("running")));
  EXPECT_EQ(judge_container(container("running"), std::nullopt, now, on_purpose).status,
            ProbeStatus::Healthy);
}

TEST(DockerProbe, GrowingRestartCountIsARestartLoopEvenWhileRunning) {
  auto info = container("running");
  info.restart_count = 7;
  EXPECT_EQ(judge_container(info, 7, Clock::now()).status, ProbeStatus::Healthy);
  auto result = judge_container(info, 5, Clock::now());
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_NE(result.detail.find("restart loop: restarted 2 times"), std::string::npos)
      << result.detail;
}

TEST(DockerProbe, ConfigNeedsExactlyOneTarget) {
  using testing::probe_from_yaml;
  EXPECT_NO_THROW(probe_from_yaml("docker", "container: web"));
  EXPECT_NO_THROW(probe_from_yaml("docker", "labels: [app=web]\nsocket: /run/d.sock"));
  EXPECT_NO_THROW(probe_from_yaml("docker",
                                  "container: web\nhost: tcp://10.0.0.5:2376\n"
                                  "tls_ca: /ca.pem\ntls_cert: /c.pem\ntls_key: /k.pem"));
  EXPECT_THROW(probe_from_yaml("docker", "socket: /run/d.sock"), config::ConfigError);
  EXPECT_THROW(probe_from_yaml("docker", "container: web\nlabels: [a=b]"), config::ConfigError);
  EXPECT_THROW(probe_from_yaml("docker", "container: web\nhost: 10.0.0.5:2376"),
               config::ConfigError);
  EXPECT_THROW(probe_from_yaml("docker", "container: web\ntls_cert: /c.pem"), config::ConfigError);
  EXPECT_THROW(probe_from_yaml("docker", "container: web\nrestart: true"), config::ConfigError);
  EXPECT_NO_THROW(probe_from_yaml("docker", "container: web\nrespect_manual_stop: false"));
  EXPECT_THROW(probe_from_yaml("docker", "container: web\nrespect_manual_stop: maybe"),
               config::ConfigError);
}

TEST(DockerProbe, UnreachableEngineIsAClearFailure) {
  testing::TempDir dir;
  auto probe = testing::probe_from_yaml(
      "docker", "container: web\nsocket: " + (dir / "missing.sock").string());
  auto result = probe->check(1s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::Refused);
  EXPECT_NE(result.detail.find("cannot reach the Docker engine at unix://"), std::string::npos)
      << result.detail;
}

}  // namespace
}  // namespace watchdog::probes
