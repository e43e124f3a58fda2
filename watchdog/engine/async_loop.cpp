#include "watchdog/engine/async_loop.h"

#include <curl/curl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <optional>
#include <queue>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/units.h"
#include "probes/clients/http_client.h"
#include "watchdog/engine/waiting_transfers.h"
#include "watchdog/thread_name.h"

namespace watchdog::core {
namespace {

using SteadyClock = std::chrono::steady_clock;

// epoll_event.data.u64 tags: a registration number for fd waits (≥ kFirstWait) in the high
// half, so an event left over from a closed descriptor whose number was reused is recognised
// as stale; curl's sockets and the wake-up eventfd carry fixed tags.
constexpr std::uint32_t kCurlTag = 0;
constexpr std::uint32_t kWakeTag = 1;
constexpr std::uint32_t kFirstWait = 2;

// Finished transfers' easy handles kept for reuse: enough for the checks in flight at once at
// 10,000 probes a 10 s, few enough that a burst does not pin its peak for good.
constexpr std::size_t kIdleEasyHandles = 64;

std::uint64_t tag(std::uint32_t kind, int fd) {
  return (std::uint64_t{kind} << 32) | static_cast<std::uint32_t>(fd);
}

std::uint32_t epoll_flags(bool in, bool out) {
  return (in ? std::uint32_t{EPOLLIN} : 0u) | (out ? std::uint32_t{EPOLLOUT} : 0u);
}

rlim_t open_files_limit() {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur == RLIM_INFINITY) return 4096;
  return files.rlim_cur;
}

long connection_cache_size() {
  return static_cast<long>(std::clamp<rlim_t>(open_files_limit() / 4, 16, 4096));
}

std::size_t transfer_cap(std::size_t wanted) {
  return std::max<std::size_t>(1, std::min<std::size_t>(wanted, open_files_limit() / 2));
}

std::chrono::milliseconds left_of(std::chrono::milliseconds budget, SteadyClock::duration used) {
  return budget - std::chrono::ceil<std::chrono::milliseconds>(used);
}

}  // namespace

struct AsyncLoop::Impl final : probes::AsyncIo {
  struct Task {
    std::shared_ptr<probes::Probe> probe;
    std::chrono::milliseconds timeout;
    probes::Probe::Done done;
    std::function<void()> declined;
  };
  struct Wait {
    std::uint32_t number;
    std::function<void(bool)> ready;
  };
  struct Deadline {
    SteadyTime when;
    int fd;
    std::uint32_t number;
    bool operator>(const Deadline& other) const { return when > other.when; }
  };
  struct Transfer {
    std::unique_ptr<probes::HttpTransfer> transfer;
    std::function<void(probes::HttpResponse)> done;
  };

  int epoll_fd = -1;
  int wake_fd = -1;
  CURLM* multi = nullptr;
  std::optional<SteadyTime> curl_timer;
  std::unordered_map<int, Wait> waits;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines;
  std::uint32_t next_wait = kFirstWait;  // wraps around, skipping the fixed tags
  std::unordered_map<CURL*, Transfer> transfers;
  const std::size_t max_transfers;
  WaitingTransfers waiting_transfers;  // submitted while the cap was reached
  // Easy handles of finished transfers, reset, for the next ones (a few: as many as were in
  // flight at once, capped); connections live in the multi handle's cache, not in these.
  std::vector<CURL*> idle_easy;
  std::mutex inbox_mutex;
  std::vector<Task> inbox;
  std::atomic<bool> stopping{false};
  std::thread thread;

