#include "config/loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>

#include "config/bounded_file.h"
#include "config/leader_settings.h"
#include "config/loader_common.h"
#include "config/options_impl.h"
#include "config/text.h"
#include "config/yaml_parse.h"

namespace watchdog::config {

std::optional<Listen> parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // [::1]:9187
  }
  if (host.empty() || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const int number = std::stoi(port);
  if (number < 1 || number > 65535) return std::nullopt;
  return Listen{host, static_cast<std::uint16_t>(number)};
}

std::optional<Listen> peek_listen(const std::filesystem::path& path, std::string& problem) {
  std::string error;
  const auto content = read_regular_file(path.string(), kMaxConfigFileBytes, error);
  if (!content) {
    problem = escape_unprintable(path.string() + ": cannot read: " + error);
    return std::nullopt;
  }
  try {
    const auto documents = parse_yaml_bounded(*content, path.string(), false);
    const auto text = documents.empty() ? YAML::Node() : documents.front()["watchdog"]["listen"];
    if (!text) return Listen{};
    if (auto listen = parse_listen(text.as<std::string>())) return listen;
    problem = escape_unprintable(path.string() + ": watchdog.listen '" + text.as<std::string>() +
                                 "' is not host:port");
  } catch (const ConfigError& parse_error) {
    problem = parse_error.what();
  } catch (const YAML::Exception& parse_error) {
    problem = escape_unprintable(path.string() + ": " + parse_error.what());
  }
  return std::nullopt;
}

