#include "config/loader.h"

#include <cctype>
#include <initializer_list>
#include <map>

#include "config/options_impl.h"

namespace watchdog::config {
namespace {

using ImplPtr = std::shared_ptr<Options::Impl>;
using namespace std::chrono_literals;

constexpr long long kMaxThreshold = 100;
constexpr long long kMaxAttempts = 1000;

// Rejects unknown keys before anything else is read, so a typo is reported as such rather than
// as the "missing required key" it causes.
void expect_keys(const ImplPtr& impl, std::initializer_list<const char*> keys) {
  for (const char* key : keys) impl->use(key);
  Options(impl).finish();
}

// Names become metric labels: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 64 characters.
bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || !std::isalnum(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

void check_name(Options& options, const std::string& name) {
  if (!valid_name(name)) {
    options.fail("name", "invalid name '" + name +
                             "' (letters, digits, '_', '.', '-', starting with a letter or digit, "
                             "at most 64 characters)");
  }
}

// Remembers where each name was first defined, to report duplicates with both locations.
class NameRegistry {
 public:
  explicit NameRegistry(std::string what) : what_(std::move(what)) {}
  void add(const ImplPtr& impl, const std::string& name) {
    auto location = impl->value_location("name");
    auto [first, inserted] = first_.emplace(name, location);
    if (!inserted) {
      Options(impl).fail("name", "duplicate " + what_ + " name '" + name + "' (first defined at " +
                                     first->second + ")");
    }
  }

 private:
  std::string what_;
  std::map<std::string, std::string> first_;
};

std::string read_kind(Options& options) {
  std::string kind = options.required_string("kind");
  if (kind.empty()) options.fail("kind", "must not be empty");
  return kind;
}

Duration positive_duration(Options& options, const char* key, Duration fallback) {
  Duration value = options.duration_or(key, fallback);
  if (value <= Duration::zero()) options.fail(key, "must be greater than 0");
  return value;
}

Listen read_listen(Options& options) {
  Listen listen;
  auto text = options.string("listen");
  if (!text) return listen;
  auto colon = text->rfind(':');
  std::string host = colon == std::string::npos ? "" : text->substr(0, colon);
  std::string port = colon == std::string::npos ? "" : text->substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // [::1]:9187
  }
  if (host.empty() || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos) {
    options.fail("listen", "expected host:port like 127.0.0.1:9187, got '" + *text + "'");
  }
  int number = std::stoi(port);
  if (number < 1 || number > 65535) options.fail("listen", "port must be between 1 and 65535");
  listen.host = host;
  listen.port = static_cast<std::uint16_t>(number);
  return listen;
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
    timing.jitter = timing.interval / 10;
  } else if (2 * timing.jitter >= timing.interval) {
    blame("jitter", "interval",
          "jitter " + format_duration(timing.jitter) + " must be less than half the interval " +
              format_duration(timing.interval));
  }
}

RecoverySpec read_recovery(const ImplPtr& impl) {
  expect_keys(impl,
              {"max_attempts", "backoff", "max_backoff", "window", "verify_timeout", "actions"});
  Options options(impl);
  RecoverySpec recovery;
  recovery.max_attempts =
      static_cast<int>(options.integer_or("max_attempts", recovery.max_attempts, 1, kMaxAttempts));
  recovery.backoff = positive_duration(options, "backoff", recovery.backoff);
  recovery.max_backoff = options.duration_or("max_backoff", recovery.max_backoff);
  if (recovery.max_backoff < recovery.backoff) {
    options.fail(options.has("max_backoff") ? "max_backoff" : "backoff",
                 "max_backoff " + format_duration(recovery.max_backoff) +
                     " must not be shorter than backoff " + format_duration(recovery.backoff));
  }
  recovery.window = positive_duration(options, "window", recovery.window);
  recovery.verify_timeout = positive_duration(options, "verify_timeout", recovery.verify_timeout);
  auto actions = child_list(*impl, "actions", true);
  if (actions.empty()) options.fail("actions", "needs at least one action");
  NameRegistry names("action");
  for (std::size_t i = 0; i < actions.size(); ++i) {
    Options action_options(actions[i]);
    ActionSpec action;
    action.kind = read_kind(action_options);
    if (auto name = action_options.string("name")) {
      check_name(action_options, *name);
      action.name = *name;
    } else {
      action.name = action.kind + "-" + std::to_string(i + 1);
    }
    names.add(actions[i], action.name);
    action.timeout = positive_duration(action_options, "timeout", action.timeout);
    action.options = action_options;  // the kind's keys; its factory calls finish()
    recovery.actions.push_back(std::move(action));
  }
  options.finish();
  return recovery;
}

ComponentSpec read_component(const ImplPtr& impl, const ProbeTiming& defaults,
                             Options& defaults_options, NameRegistry& component_names,
                             NameRegistry& probe_names) {
  expect_keys(impl, {"name", "critical", "probes", "recovery"});
  Options options(impl);
  ComponentSpec component;
  component.name = options.required_string("name");
  check_name(options, component.name);
  component_names.add(impl, component.name);
  component.critical = options.boolean_or("critical", true);
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
  options.finish();
  return component;
}

}  // namespace

Config load_config_text(const std::string& yaml, const std::string& source_name) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(yaml);
  } catch (const YAML::Exception& error) {
    throw_config_error(source_name, error.mark, "", "YAML syntax error: " + error.msg);
  }
  if (documents.size() > 1) {
    throw_config_error(source_name, documents[1].Mark(), "",
                       "expected one YAML document, found " + std::to_string(documents.size()));
  }
  YAML::Node root = documents.empty() ? YAML::Node() : documents.front();
  check_document_shape(root, source_name);
  if (!root.IsNull() && !root.IsMap()) {
    throw_config_error(source_name, root.Mark(), "", "expected a mapping at the top level");
  }
  auto top = Options::Impl::make(source_name, "", root, root.Mark());
  expect_keys(top, {"watchdog", "defaults", "components", "alerts"});

  Config config;
  config.source = source_name;

  auto watchdog = child_impl(*top, "watchdog");
  expect_keys(watchdog, {"listen", "state_dir"});
  Options watchdog_options(watchdog);
  config.watchdog.listen = read_listen(watchdog_options);
  config.watchdog.state_dir =
      watchdog_options.string_or("state_dir", config.watchdog.state_dir.string());
  if (config.watchdog.state_dir.empty()) watchdog_options.fail("state_dir", "must not be empty");

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
  Options(top).finish();
  return config;
}

Config load_config_file(const std::filesystem::path& path) {
  std::string error;
  auto text = read_file(path.string(), error);
  if (!text) throw ConfigError(path.string() + ": cannot read: " + error);
  return load_config_text(*text, path.string());
}

}  // namespace watchdog::config
