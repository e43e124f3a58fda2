#include "watchdog/daemon.h"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include "config/loader.h"
#include "config/options.h"
#include "config/text.h"
#include "watchdog/alerts/dispatcher.h"
#include "watchdog/backup_report_scheduler.h"
#include "watchdog/backup_scheduler.h"
#include "watchdog/cli/backup_report.h"
#include "watchdog/gameday/gameday_scheduler.h"
#include "watchdog/http/http_server.h"
#include "watchdog/leader/leader_elector.h"
#include "watchdog/leader/leader_lock.h"
#include "watchdog/logging.h"
#include "watchdog/store/state_store.h"
#include "watchdog/version.h"

namespace watchdog::core {
namespace {

// Self-pipe: the handler only writes the signal number; the main thread reads it. (Blocking the
// signals instead would leak a blocked mask into every command we exec.)
int signal_pipe[2] = {-1, -1};

void on_signal(int number) {
  const int saved = errno;
  const char byte = static_cast<char>(number);
  [[maybe_unused]] auto ignored = write(signal_pipe[1], &byte, 1);
  errno = saved;
}

void install_signal_handlers() {
  if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error(std::string("pipe2: ") + config::errno_text());
  }
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int number : {SIGTERM, SIGINT, SIGHUP}) sigaction(number, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a closed socket must not kill the daemon
}

// The next signal's number, or 0 when none came within `timeout`.
int wait_for_signal(std::chrono::milliseconds timeout) {
  pollfd fd{signal_pipe[0], POLLIN, 0};
  const int ready = poll(&fd, 1, static_cast<int>(timeout.count()));
  char byte = 0;
  if (ready > 0 && read(signal_pipe[0], &byte, 1) == 1) return byte;
  return 0;
}

// Every http/tcp check holds a socket while it runs, and every probe's first check runs at
// start: with a thousand probes the usual soft limit of 1,024 descriptors would turn checks
// into false "connection refused". The hard limit is ours to take (Monit and nginx do the same).
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    spdlog::debug("descriptor_limit_raised {} {}", logging::kv("from", std::to_string(before)),
                  logging::kv("to", std::to_string(limit.rlim_cur)));
  }
}

void log_plan(const Plan& plan) {
  std::size_t probes = 0;
  for (const auto& c : plan.components) probes += c.probes.size();
  spdlog::info("config_loaded {} {} {} {}", logging::kv("source", plan.config.source),
               logging::kv("components", std::to_string(plan.components.size())),
               logging::kv("probes", std::to_string(probes)),
               logging::kv("alerts", std::to_string(plan.alerts.size())));
}

// The alert outbox lives in the state store's file; when that is unusable, in memory.
std::shared_ptr<alerts::Outbox> open_outbox(store::StateStore& store) {
  if (store.in_memory()) return alerts::Outbox::in_memory();
  try {
    return alerts::Outbox::open(store.db().path());
  } catch (const std::exception& error) {
    spdlog::error("alert_outbox_unusable {} action=in_memory_outbox",
                  logging::kv("error", error.what()));
    return alerts::Outbox::in_memory();
  }
}

// The operator API's token (only where it came from is logged, never the token).
void set_api_token(ApiToken& token, const Plan& plan) {
  const auto& configured = plan.config.watchdog.api_token;
  token.set(configured ? std::optional<std::string>(configured->value) : std::nullopt);
  spdlog::info("operator_api {}",
               logging::kv("token", configured ? configured->source : "none (POST refused)"));
  // A token others on the host can read is anyone's: say so (still used, as configured).
  constexpr std::string_view kFile = "file ";
  if (!configured || configured->source.rfind(kFile, 0) != 0) return;
  const std::filesystem::path file = configured->source.substr(kFile.size());
  std::error_code error;
  const auto mode = std::filesystem::status(file, error).permissions();
  using std::filesystem::perms;
  if (error || (mode & (perms::group_all | perms::others_all)) == perms::none) return;
  char octal[8];
  std::snprintf(octal, sizeof octal, "%03o", static_cast<unsigned>(mode) & 0777u);
  spdlog::warn("api_token_file_readable_by_others {} {} {}", logging::kv("file", file.string()),
               logging::kv("mode", octal), logging::kv("hint", "chmod 600"));
}

// Loading a plan, and the first cycle (every probe checks at once at start, each HTTP check
// with its curl buffers), peak far above what the running process keeps; glibc keeps those
// freed pages mapped in every thread's arena. malloc_trim returns the free pages of all arenas
// (a few ms at 10,000 probes), so it runs after each load and then every kTrimEvery: the
// first cycle's peak and any later burst (a reload, a storm of failures) are given back.
constexpr std::chrono::seconds kTrimEvery{10};
void return_freed_memory() { malloc_trim(0); }

