// run_in_limited_child: every way the work in the child can end, reported to the parent.
#include "config/parse_guard.h"

#include <gtest/gtest.h>

#include <thread>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace watchdog::config {
namespace {

using namespace std::chrono_literals;
using Outcome = ChildVerdict::Outcome;

TEST(ParseGuard, WorkThatReturnsIsOk) {
  const auto verdict = run_in_limited_child([] {}, ChildLimits{});
  EXPECT_EQ(verdict.outcome, Outcome::Ok);
}

TEST(ParseGuard, AnExceptionComesBackWithItsMessage) {
  const auto verdict =
      run_in_limited_child([] { throw std::invalid_argument("t.yaml:3:1: bad"); }, ChildLimits{});
  EXPECT_EQ(verdict.outcome, Outcome::Failed);
  EXPECT_EQ(verdict.message, "t.yaml:3:1: bad");
}

TEST(ParseGuard, WorkThatNeverEndsIsKilledAtTheDeadline) {
  ChildLimits limits;
  limits.deadline = 200ms;
  const auto start = std::chrono::steady_clock::now();
  const auto verdict = run_in_limited_child(
      [] {
        volatile unsigned long spins = 0;
        while (true) spins = spins + 1;
      },
      limits);
  EXPECT_EQ(verdict.outcome, Outcome::TimedOut);
  EXPECT_EQ(verdict.message, "") << "the CPU budget, not the wall limit";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);  // generous: 200ms deadline
}

TEST(ParseGuard, TheBudgetIsCpuTimeSoWaitingIsNotRefused) {
  // A parse that waits (as one on a starved host waits for a CPU) longer than the budget, using
  // almost no CPU, still answers; wall-clock time alone is bounded by the wall limit.
  ChildLimits limits;
  limits.deadline = 200ms;
  const auto verdict =
      run_in_limited_child([] { std::this_thread::sleep_for(600ms); }, limits);
  EXPECT_EQ(verdict.outcome, Outcome::Ok);
}

TEST(ParseGuard, WorkThatWaitsForeverIsKilledAtTheWallLimit) {
  ChildLimits limits;
  limits.deadline = 200ms;
  limits.wall_limit = 500ms;
  const auto start = std::chrono::steady_clock::now();
  const auto verdict =
      run_in_limited_child([] { std::this_thread::sleep_for(std::chrono::hours(1)); }, limits);
  EXPECT_EQ(verdict.outcome, Outcome::TimedOut);
  // Said as what it is: a parser that waited, not one that used up its CPU.
  EXPECT_EQ(verdict.message, "no answer within 500ms of wall-clock time, with CPU time to spare");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(ParseGuard, WorkThatDiesBySignalIsACrash) {
  // SIGABRT, what a failed assertion or std::terminate in the parser raises: unlike SIGSEGV,
  // which ASan's handler turns into a report and exit(1), no sanitizer catches it, so the child
  // dies by the signal in every build.
  const auto verdict = run_in_limited_child([] { std::abort(); }, ChildLimits{});
  EXPECT_EQ(verdict.outcome, Outcome::Crashed);
  EXPECT_EQ(verdict.message, "Aborted");
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
TEST(ParseGuard, MemoryBeyondTheCapIsOutOfMemory) {
  ChildLimits limits;
  limits.extra_address_space_bytes = 64 * 1024 * 1024;
  const auto verdict = run_in_limited_child(
      [] {
        std::vector<std::vector<char>> hoard;
        while (true) hoard.emplace_back(1024 * 1024, 'x');
      },
      limits);
  EXPECT_EQ(verdict.outcome, Outcome::OutOfMemory);
}
#endif

}  // namespace
}  // namespace watchdog::config
