#include "probes/clients/process_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
// asio's scheduler trips a false -Wnull-dereference (compensating_work_started) at -O2.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/process/args.hpp>
#include <boost/process/async_pipe.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/group.hpp>
#include <boost/process/io.hpp>
#include <boost/process/search_path.hpp>
#pragma GCC diagnostic pop
#include <boost/algorithm/string/split.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string_view>
#include <thread>

#include "config/text.h"

namespace bp = boost::process;

namespace watchdog::probes {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollSlice = std::chrono::milliseconds(15);
constexpr auto kReapGrace = std::chrono::seconds(2);

// Marks every descriptor >= 3 close-on-exec. Runs in the forked child: async-signal-safe only.
// (Not bp::limit_handles: in Boost 1.74 it also closes Boost's exec-error pipe, so a failed
// exec looks like a started child exiting 1, and it calls opendir(), i.e. malloc, after fork.)
void mark_cloexec_from_3() {
#if defined(SYS_close_range)
  constexpr unsigned kCloseRangeCloexec = 1U << 2;  // CLOSE_RANGE_CLOEXEC, Linux >= 5.11
  if (syscall(SYS_close_range, 3U, ~0U, kCloseRangeCloexec) == 0) return;
#endif
  long max_fd = sysconf(_SC_OPEN_MAX);
  if (max_fd < 0 || max_fd > 65536) max_fd = 65536;
  for (int fd = 3; fd < max_fd; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);
}

// Boost.Process handler: a clean child (default signal dispositions, empty mask, no leaked
// descriptors), chdir that aborts on failure (bp::start_dir reports the error but still execs),
// and the pid of a child that failed to start, so the parent can reap it (Boost does not).
// The inherited environment ("KEY=value" entries) with `overrides` replacing or adding keys.
std::vector<std::string> environment_with(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> entries;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto key = entry.substr(0, entry.find('='));
    if (overrides.find(std::string(key)) == overrides.end()) entries.emplace_back(entry);
  }
  for (const auto& [key, value] : overrides) entries.push_back(key + "=" + value);
  return entries;
}

struct ChildSetup : bp::extend::handler {
  const char* working_dir = nullptr;  // nullptr = inherit
  pid_t* failed_pid = nullptr;
  char** envp = nullptr;  // the child's whole environment

  // In the parent, before fork: hand exec our environment. (bp::environment's operator[] and
  // find() read past the end of shorter entries in Boost 1.74 — ASan reports it — so the
  // environment is built here instead.)
  template <class Executor>
  void on_setup(Executor& exec) const {
    exec.env = envp;
  }

  template <class Executor>
  void on_exec_setup(Executor& exec) const {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    mark_cloexec_from_3();
    if (working_dir != nullptr && chdir(working_dir) != 0) {
      exec.set_error(std::error_code(errno, std::system_category()), "chdir failed");
      _exit(127);
    }
  }

  template <class Executor>
  void on_error(Executor& exec, const std::error_code&) const {
    if (exec.pid > 0) *failed_pid = exec.pid;
  }
};

// Keeps the last `limit` bytes of a stream, trimming lazily to stay linear.
class Tail {
 public:
  explicit Tail(std::size_t limit) : limit_(limit) {}
  void append(const char* data, std::size_t size) {
    text_.append(data, size);
    if (text_.size() > 2 * limit_ + 4096) trim();
  }
  std::string take() {
    trim();
    // Do not start in the middle of a UTF-8 sequence.
    std::size_t skip = 0;
    while (skip < text_.size() && skip < 3 &&
           (static_cast<unsigned char>(text_[skip]) & 0xC0) == 0x80)
      ++skip;
    if (text_.size() == limit_) text_.erase(0, skip);
    return std::move(text_);
  }

 private:
  void trim() {
    if (text_.size() > limit_) text_.erase(0, text_.size() - limit_);
  }
  std::size_t limit_;
  std::string text_;
};

// Reads the merged output pipe until EOF, an error or close().
struct OutputReader {
  bp::async_pipe& pipe;
  Tail& tail;
  const std::function<void(const char*, std::size_t)>& observer;
  std::array<char, 4096> buffer{};
  bool open = true;

  void arm() {
    pipe.async_read_some(boost::asio::buffer(buffer),
                         [this](const boost::system::error_code& ec, std::size_t size) {
                           tail.append(buffer.data(), size);
                           if (observer && size > 0) observer(buffer.data(), size);
                           if (ec) {
                             open = false;
                           } else {
                             arm();
                           }
                         });
  }
};