namespace {

using namespace loading;
using namespace std::chrono_literals;

constexpr long long kMaxThreshold = 100;
constexpr std::size_t kMinApiTokenLength = 16;

Listen read_listen(Options& options) {
  auto text = options.string("listen");
  if (!text) return Listen{};
  auto listen = parse_listen(*text);
  if (!listen) {
    const auto colon = text->rfind(':');
    const std::string port = colon == std::string::npos ? "" : text->substr(colon + 1);
    const bool only_the_number_is_wrong = colon != std::string::npos && colon > 0 &&
                                          !port.empty() && port.size() <= 5 &&
                                          port.find_first_not_of("0123456789") == std::string::npos;
    options.fail("listen", only_the_number_is_wrong
                               ? "port must be between 1 and 65535"
                               : "expected host:port like 127.0.0.1:9187, got '" + *text + "'");
  }
  return *listen;
}

// `api_token_file` only (expect_keys refuses an inline `api_token`: a token belongs in a file
// with tight permissions, not in the config). Errors name the file, never its content.
std::optional<Secret> read_api_token(Options& options) {
  auto token = options.secret("api_token");
  if (!token) return std::nullopt;
  if (token->value.empty()) options.fail("api_token_file", "the token file is empty");
  if (token->value.size() < kMinApiTokenLength) {
    options.fail("api_token_file", "the token is shorter than " +
                                       std::to_string(kMinApiTokenLength) +
                                       " characters (use e.g. `openssl rand -hex 32`)");
  }
  // It travels in a header: a space, a control character or a UTF-8 byte would not survive
  // every client, and a second line is a file that holds something else.
  const bool visible = std::all_of(token->value.begin(), token->value.end(),
                                   [](char c) { return c > ' ' && c < 0x7f; });
  if (!visible) {
    options.fail("api_token_file",
                 "the token must be visible ASCII characters only (no spaces, line breaks or "
                 "other bytes)");
  }
  return token;
}

// Keys shared by `defaults:` and every probe; `base` fills what `options` leaves out.
ProbeTiming read_timing(Options& options, const ProbeTiming& base) {
  ProbeTiming timing = base;
  timing.interval = options.duration_or("interval", base.interval);
  if (timing.interval < 100ms) options.fail("interval", "must be at least 100ms");
  timing.timeout = positive_duration(options, "timeout", base.timeout);
  timing.recheck_interval = positive_duration(options, "recheck_interval", base.recheck_interval);
  timing.jitter = options.duration_or("jitter", base.jitter);
  timing.failure_threshold = static_cast<int>(
      options.integer_or("failure_threshold", base.failure_threshold, 1, kMaxThreshold));
  timing.success_threshold = static_cast<int>(
      options.integer_or("success_threshold", base.success_threshold, 1, kMaxThreshold));
  return timing;
}

// Checks that need the probe's final values; blames the most specific key the operator wrote.
void check_timing(ProbeTiming& timing, Options& probe, Options& defaults) {
  auto blame = [&](const char* key, const char* other, const std::string& message) {
    for (const char* candidate : {key, other}) {
      if (probe.has(candidate)) probe.fail(candidate, message);
    }
    defaults.fail(defaults.has(key) ? key : other, message);
  };
  if (timing.timeout > timing.interval) {
    blame("timeout", "interval",
          "timeout " + format_duration(timing.timeout) + " exceeds the interval " +
              format_duration(timing.interval) + " (set a shorter timeout or a longer interval)");
  }
  if (timing.jitter < Duration::zero()) {
    timing.jitter = timing.interval;  // spread over the whole interval
  } else if (timing.jitter > timing.interval) {
    blame("jitter", "interval",
          "jitter " + format_duration(timing.jitter) + " exceeds the interval " +
              format_duration(timing.interval) + " (it is the window of each probe's phase)");
  }
}

ComponentSpec read_component(const ImplPtr& impl, const ProbeTiming& defaults,
                             Options& defaults_options, NameRegistry& component_names,
                             NameRegistry& probe_names) {
  expect_keys(impl, {"name", "critical", "depends_on", "rto", "alert_on_manual_stop", "probes",
                     "recovery", "flapping", "managed_by", "staging", "gameday"});
  Options options(impl);
  ComponentSpec component;
  component.name = options.required_string("name");
  check_name(options, component.name);
  component_names.add(impl, component.name);
  component.critical = options.boolean_or("critical", true);
  component.depends_on = options.string_list("depends_on");
  component.rto = options.duration_or("rto", Duration::zero());  // the parser rejects negatives
  component.alert_on_manual_stop = options.boolean_or("alert_on_manual_stop", true);
  component.staging = options.boolean_or("staging", false);
  auto probes = child_list(*impl, "probes", true);
  if (probes.empty()) options.fail("probes", "needs at least one probe");
  for (const auto& probe_impl : probes) {
    Options probe_options(probe_impl);
    ProbeSpec probe;
    probe.name = probe_options.required_string("name");
    check_name(probe_options, probe.name);
    probe_names.add(probe_impl, probe.name);
    probe.kind = read_kind(probe_options);
    probe.timing = read_timing(probe_options, defaults);
    check_timing(probe.timing, probe_options, defaults_options);
    probe.options = probe_options;  // the kind's keys; its factory calls finish()
    component.probes.push_back(std::move(probe));
  }
  if (options.has("recovery")) component.recovery = read_recovery(child_impl(*impl, "recovery"));
  if (options.has("flapping")) component.flapping = read_flapping(child_impl(*impl, "flapping"));
  if (options.has("managed_by")) {
    component.managed_by = read_manager(child_impl(*impl, "managed_by"));
  }
  if (options.has("gameday")) {
    Options gameday(child_impl(*impl, "gameday"));
    component.gameday = read_component_gameday(gameday);
  }
  options.finish();
  return component;
}

// depends_on names existing components, never itself, and the graph has no cycle (the error
// names the cycle: "api -> worker -> api").
void check_dependencies(const std::vector<ComponentSpec>& components,
                        const std::vector<ImplPtr>& impls) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < components.size(); ++i) index[components[i].name] = i;
  for (std::size_t i = 0; i < components.size(); ++i) {
    for (const auto& name : components[i].depends_on) {
      if (!index.contains(name)) {
        Options(impls[i]).fail("depends_on", "unknown component '" + name + "'");
      }
      if (name == components[i].name) Options(impls[i]).fail("depends_on", "depends on itself");
    }
  }
  // Depth-first search; colour 1 = on the current path, 2 = done.
  std::vector<int> colour(components.size(), 0);
  std::vector<std::size_t> path;
  auto visit = [&](auto& self, std::size_t node) -> void {
    colour[node] = 1;
    path.push_back(node);
    for (const auto& name : components[node].depends_on) {
      const std::size_t next = index.at(name);
      if (colour[next] == 1) {
        std::string cycle;
        auto start = std::find(path.begin(), path.end(), next);
        for (auto it = start; it != path.end(); ++it) cycle += components[*it].name + " -> ";
        Options(impls[node]).fail("depends_on", "dependency cycle: " + cycle + name);
      }
      if (colour[next] == 0) self(self, next);
    }
    path.pop_back();
    colour[node] = 2;
  };
  for (std::size_t i = 0; i < components.size(); ++i) {
    if (colour[i] == 0) visit(visit, i);
  }
}