  explicit Impl(std::size_t transfer_limit) : max_transfers(transfer_cap(transfer_limit)) {
    probes::init_http_client();
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    multi = curl_multi_init();
    if (epoll_fd < 0 || wake_fd < 0 || multi == nullptr) {
      release();
      throw std::system_error(errno, std::generic_category(), "event loop");
    }
    epoll_event wake{};
    wake.events = EPOLLIN;
    wake.data.u64 = tag(kWakeTag, wake_fd);
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &wake);
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_curl_socket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Impl::on_curl_timer);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, connection_cache_size());
    thread = std::thread([this] { run(); });
  }

  ~Impl() override {
    stopping = true;
    wake();
    if (thread.joinable()) thread.join();
    for (auto& [easy, transfer] : transfers) curl_multi_remove_handle(multi, easy);
    transfers.clear();  // callbacks dropped unseen, as promised
    for (CURL* easy : idle_easy) curl_easy_cleanup(easy);
    waits.clear();
    release();
  }

  void release() {
    if (multi != nullptr) curl_multi_cleanup(multi);
    if (wake_fd >= 0) ::close(wake_fd);
    if (epoll_fd >= 0) ::close(epoll_fd);
  }

  void wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto written = ::write(wake_fd, &one, sizeof(one));
  }

  // --- probes::AsyncIo (loop thread) ---

  void http(const probes::HttpRequest& request,
            std::function<void(probes::HttpResponse)> done) override {
    if (transfers.size() >= max_transfers || !waiting_transfers.empty()) {
      waiting_transfers.push({request, std::move(done), SteadyClock::now()});
      return;
    }
    start_transfer(request, std::move(done));
  }

  void start_transfer(const probes::HttpRequest& request,
                      std::function<void(probes::HttpResponse)> done) {
    CURL* reuse = nullptr;
    if (!idle_easy.empty()) {
      reuse = idle_easy.back();
      idle_easy.pop_back();
    }
    auto transfer = std::make_unique<probes::HttpTransfer>(request, reuse);
    auto* easy = static_cast<CURL*>(transfer->easy());
    if (easy == nullptr || curl_multi_add_handle(multi, easy) != CURLM_OK) {
      done(transfer->finish(CURLE_FAILED_INIT));
      return;
    }
    transfers.emplace(easy, Transfer{std::move(transfer), std::move(done)});
  }

  void wait(int fd, short events, SteadyTime deadline, std::function<void(bool)> ready) override {
    const std::uint32_t number = next_wait++;
    if (next_wait < kFirstWait) next_wait = kFirstWait;
    epoll_event event{};
    event.events = epoll_flags((events & POLLIN) != 0, (events & POLLOUT) != 0);
    event.data.u64 = tag(number, fd);
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) {
      ready(true);  // cannot wait: let the caller look at the socket itself
      return;
    }
    waits[fd] = Wait{number, std::move(ready)};
    deadlines.push({deadline, fd, number});
  }

  // --- curl's callbacks (inside curl_multi_socket_action) ---

  static int on_curl_socket(CURL*, curl_socket_t socket, int what, void* self, void*) {
    const int epoll_fd = static_cast<Impl*>(self)->epoll_fd;
    if (what == CURL_POLL_REMOVE) {
      ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, socket, nullptr);
      return 0;
    }
    epoll_event event{};
    event.events = epoll_flags((what & CURL_POLL_IN) != 0, (what & CURL_POLL_OUT) != 0);
    event.data.u64 = tag(kCurlTag, socket);
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, socket, &event) != 0 && errno == ENOENT) {
      ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, socket, &event);
    }
    return 0;
  }

  static int on_curl_timer(CURLM*, long timeout_ms, void* self) {
    auto& timer = static_cast<Impl*>(self)->curl_timer;
    if (timeout_ms < 0) {
      timer.reset();
    } else {
      timer = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
    }
    return 0;
  }

  // --- the loop ---

  void run() {
    name_this_thread("wd-event-loop");
    std::array<epoll_event, 256> events{};
    int running = 0;
    while (!stopping) {
      const int ready =
          ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), wait_ms());
      for (int i = 0; i < ready; ++i) {
        const auto kind = static_cast<std::uint32_t>(events[i].data.u64 >> 32);
        const int fd = static_cast<int>(events[i].data.u64 & 0xffffffffu);
        if (kind == kWakeTag) {
          start_submitted();
        } else if (kind == kCurlTag) {
          const auto flags = events[i].events;
          int mask = ((flags & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                     ((flags & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                     ((flags & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
          curl_multi_socket_action(multi, fd, mask, &running);
        } else {
          end_wait(fd, kind, true);
        }
      }
      const auto now = SteadyClock::now();
      if (curl_timer && *curl_timer <= now) {
        curl_timer.reset();
        curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
      }
      while (!deadlines.empty() && deadlines.top().when <= now) {
        const auto expired = deadlines.top();
        deadlines.pop();
        end_wait(expired.fd, expired.number, false);
      }
      expire_waiting_transfers(now);
      finish_transfers();
    }
  }

  int wait_ms() {
    std::optional<SteadyTime> next = curl_timer;
    while (!deadlines.empty()) {  // drop deadlines of waits that already ended
      const auto& top = deadlines.top();
      auto found = waits.find(top.fd);
      if (found != waits.end() && found->second.number == top.number) break;
      deadlines.pop();
    }
    if (!deadlines.empty())
      next = next ? std::min(*next, deadlines.top().when) : deadlines.top().when;
    if (const auto expires = waiting_transfers.next_deadline()) {
      next = next ? std::min(*next, *expires) : *expires;
    }
    if (!next) return 1000;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(*next - SteadyClock::now());
    return static_cast<int>(std::clamp<long long>(left.count(), 0, 1000));
  }

  void end_wait(int fd, std::uint32_t number, bool ready) {
    auto found = waits.find(fd);
    if (found == waits.end() || found->second.number != number) return;  // stale
    auto callback = std::move(found->second.ready);
    waits.erase(found);
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);  // before the callback closes it
    try {
      callback(ready);
    } catch (...) {
    }
  }

  void finish_transfers() {
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      const CURLcode code = message->data.result;
      curl_multi_remove_handle(multi, easy);
      auto node = transfers.extract(easy);
      if (node.empty()) continue;
      auto& [transfer, done] = node.mapped();
      auto response = transfer->finish(code);
      // Out of the multi handle and finished: curl holds nothing of it any more.
      if (idle_easy.size() < kIdleEasyHandles) {
        idle_easy.push_back(static_cast<CURL*>(transfer->take_easy()));
      }
      try {
        done(std::move(response));
      } catch (...) {
      }
    }
    start_waiting_transfers();
  }

  // Into the places that came free, oldest first, each with what is left of its timeout. A
  // check that waited is never the target's fault when that rest runs out: its timeout is
  // reported as the watchdog's congestion too (LocalResource), with how long it waited.
  void start_waiting_transfers() {
    expire_waiting_transfers(SteadyClock::now());
    while (!waiting_transfers.empty() && transfers.size() < max_transfers) {
      auto waiting = waiting_transfers.pop_oldest();
      const auto waited = SteadyClock::now() - waiting.submitted;
      auto& request = waiting.request;
      const auto full = request.timeout;
      request.timeout = left_of(full, waited);
      if (request.timeout.count() <= 0) {
        not_started(std::move(waiting), SteadyClock::now());
        continue;
      }
      if (request.connect_timeout.count() > 0) {
        request.connect_timeout = std::min(request.connect_timeout, request.timeout);
      }
      const std::string note =
          "waited " +
          config::format_duration(std::chrono::ceil<std::chrono::milliseconds>(waited)) +
          " for a place among " + std::to_string(max_transfers) +
          " HTTP checks in flight, then had " + config::format_duration(request.timeout) +
          " of its " + config::format_duration(full);
      start_transfer(request,
                     [done = std::move(waiting.done), note](probes::HttpResponse response) {
                       if (response.error == probes::HttpError::Timeout) {
                         response.error = probes::HttpError::LocalResource;
                         response.error_text = "no answer in time after it " + note;
                       }
                       done(std::move(response));
                     });
    }
  }

  // Checks that found no place within their whole timeout, wherever they stand in the line.
  void expire_waiting_transfers(SteadyTime now) {
    if (waiting_transfers.empty()) return;
    for (auto& waiting : waiting_transfers.pop_expired(now)) not_started(std::move(waiting), now);
  }

  void not_started(WaitingTransfers::Entry waiting, SteadyTime now) const {
    probes::HttpResponse response;
    response.error = probes::HttpError::LocalResource;
    response.error_text = "not started within its timeout: " + std::to_string(max_transfers) +
                          " HTTP checks were in flight (the watchdog's own limit)";
    response.elapsed = now - waiting.submitted;
    try {
      waiting.done(std::move(response));
    } catch (...) {
    }
  }

  void start_submitted() {
    std::uint64_t count = 0;
    [[maybe_unused]] auto read = ::read(wake_fd, &count, sizeof(count));
    std::vector<Task> tasks;
    {
      std::lock_guard lock(inbox_mutex);
      tasks.swap(inbox);
    }
    for (auto& task : tasks) {
      try {
        auto& probe = *task.probe;
        // The callback owns the probe: it stays alive while its check is in flight.
        probes::Probe::Done done = [keep = std::move(task.probe), done = std::move(task.done)](
                                       probes::ProbeResult result) { done(std::move(result)); };
        if (!probe.start_check(*this, task.timeout, std::move(done))) task.declined();
      } catch (...) {
      }
    }
  }
};

AsyncLoop::AsyncLoop(std::size_t max_transfers) : impl_(std::make_unique<Impl>(max_transfers)) {}

AsyncLoop::~AsyncLoop() = default;

void AsyncLoop::submit(std::shared_ptr<probes::Probe> probe, std::chrono::milliseconds timeout,
                       probes::Probe::Done done, std::function<void()> declined) {
  bool first = false;
  {
    std::lock_guard lock(impl_->inbox_mutex);
    first = impl_->inbox.empty();
    impl_->inbox.push_back({std::move(probe), timeout, std::move(done), std::move(declined)});
  }
  // A non-empty inbox already has its wake-up on the way (the loop reads the eventfd before it
  // takes the inbox): one write per batch, not per check.
  if (first) impl_->wake();
}

}  // namespace watchdog::core
