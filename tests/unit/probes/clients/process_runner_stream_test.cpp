// ProcessSpec::on_stdout: stdout streamed to a callback (pg_dump → hash → file), stderr alone
// in the tail, and a sink that refuses more data stops the whole group at once. stdin_file: a
// file as the child's stdin (a dump fed to a restore command).
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fstream>

#include "probes/clients/process_runner.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;

TEST(ProcessRunnerStream, DeliversEveryByteOfStdoutAndKeepsStderrInTheTail) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "head -c 3000000 /dev/zero; echo 'pg_dump: error: late' >&2"};
  spec.timeout = 10s;
  std::size_t bytes = 0, chunks = 0;
  bool only_zeros = true;
  spec.on_stdout = [&](const char* data, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) only_zeros = only_zeros && data[i] == 0;
    bytes += size;
    ++chunks;
    return true;
  };
  std::string seen;
  spec.on_output = [&](const char* data, std::size_t size) { seen.append(data, size); };
  const auto result = run_process(spec);
  EXPECT_TRUE(result.started);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_FALSE(result.aborted);
  EXPECT_EQ(bytes, 3000000u);
  EXPECT_TRUE(only_zeros);
  EXPECT_GT(chunks, 1u);
  EXPECT_EQ(result.output_tail, "pg_dump: error: late\n");
  EXPECT_EQ(seen, result.output_tail);
}

TEST(ProcessRunnerStream, RefusingSinkKillsTheGroup) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "yes | cat"};  // endless, through a grandchild
  spec.timeout = 20s;
  std::size_t bytes = 0;
  spec.on_stdout = [&](const char*, std::size_t size) {
    bytes += size;
    return bytes < 1000000;
  };
  const auto result = run_process(spec);
  EXPECT_TRUE(result.aborted);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.signal, SIGKILL);
  EXPECT_LT(result.elapsed, 5s);
  EXPECT_GE(bytes, 1000000u);
}

TEST(ProcessRunnerStream, StdinFileIsTheChildsStdin) {
  char dir_template[] = "/tmp/stdin-file-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::filesystem::path dir = dir_template;
  std::ofstream(dir / "dump") << "line one\nline two\n";
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "wc -l; cat"};
  spec.stdin_file = dir / "dump";
  spec.timeout = 10s;
  auto result = run_process(spec);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output_tail, "2\n");  // wc consumed it all; cat found the end

  spec.stdin_file = dir / "missing";
  result = run_process(spec);
  EXPECT_FALSE(result.started);
  EXPECT_EQ(result.start_error, "cannot open " + (dir / "missing").string() +
                                    ": No such file or directory");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace watchdog::probes