// Streams a separate stdout pipe to ProcessSpec::on_stdout in large chunks.
struct StreamReader {
  bp::async_pipe& pipe;
  const std::function<bool(const char*, std::size_t)>& sink;
  std::vector<char> buffer = std::vector<char>(64 << 10);  // cache-sized chunks hash fastest
  bool open = true;
  bool refused = false;  // the sink returned false

  void arm() {
    pipe.async_read_some(boost::asio::buffer(buffer),
                         [this](const boost::system::error_code& ec, std::size_t size) {
                           if (size > 0 && !refused && !sink(buffer.data(), size)) refused = true;
                           if (ec || refused) {
                             open = false;
                           } else {
                             arm();
                           }
                         });
  }
};

// Resolves argv[0] in the parent so a missing or non-executable program gets a clear message.
std::string resolve_program(const ProcessSpec& spec, std::string& error) {
  const std::string& name = spec.argv[0];
  if (name.empty()) {
    error = "empty program name";
    return {};
  }
  std::filesystem::path path = name;
  if (name.find('/') == std::string::npos) {
    auto env_path = spec.env.find("PATH");  // the child's PATH, as execvp would use it
    const char* inherited = std::getenv("PATH");
    std::string path_list = env_path != spec.env.end() ? env_path->second
                            : inherited != nullptr     ? inherited
                                                       : "/usr/local/bin:/usr/bin:/bin";
    std::vector<std::string> parts;
    boost::algorithm::split(parts, path_list, [](char c) { return c == ':'; });
    std::vector<boost::filesystem::path> dirs(parts.begin(), parts.end());
    auto found = bp::search_path(name, dirs);
    if (found.empty()) {
      error = "'" + name + "' not found in PATH";
      return {};
    }
    return found.string();
  }
  // A relative path is relative to the working directory (the child chdirs before exec).
  if (path.is_relative() && !spec.working_dir.empty())
    path = std::filesystem::path(spec.working_dir) / path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "cannot execute '" + name + "': is a directory";
  } else if (access(path.c_str(), X_OK) != 0) {
    error = "cannot execute '" + name + "': " + config::errno_text();
  }
  return name;
}

// Non-blocking reap; true once the child is gone (status set, or lost to someone else's wait).
bool reaped(pid_t pid, int& status, bool& lost) {
  pid_t r;
  do {
    r = waitpid(pid, &status, WNOHANG);
  } while (r == -1 && errno == EINTR);
  if (r == -1) lost = true;  // ECHILD: SIGCHLD ignored, or reaped elsewhere
  return r != 0;
}

