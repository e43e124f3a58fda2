// The database and command probes under the watchdog's own descriptor exhaustion: each reports
// Unknown / LocalResource (nothing about the target), and with descriptors back its usual
// verdict. A closed local port stands in for the database: socket() fails before connect().
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "probes/clients/failure_kind.h"
#include "probes/clients/process_runner.h"
#include "tests/unit/probes/descriptors_used_up.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
using testing::DescriptorsUsedUp;
using testing::probe_from_yaml;

// The probe's result with every descriptor in use.
ProbeResult check_exhausted(Probe& probe) {
  DescriptorsUsedUp exhausted;
  return probe.check(2s);
}

// Under exhaustion the watchdog is blamed (its detail says why: `reason`); with descriptors
// back, the closed port is refused.
void expect_blames_the_watchdog_then_refused(const std::string& kind, const std::string& keys,
                                             const std::string& reason) {
  auto probe = probe_from_yaml(kind, keys);
  const ProbeResult exhausted = check_exhausted(*probe);
  EXPECT_EQ(exhausted.status, ProbeStatus::Unknown) << exhausted.detail;
  EXPECT_EQ(exhausted.failure, FailureKind::LocalResource) << exhausted.detail;
  EXPECT_NE(exhausted.detail.find(reason), std::string::npos) << exhausted.detail;
  const ProbeResult normal = probe->check(2s);
  EXPECT_EQ(normal.status, ProbeStatus::Unhealthy) << normal.detail;
  EXPECT_EQ(normal.failure, FailureKind::Refused) << normal.detail;
}

std::string closed_port() { return std::to_string(testing::free_port()); }
std::string out_of_descriptors() { return std::strerror(EMFILE); }

TEST(DescriptorExhaustion, RedisProbeBlamesTheWatchdogNotTheServer) {
  expect_blames_the_watchdog_then_refused("redis", "host: 127.0.0.1\nport: " + closed_port(),
                                          out_of_descriptors());
}

TEST(DescriptorExhaustion, PostgresProbeBlamesTheWatchdogNotTheServer) {
  expect_blames_the_watchdog_then_refused(
      "postgres", "host: 127.0.0.1\nport: " + closed_port() + "\ndbname: app\nuser: app\n",
      out_of_descriptors());
}

TEST(DescriptorExhaustion, MysqlProbeBlamesTheWatchdogNotTheServer) {
  // Connector/C 3.3 says CR_IPSOCK_ERROR 2004 "Can't create TCP/IP socket (24)".
  expect_blames_the_watchdog_then_refused(
      "mysql", "host: 127.0.0.1\nport: " + closed_port() + "\nuser: app\n", "(24)");
}

TEST(DescriptorExhaustion, CommandProbeBlamesTheWatchdogNotTheCommand) {
  auto probe = probe_from_yaml("command", "argv: [/bin/true]");
  const ProbeResult exhausted = check_exhausted(*probe);
  EXPECT_EQ(exhausted.status, ProbeStatus::Unknown) << exhausted.detail;
  EXPECT_EQ(exhausted.failure, FailureKind::LocalResource) << exhausted.detail;
  EXPECT_NE(exhausted.detail.find(out_of_descriptors()), std::string::npos) << exhausted.detail;
  const ProbeResult normal = probe->check(2s);
  EXPECT_EQ(normal.status, ProbeStatus::Healthy) << normal.detail;
}

// Starting a child takes several descriptors (asio's epoll, the output pipes, /dev/null,
// Boost's exec-error pipe): whichever step runs out, the errno says it is the watchdog's.
TEST(DescriptorExhaustion, CommandStartRunningOutAtAnyStepIsTheWatchdogs) {
  ProcessSpec spec;
  spec.argv = {"/bin/true"};
  spec.timeout = 5s;
  for (int spare = 0; spare <= 16; ++spare) {
    ProcessResult run;
    {
      DescriptorsUsedUp exhausted;
      exhausted.give_back(spare);
      run = run_process(spec);
    }
    if (run.started) {
      EXPECT_EQ(run.exit_code, 0) << spare << " spare: " << run.output_tail;
    } else {
      EXPECT_TRUE(is_local_process_exhaustion(run.start_errno))
          << spare << " spare: errno " << run.start_errno << ", " << run.start_error;
    }
  }
}

// Not running out: a missing program is still the command's own fault.
TEST(DescriptorExhaustion, CommandNotFoundIsStillAnError) {
  const auto result = probe_from_yaml("command", "argv: [/nonexistent/watchdog-probe]")->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::Error) << result.detail;
}

}  // namespace
}  // namespace watchdog::probes
