// Which containers docker_restart / docker_start may touch (issue #7), and their config and
// docker_stop's (issue #12).
// The real engine is in tests/integration/docker_test.cpp.
#include <gtest/gtest.h>

#include "actions/docker_container_action.h"
#include "tests/unit/actions/action_test_helpers.h"

namespace watchdog::actions {
namespace {

using probes::ContainerInfo;
using probes::StopCause;
using probes::StopJudgement;
using testing::action_from_yaml;

ContainerInfo container(std::string status) {
  ContainerInfo info;
  info.name = "web";
  info.status = std::move(status);
  return info;
}

TEST(DockerAction, LeavesAloneWhatAnOperatorStoppedOrDockerIsRestarting) {
  const StopJudgement crashed{StopCause::Crashed, "exited by itself"};
  const StopJudgement on_purpose{StopCause::OnPurpose, "stopped on purpose at X (docker stop)"};
  const StopJudgement unknown{StopCause::Unknown, "no history"};

  EXPECT_EQ(docker_skip_reason(container("running"), {}, true), "");
  EXPECT_EQ(docker_skip_reason(container("paused"), {}, true), "");
  EXPECT_NE(docker_skip_reason(container("restarting"), {}, true).find("already restarting"),
            std::string::npos);
  EXPECT_NE(docker_skip_reason(container("restarting"), {}, false), "");
  EXPECT_NE(docker_skip_reason(container("removing"), {}, false), "");

  EXPECT_EQ(docker_skip_reason(container("exited"), crashed, true), "");
  auto skip = docker_skip_reason(container("exited"), on_purpose, true);
  EXPECT_NE(skip.find("left alone: stopped on purpose at X (docker stop) (respect_manual_stop)"),
            std::string::npos)
      << skip;
  EXPECT_NE(docker_skip_reason(container("exited"), unknown, true).find("cannot tell"),
            std::string::npos);
  EXPECT_NE(docker_skip_reason(container("created"), unknown, true), "");
  auto oom = container("exited");
  oom.oom_killed = true;
  EXPECT_EQ(docker_skip_reason(oom, unknown, true), "") << "the kernel stopped it, not a person";

  EXPECT_EQ(docker_skip_reason(container("exited"), on_purpose, false), "");
  EXPECT_TRUE(needs_stop_judgement(container("exited"), true));
  EXPECT_FALSE(needs_stop_judgement(container("exited"), false));
  EXPECT_FALSE(needs_stop_judgement(container("running"), true));
}

TEST(DockerAction, ConfigAndDescription) {
  auto restart = action_from_yaml("docker_restart", "container: web\nstop_timeout: 1500ms");
  EXPECT_EQ(restart->kind(), "docker_restart");
  EXPECT_EQ(restart->describe(), "docker restart -t 2 (container web)");
  auto start = action_from_yaml("docker_start", "labels: [app=web]\nrespect_manual_stop: false");
  EXPECT_EQ(start->describe(), "docker start (containers with label app=web)");
  EXPECT_THROW(action_from_yaml("docker_restart", "stop_timeout: 5s"), config::ConfigError);
  EXPECT_THROW(action_from_yaml("docker_start", "container: web\nstop_timeout: 5s"),
               config::ConfigError)
      << "docker_start has no stop_timeout";
  auto stop = action_from_yaml("docker_stop", "container: web\nstop_timeout: 3s");
  EXPECT_EQ(stop->kind(), "docker_stop");
  EXPECT_EQ(stop->describe(), "docker stop -t 3 (container web)");
  EXPECT_FALSE(stop->destructive()) << "the container and its data stay";
  EXPECT_EQ(action_from_yaml("docker_stop", "labels: [app=web]")->describe(),
            "docker stop -t 10 (containers with label app=web)");
  EXPECT_THROW(action_from_yaml("docker_stop", "container: web\nrespect_manual_stop: false"),
               config::ConfigError)
      << "stopping needs no manual-stop guard";
  EXPECT_THROW(action_from_yaml("docker_stop", "container: web\nstop_timeout: -1s"),
               config::ConfigError);
}

TEST(DockerAction, UnreachableEngineFailsWithinTheTimeout) {
  for (const char* kind : {"docker_restart", "docker_stop"}) {
    auto action = action_from_yaml(kind, "container: web\nsocket: /nonexistent/watchdog-test.sock");
    auto outcome = action->run({"i", "app", 1, "test"}, std::chrono::seconds(2));
    EXPECT_FALSE(outcome.ok) << kind;
    EXPECT_NE(outcome.detail.find("cannot reach the Docker engine"), std::string::npos)
        << outcome.detail;
  }
}

}  // namespace
}  // namespace watchdog::actions