// glibc gives threads up to 8 arenas per core, each holding its own free pages; ours are ~25
// threads of which three are busy (event loop, engine, scheduler). Two arenas let one thread's
// freed memory serve another's. Measured at 10,000 http probes after 25 s: RssAnon 119 MB with
// the default, 107 MB with 2.
void bound_malloc_arenas() { mallopt(M_ARENA_MAX, 2); }

// A game day's scenario needs what the plan dropped (probe options, …): it reads the file again
// when it starts, instead of the daemon keeping the YAML document alive for it. With the running
// state_dir: a reload does not move it (keep_running_settings).
gameday::GamedayScheduler::ConfigLoader full_config_loader(
    const std::optional<std::filesystem::path>& path, const std::filesystem::path& state_dir) {
  return [path, state_dir] {
    auto config = path ? config::load_config_file(*path)
                       : config::load_config_text(config::embedded_default_yaml(),
                                                  config::kEmbeddedSourceName);
    config.watchdog.state_dir = state_dir;
    return config;
  };
}

// What the game-day scheduler keeps between starts: its entries and the state directory, and
// the component names (its metrics) apart. Runs and resumes read the whole file
// (full_config_loader), so it keeps no component spec at all: even one holding only a name was
// 0.8 KB per component (7.8 MB at 10,000).
void start_gamedays(gameday::GamedayScheduler& gamedays, const Plan& plan) {
  std::set<std::string> components;
  for (const auto& component : plan.components) components.insert(component.spec.name);
  gamedays.start(plan.config, std::move(components));  // its components are empty (plan.h)
}

// What a reload cannot change in a running process: the listen address (the socket is bound)
// and state_dir (the open state store, outbox and journal). A new value is refused — logged
// with both values, the running one kept — and the rest of the new config applies; a restart
// applies it. Refusing is honest: moving the store under a running engine would split its
// journal and outbox between two files.
void keep_running_settings(Plan& fresh, const config::Listen& listen,
                           const std::filesystem::path& state_dir) {
  auto& requested = fresh.config.watchdog;
  if (requested.listen.text() != listen.text()) {
    spdlog::error("config_reload_key_refused {} {} {} {}", logging::kv("key", "watchdog.listen"),
                  logging::kv("running", listen.text()),
                  logging::kv("requested", requested.listen.text()),
                  logging::kv("keeping", "running (restart to apply)"));
    requested.listen = listen;
  }
  std::error_code ec;  // the same directory spelled otherwise ("state/", a symlink) is no change
  if (requested.state_dir != state_dir &&
      !std::filesystem::equivalent(requested.state_dir, state_dir, ec)) {
    spdlog::error("config_reload_key_refused {} {} {} {}", logging::kv("key", "watchdog.state_dir"),
                  logging::kv("running", state_dir.string()),
                  logging::kv("requested", requested.state_dir.string()),
                  logging::kv("keeping", "running (restart to apply)"));
    requested.state_dir = state_dir;
  }
}

}  // namespace