void run(const ProcessSpec& spec, ProcessResult& result, Clock::time_point start) {
  if (spec.argv.empty()) {
    result.start_error = "empty argv";
    return;
  }
  std::string program = resolve_program(spec, result.start_error);
  if (!result.start_error.empty()) return;
  std::error_code dir_ec;
  if (!spec.working_dir.empty() && !std::filesystem::is_directory(spec.working_dir, dir_ec)) {
    result.start_error = "working_dir '" + spec.working_dir + "' is not a directory";
    return;
  }

  std::vector<std::string> env_entries = environment_with(spec.env);
  std::vector<char*> envp;
  for (auto& entry : env_entries) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());

  boost::asio::io_context io;
  bp::async_pipe pipe(io);
  bp::group group;
  pid_t failed_pid = -1;
  ChildSetup setup;
  setup.working_dir = spec.working_dir.empty() ? nullptr : spec.working_dir.c_str();
  setup.failed_pid = &failed_pid;
  setup.envp = envp.data();
  std::error_code ec;
  auto no_input = bp::std_in < bp::null;
  bp::async_pipe stdout_pipe(io);
  const bool streaming = static_cast<bool>(spec.on_stdout);
  bp::child child = [&] {
    if (streaming) {
      // A larger pipe means fewer wake-ups per MiB; failure to enlarge it is harmless.
      fcntl(stdout_pipe.native_source(), F_SETPIPE_SZ, 1 << 20);
      return bp::child(setup, bp::exe = program, bp::args = args, no_input,
                       bp::std_out > stdout_pipe, bp::std_err > pipe, group, ec);
    }
    auto merged_output = (bp::std_out & bp::std_err) > pipe;
    return bp::child(setup, bp::exe = program, bp::args = args, no_input, merged_output, group, ec);
  }();
  if (ec || !child.valid()) {
    if (failed_pid > 0) {  // the forked child wrote its error and exits; reap it
      kill(failed_pid, SIGKILL);
      while (waitpid(failed_pid, nullptr, 0) == -1 && errno == EINTR) {
      }
    }
    result.start_error = "cannot start '" + spec.argv[0] + "': " + ec.message();
    return;
  }
  result.started = true;
  const pid_t pid = child.id();
  // We reap it ourselves (Boost's running() reports a lost child as exit 0, and its destructor
  // would waitpid() a pid that may already belong to another runner's child).
  child.detach();
  struct KillIfThrown {  // an exception below must not leave the child running or unreaped
    pid_t pid;
    bool armed = true;
    ~KillIfThrown() {
      if (armed && kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
    }
  } guard{pid};

  Tail tail(spec.tail_bytes);
  OutputReader reader{pipe, tail, spec.on_output};
  reader.arm();
  StreamReader stream{stdout_pipe, spec.on_stdout};
  if (streaming) {
    stream.arm();
  } else {
    stream.open = false;
  }

  const auto deadline = start + spec.timeout;
  int status = 0;
  bool lost = false;
  bool exited = false;
  while (!(exited = reaped(pid, status, lost))) {
    const auto now = Clock::now();
    if (now >= deadline || stream.refused) break;
    const auto slice = std::min<Clock::duration>(kPollSlice, deadline - now);
    if (reader.open || stream.open) {
      io.run_for(slice);
      if (io.stopped()) io.restart();
    } else {
      std::this_thread::sleep_for(slice);
    }
  }
  guard.armed = !exited;  // once reaped, the pid may be reused: never signal it again

  if (!exited) {  // deadline or refused stream: kill the whole group (and the child)
    result.timed_out = !stream.refused;
    result.aborted = stream.refused;
    group.terminate(ec);
    kill(pid, SIGKILL);
    const auto give_up = Clock::now() + kReapGrace;
    while (!(exited = reaped(pid, status, lost)) && Clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!exited) {  // stuck in the kernel (D state): reap it in the background
      std::thread([pid] {
        while (waitpid(pid, nullptr, 0) == -1 && errno == EINTR) {
        }
      }).detach();
    }
  }
  guard.armed = false;
  group.detach();  // on a normal exit, background processes it started keep running

  // A streamed stdout is read to its end (the child has exited, so EOF follows what the pipe
  // still holds), bounded in case a grandchild keeps the pipe open.
  const auto drain_limit = Clock::now() + kReapGrace;
  while (exited && stream.open && Clock::now() < drain_limit) {
    io.run_for(kPollSlice);
    if (io.stopped()) io.restart();
  }
  if (stream.refused && exited && !result.aborted) result.aborted = true;
  // Drain what is already buffered; a grandchild holding the pipe must not keep us here.
  for (int round = 0; round < 64 && reader.open; ++round) {
    if (io.poll() == 0) break;
  }
  boost::system::error_code close_ec;
  pipe.close(close_ec);
  stdout_pipe.close(close_ec);
  io.poll();
  result.output_tail = tail.take();

  if (exited && !lost) {
    if (WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.signal = WTERMSIG(status);
    }
  }
}

}  // namespace

ProcessResult run_process(const ProcessSpec& spec) noexcept {
  ProcessResult result;
  const auto start = Clock::now();
  try {
    run(spec, result, start);
  } catch (const std::exception& e) {
    if (!result.started) result.start_error = e.what();
  } catch (...) {
    if (!result.started) result.start_error = "unknown error";
  }
  result.elapsed = Clock::now() - start;
  return result;
}

std::string first_line(const std::string& output, std::size_t max_chars) {
  constexpr const char* kSpace = " \t\r\f\v";
  std::size_t begin = 0;
  std::string line;
  while (begin < output.size()) {
    std::size_t end = output.find('\n', begin);
    if (end == std::string::npos) end = output.size();
    line = output.substr(begin, end - begin);
    const auto first = line.find_first_not_of(kSpace);
    if (first != std::string::npos) {
      line = line.substr(first, line.find_last_not_of(kSpace) - first + 1);
      break;
    }
    line.clear();
    begin = end + 1;
  }
  for (char& c : line) {
    if (c == '\t') c = ' ';
    if ((static_cast<unsigned char>(c) < 0x20) || c == 0x7f) c = '?';
  }
  if (line.size() > max_chars) {
    std::size_t cut = max_chars;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    line = line.substr(0, cut) + "…";
  }
  return line;
}

std::string signal_name(int signal) {
  if (const char* abbreviation = sigabbrev_np(signal)) return "SIG" + std::string(abbreviation);
  return "signal " + std::to_string(signal);
}

}  // namespace watchdog::probes