LeaderSpec read_leader(const ImplPtr& impl) {
  Options options(impl);
  LeaderSpec leader;
  leader.kind = options.string_or("kind", "");
  if (!leader.kind.empty() && leader.kind != "redis" && leader.kind != "postgres" &&
      leader.kind != "kubernetes") {
    options.fail("kind", "unknown leader lock kind '" + leader.kind +
                             "' (expected redis, postgres or kubernetes)");
  }
  leader.lease = positive_duration(options, "lease", leader.lease);
  leader.renew_interval = positive_duration(options, "renew_interval", leader.renew_interval);
  if (!leader.kind.empty() && leader.lease < kMinimumLease) {
    options.fail("lease", "must be at least " + format_duration(kMinimumLease));
  }
  if (auto problem = leader_timing_problem(leader.lease, leader.renew_interval); !problem.empty()) {
    options.fail(options.has("renew_interval") ? "renew_interval" : "lease", problem);
  }
  if (leader.kind.empty()) options.finish();  // no lock: nothing else may be set
  leader.options = options;  // the lock kind's keys; make_leader_lock() calls finish()
  return leader;
}

}  // namespace

Config load_config_text(const std::string& yaml, const std::string& source_name) {
  const auto documents = parse_yaml_bounded(yaml, source_name, true);
  YAML::Node root = documents.empty() ? YAML::Node() : documents.front();
  if (!root.IsNull() && !root.IsMap()) {
    throw_config_error(source_name, root.Mark(), "", "expected a mapping at the top level");
  }
  auto top = Options::Impl::make(source_name, "", root, root.Mark());
  expect_keys(top, {"watchdog", "defaults", "components", "alerts", "backups", "maintenance",
                   "backup_report", "gamedays"});

  Config config;
  config.source = source_name;

  auto watchdog = child_impl(*top, "watchdog");
  expect_keys(watchdog, {"listen", "state_dir", "max_concurrent_recoveries", "leader",
                         "external_url", "alert_senders", "max_blocking_checks", "api_token_file",
                         "journal_retention", "journal_max_incidents"});
  Options watchdog_options(watchdog);
  config.watchdog.listen = read_listen(watchdog_options);
  config.watchdog.state_dir =
      watchdog_options.string_or("state_dir", config.watchdog.state_dir.string());
  if (config.watchdog.state_dir.empty()) watchdog_options.fail("state_dir", "must not be empty");
  config.watchdog.max_concurrent_recoveries = static_cast<int>(watchdog_options.integer_or(
      "max_concurrent_recoveries", config.watchdog.max_concurrent_recoveries, 1, 100));
  config.watchdog.external_url = watchdog_options.string_or("external_url", "");
  while (!config.watchdog.external_url.empty() && config.watchdog.external_url.back() == '/') {
    config.watchdog.external_url.pop_back();
  }
  if (!config.watchdog.external_url.empty() &&
      config.watchdog.external_url.rfind("http://", 0) != 0 &&
      config.watchdog.external_url.rfind("https://", 0) != 0) {
    watchdog_options.fail("external_url", "must start with http:// or https://");
  }
  config.watchdog.alert_senders = static_cast<int>(
      watchdog_options.integer_or("alert_senders", config.watchdog.alert_senders, 1, 64));
  config.watchdog.max_blocking_checks = static_cast<int>(watchdog_options.integer_or(
      "max_blocking_checks", config.watchdog.max_blocking_checks, 1, 1024));
  config.watchdog.api_token = read_api_token(watchdog_options);
  config.watchdog.journal_retention =
      watchdog_options.duration_or("journal_retention", config.watchdog.journal_retention);
  if (config.watchdog.journal_retention < std::chrono::seconds(1)) {
    watchdog_options.fail("journal_retention", "must be at least 1s");
  }
  config.watchdog.journal_max_incidents = watchdog_options.integer_or(
      "journal_max_incidents", config.watchdog.journal_max_incidents, 1, 1000000000);
  if (watchdog_options.has("leader"))
    config.watchdog.leader = read_leader(child_impl(*watchdog, "leader"));

  auto defaults = child_impl(*top, "defaults");
  expect_keys(defaults, {"interval", "timeout", "recheck_interval", "jitter", "failure_threshold",
                         "success_threshold"});
  Options defaults_options(defaults);
  config.defaults = read_timing(defaults_options, ProbeTiming{});

  auto components = child_list(*top, "components", true);
  if (components.empty()) Options(top).fail("components", "needs at least one component");
  NameRegistry component_names("component");
  NameRegistry probe_names("probe");
  for (const auto& component : components) {
    config.components.push_back(
        read_component(component, config.defaults, defaults_options, component_names, probe_names));
  }
  check_dependencies(config.components, components);

  NameRegistry alert_names("alert");
  for (const auto& alert_impl : child_list(*top, "alerts", false)) {
    Options alert_options(alert_impl);
    AlertSpec alert;
    alert.name = alert_options.required_string("name");
    check_name(alert_options, alert.name);
    alert_names.add(alert_impl, alert.name);
    alert.kind = read_kind(alert_options);
    alert.options = alert_options;  // the provider's keys; its factory calls finish()
    config.alerts.push_back(std::move(alert));
  }
  NameRegistry backup_names("backup target");
  for (const auto& target_impl : child_list(*top, "backups", false)) {
    Options target_options(target_impl);
    config.backups.push_back(read_backup_target(target_options));
    config.backups.back().status_fallback_directory = config.watchdog.state_dir / "backup-status";
    backup_names.add(target_impl, config.backups.back().name);
  }
  check_gamedays(config, components, child_list(*top, "gamedays", false));
  if (Options(top).has("backup_report")) {
    Options report_options(child_impl(*top, "backup_report"));
    config.backup_report = read_backup_report(report_options, config.alerts);
  }
  NameRegistry window_names("maintenance window");
  for (const auto& window_impl : child_list(*top, "maintenance", false)) {
    Options window_options(window_impl);
    auto window = read_maintenance_window(window_options);
    check_name(window_options, window.name);
    window_names.add(window_impl, window.name);
    for (const auto& name : window.components) {
      auto known = [&name](const ComponentSpec& c) { return c.name == name; };
      if (std::none_of(config.components.begin(), config.components.end(), known)) {
        window_options.fail("components", "unknown component '" + name + "'");
      }
    }
    config.maintenance.push_back(std::move(window));
  }
  Options(top).finish();
  return config;
}

Config load_config_file(const std::filesystem::path& path) {
  std::string error;
  auto text = read_regular_file(path.string(), kMaxConfigFileBytes, error);
  if (!text) throw ConfigError(path.string() + ": cannot read: " + error);
  return load_config_text(*text, path.string());
}

}  // namespace watchdog::config