int run_daemon(const RunOptions& options) {
  bound_malloc_arenas();  // before the daemon's threads start
  raise_descriptor_limit();
  Plan plan;
  try {
    plan = load_plan(options.config_path);
  } catch (const config::ConfigError& error) {
    spdlog::error("config_invalid {}", logging::kv("error", error.what()));
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(plan.config.watchdog.state_dir, ec);
  if (ec) {
    spdlog::error("state_dir_unusable {} {}",
                  logging::kv("path", plan.config.watchdog.state_dir.string()),
                  logging::kv("error", ec.message()));
    return 1;
  }
  install_signal_handlers();

  // Durable state first: a corrupt file is moved aside here, loudly, and never stops the start.
  auto store = store::StateStore::open(plan.config.watchdog.state_dir);
  const auto& leader_spec = plan.config.watchdog.leader;
  const std::string identity = default_identity();
  LeaderElector elector(
      make_leader_lock(leader_spec, identity),
      {std::chrono::duration_cast<std::chrono::milliseconds>(leader_spec.lease),
       std::chrono::duration_cast<std::chrono::milliseconds>(leader_spec.renew_interval)},
      [](bool leader, const std::string& reason) {
        spdlog::warn("leadership_changed {} {}", logging::kv("leader", leader ? "true" : "false"),
                     logging::kv("reason", reason));
      });
  drop_leader_options(plan);  // the lock has read them; nothing else needs the YAML document
  elector.start();

  Metrics metrics;
  alerts::DispatcherOptions dispatch;
  dispatch.senders = plan.config.watchdog.alert_senders;
  alerts::Dispatcher dispatcher(metrics, open_outbox(*store), dispatch);
  auto engine_options = options.engine;
  engine_options.store = store.get();
  engine_options.is_leader = [&elector] { return elector.is_leader(); };
  if (elector.has_lock()) {  // replicas: the leader record and the fencing token
    engine_options.identity = identity;
    engine_options.publish_record = [&elector](std::string record) {
      elector.set_record(std::move(record));
    };
    engine_options.seen_record =
        [&elector](std::uint64_t known) -> std::optional<std::pair<std::uint64_t, std::string>> {
      if (elector.record_generation() == known) return std::nullopt;
      auto seen = elector.seen_record();
      return std::pair{seen.generation, std::move(seen.text)};
    };
    engine_options.fencing_token = [&elector] { return elector.fencing_token(); };
  }
  Engine engine(metrics, dispatcher, engine_options);
  ApiToken api_token;
  set_api_token(api_token, plan);
  HttpServer http(metrics, engine,
                  store->in_memory() ? std::filesystem::path() : plan.config.watchdog.state_dir,
                  api_token);
  const auto listen = plan.config.watchdog.listen;
  const auto state_dir = plan.config.watchdog.state_dir;
  try {
    http.start(listen.host, listen.port);
  } catch (const std::exception& error) {
    spdlog::error("listen_failed {}", logging::kv("error", error.what()));
    return 1;
  }
  spdlog::info("watchdog_started {} {} {} {} {}", logging::kv("version", kVersion),
               logging::kv("listen", listen.text()),
               logging::kv("dry_run", options.engine.dry_run ? "true" : "false"),
               logging::kv("state", store->in_memory() ? "in-memory (not durable)"
                                                       : store->db().path().string()),
               logging::kv("leader_lock", elector.describe()));
  log_plan(plan);
  dispatcher.set_providers(plan.alerts);
  BackupScheduler backups([&elector] { return elector.is_leader(); });  // leader only
  backups.start(plan.config.backups);
  BackupReportScheduler report(dispatcher, [&elector] { return elector.is_leader(); });
  report.start(plan.config.backup_report, plan.config.backups, plan.alerts,
               judge_settings_of(plan.config));
  // Game days: scheduled ones on the leader, reverts of interrupted ones, their metrics.
  gameday::GamedayScheduler gamedays(
      gameday::GamedayScheduler::daemon_calls(metrics,
                                              full_config_loader(options.config_path, state_dir)),
      [&elector] { return elector.is_leader(); });
  start_gamedays(gamedays, plan);
  engine.start(std::move(plan));
  return_freed_memory();

  while (true) {
    const int number = wait_for_signal(kTrimEvery);
    if (number == 0) {
      return_freed_memory();
      continue;
    }
    if (number == SIGHUP) {
      spdlog::info("config_reload_requested");
      try {
        Plan fresh = load_plan(options.config_path);
        keep_running_settings(fresh, listen, state_dir);
        log_plan(fresh);
        dispatcher.set_providers(fresh.alerts);
        set_api_token(api_token, fresh);
        backups.start(fresh.config.backups);
        report.start(fresh.config.backup_report, fresh.config.backups, fresh.alerts,
                     judge_settings_of(fresh.config));
        start_gamedays(gamedays, fresh);
        engine.reload(std::move(fresh));  // returns once the loop has applied it
        return_freed_memory();
        metrics.count_reload(true);
        spdlog::info("config_reloaded");
      } catch (const config::ConfigError& error) {
        metrics.count_reload(false);
        spdlog::error("config_reload_rejected {} keeping=previous",
                      logging::kv("error", error.what()));
      }
      continue;
    }
    spdlog::info("watchdog_stopping {}", logging::kv("signal", strsignal(number)));
    break;
  }
  http.begin_stop();  // /readyz says "stopping" while the rest shuts down
  // A running game day reverts first, while the engine still answers its requests.
  gamedays.stop();
  engine.stop();
  backups.stop();
  report.stop();
  elector.stop();  // releases the lock so another replica takes over at once
  dispatcher.stop(std::chrono::milliseconds(1000));
  http.stop();
  spdlog::info("watchdog_stopped");
  return 0;
}

}  // namespace watchdog::core
