#include "probes/clients/process_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/system/system_error.hpp>
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
#pragma GCC diagnostic pop
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string_view>
#include <thread>

#include "config/redaction.h"
#include "probes/clients/process_child.h"

namespace bp = boost::process;

namespace watchdog::probes {
namespace {

using process_child::child_environment;
using process_child::ChildSetup;
using process_child::resolve_program;

using Clock = std::chrono::steady_clock;
constexpr auto kPollSlice = std::chrono::milliseconds(15);
constexpr auto kReapGrace = std::chrono::seconds(2);

// Keeps the last `limit` bytes of a stream, trimming lazily to stay linear.
class Tail {
 public:
  explicit Tail(std::size_t limit) : limit_(limit) {}
  void append(const char* data, std::size_t size) {
    text_.append(data, size);
    if (text_.size() > 2 * limit_ + 4096 + kRedactionMargin) trim();
  }
  std::string take() {
    trim();
    // Redacted before the cut to `limit_`: a secret cut by the tail's start would match no
    // needle any more (the margin holds its beginning until here).
    config::redact_in_place(text_);
    if (text_.size() > limit_) text_.erase(0, text_.size() - limit_);
    // Do not start in the middle of a UTF-8 sequence.
    std::size_t skip = 0;
    while (skip < text_.size() && skip < 3 &&
           (static_cast<unsigned char>(text_[skip]) & 0xC0) == 0x80)
      ++skip;
    if (text_.size() == limit_) text_.erase(0, skip);
    return std::move(text_);
  }

 private:
  static constexpr std::size_t kRedactionMargin = 1024;  // longer than any secret worth hiding
  void trim() {
    const std::size_t keep = limit_ + kRedactionMargin;
    if (text_.size() > keep) text_.erase(0, text_.size() - keep);
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

  std::vector<std::string> env_entries = child_environment(spec);
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
  // Opened here, close-on-exec: the child gets it as its stdin only (dup2). /dev/null too:
  // bp::null opens it unchecked, so a failed open would reach us as the child's EBADF.
  const std::filesystem::path stdin_path =
      spec.stdin_file.empty() ? std::filesystem::path("/dev/null") : spec.stdin_file;
  std::unique_ptr<FILE, int (*)(FILE*)> stdin_file(std::fopen(stdin_path.c_str(), "rbe"),
                                                   &std::fclose);
  if (!stdin_file) {
    result.start_errno = errno;
    result.start_error = "cannot open " + stdin_path.string() + ": " + std::strerror(errno);
    return;
  }
  bp::async_pipe stdout_pipe(io);
  const bool streaming = static_cast<bool>(spec.on_stdout);
  auto start_child = [&](auto input) {
    if (streaming) {
      // A larger pipe means fewer wake-ups per MiB; failure to enlarge it is harmless.
      fcntl(stdout_pipe.native_source(), F_SETPIPE_SZ, 1 << 20);
      return bp::child(setup, bp::exe = program, bp::args = args, input, bp::std_out > stdout_pipe,
                       bp::std_err > pipe, group, ec);
    }
    auto merged_output = (bp::std_out & bp::std_err) > pipe;
    return bp::child(setup, bp::exe = program, bp::args = args, input, merged_output, group, ec);
  };
  errno = 0;
  bp::child child = start_child(bp::std_in < stdin_file.get());
  // Boost 1.74 returns an invalid child and leaves `ec` clear when pipe() for its exec-error
  // pipe fails; errno still says why.
  const int start_errno = ec ? (ec.category() == std::system_category() ? ec.value() : 0) : errno;
  stdin_file.reset();  // the child holds its own copy
  if (ec || !child.valid()) {
    if (failed_pid > 0) {  // the forked child wrote its error and exits; reap it
      kill(failed_pid, SIGKILL);
      while (waitpid(failed_pid, nullptr, 0) == -1 && errno == EINTR) {
      }
    }
    result.start_errno = start_errno;
    result.start_error = "cannot start '" + spec.argv[0] +
                         "': " + (ec             ? ec.message()
                                  : start_errno ? std::string(std::strerror(start_errno))
                                                : std::string("no error code given"));
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
    if (spec.cancel && spec.cancel()) {
      result.cancelled = true;
      break;
    }
    const auto slice = std::min<Clock::duration>(kPollSlice, deadline - now);
    if (reader.open || stream.open) {
      io.run_for(slice);
      if (io.stopped()) io.restart();
    } else {
      std::this_thread::sleep_for(slice);
    }
  }
  guard.armed = !exited;  // once reaped, the pid may be reused: never signal it again

  if (!exited) {  // deadline, refused stream or cancelled: kill the whole group (and the child)
    result.timed_out = !stream.refused && !result.cancelled;
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
  // Before the child starts, only the watchdog's own calls throw (asio's epoll_create, pipe()):
  // keep their errno so a shortage of descriptors is not read as the command's failure.
  try {
    run(spec, result, start);
  } catch (const std::system_error& e) {  // boost::process::process_error
    if (!result.started) {
      result.start_errno = e.code().category() == std::system_category() ? e.code().value() : 0;
      result.start_error = e.what();
    }
  } catch (const boost::system::system_error& e) {  // asio: not a std::system_error in 1.74
    if (!result.started) {
      result.start_errno =
          e.code().category() == boost::system::system_category() ? e.code().value() : 0;
      result.start_error = e.what();
    }
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
    line = config::redact(line);  // before the cut, which could split a secret
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
