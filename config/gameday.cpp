#include "config/gameday.h"

#include <algorithm>

#include "config/config.h"
#include "config/loader_common.h"

namespace watchdog::config {
namespace {

using namespace std::chrono_literals;

constexpr Duration kMinWriterInterval = 10ms;

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// `container`, or `stop` + `start` (argv).
GamedaySwitch read_switch(Options& options) {
  GamedaySwitch how;
  how.container = options.string_or("container", "");
  how.stop = options.string_list("stop");
  how.start = options.string_list("start");
  return how;
}

// After finish(), so that a misspelt key is reported as such. Both halves of a pair or
// neither; never both ways.
void check_switch(Options& options, const GamedaySwitch& how) {
  if (options.has("container") && how.container.empty()) {
    options.fail("container", "must not be empty");
  }
  if (how.stop.empty() != how.start.empty()) {
    options.fail(how.stop.empty() ? "stop" : "start",
                 "stop and start go together (the game day must be able to undo what it does)");
  }
  if (!how.container.empty() && !how.stop.empty()) {
    options.fail("stop", "give either container or stop/start, not both");
  }
}

GamedayExpect read_expect(Options& options) {
  const auto text = options.string_or("expect", "recover");
  for (auto expect : {GamedayExpect::Recover, GamedayExpect::Detect, GamedayExpect::GiveUp}) {
    if (text == expect_name(expect)) return expect;
  }
  options.fail("expect", "expected recover, detect or give_up, got '" + text + "'");
}

std::vector<CustomScenarioSpec> read_custom_scenarios(std::vector<Options> list) {
  std::vector<CustomScenarioSpec> scenarios;
  for (auto& options : list) {
    CustomScenarioSpec spec;
    spec.name = options.required_string("name");
    spec.inject = options.string_list("inject");
    spec.revert = options.string_list("revert");
    spec.expect = read_expect(options);
    options.finish();
    loading::check_name(options, spec.name);
    if (contains(builtin_scenario_names(), spec.name)) {
      options.fail("name", "'" + spec.name + "' is a built-in scenario; pick another name");
    }
    for (const auto& earlier : scenarios) {
      if (earlier.name == spec.name) options.fail("name", "duplicate scenario '" + spec.name + "'");
    }
    if (spec.inject.empty()) options.fail("inject", "missing required key (an argv list)");
    // Every fault must be undoable: a game day without a revert could leave it in place.
    if (spec.revert.empty()) options.fail("revert", "missing required key (an argv list)");
    scenarios.push_back(std::move(spec));
  }
  return scenarios;
}

}  // namespace

const char* expect_name(GamedayExpect expect) {
  switch (expect) {
    case GamedayExpect::Recover:
      return "recover";
    case GamedayExpect::Detect:
      return "detect";
    case GamedayExpect::GiveUp:
      return "give_up";
  }
  return "recover";
}

const std::vector<std::string>& builtin_scenario_names() {
  static const std::vector<std::string> names = {
      "database-stopped", "database-dropped",     "database-corrupted",
      "backups-stale",    "container-crash",      "container-crash-loop",
      "redis-down",       "disk-filling",         "alert-sink-down"};
  return names;
}

ComponentGameday read_component_gameday(Options& options) {
  ComponentGameday gameday;
  gameday.service = read_switch(options);
  const bool socket_given = options.has("docker_socket");
  gameday.docker_socket = options.string_or("docker_socket", gameday.docker_socket);
  gameday.docker_host = options.string_or("docker_host", "");
  gameday.backup_target = options.string_or("backup_target", "");
  gameday.fresh_backup = options.boolean_or("fresh_backup", false);
  gameday.writer_interval = options.duration_or("writer_interval", gameday.writer_interval);
  gameday.data_dir = options.string_or("data_dir", "");
  gameday.volume = options.string_or("volume", "");
  const auto fill_to = options.ratio("fill_to");
  gameday.timeout = options.duration_or("timeout", Duration::zero());
  const bool sink_given = options.has("alert_sink");
  Options sink = options.child("alert_sink");
  auto scenarios = options.child_list("scenarios");
  options.finish();
  check_switch(options, gameday.service);

  if (sink_given) {
    AlertSinkSwitch alert_sink;
    alert_sink.name = sink.required_string("name");
    alert_sink.how = read_switch(sink);
    sink.finish();
    check_switch(sink, alert_sink.how);
    if (!alert_sink.how.configured()) {
      sink.fail("container", "give the sink's container or its stop/start commands");
    }
    gameday.alert_sink = std::move(alert_sink);
  }
  gameday.scenarios = read_custom_scenarios(std::move(scenarios));

  if (socket_given && !gameday.docker_host.empty()) {
    options.fail("docker_host", "give either docker_socket or docker_host, not both");
  }
  if (socket_given && gameday.docker_socket.empty()) {
    options.fail("docker_socket", "must not be empty");
  }
  if (!gameday.docker_host.empty() && !gameday.docker_host.starts_with("tcp://") &&
      !gameday.docker_host.starts_with("http://")) {
    options.fail("docker_host", "must start with tcp:// or http:// (e.g. tcp://10.0.0.5:2375)");
  }
  if (gameday.writer_interval < kMinWriterInterval) {
    options.fail("writer_interval", "must be at least " + format_duration(kMinWriterInterval));
  }
  if (fill_to) {
    // 100% would fill the volume for real: the synthetic file must leave the watched service
    // room to breathe, and 0% is no fault at all.
    if (*fill_to <= 0.0 || *fill_to >= 1.0) {
      options.fail("fill_to", "must be between 0% and 100% (exclusive), e.g. 95%");
    }
    gameday.fill_to = *fill_to;
  }
  if (options.has("timeout") && gameday.timeout <= Duration::zero()) {
    options.fail("timeout", "must be greater than 0");
  }
  return gameday;
}

void check_gameday_references(Options& options, const ComponentGameday& gameday,
                              const std::vector<AlertSpec>& alerts,
                              const std::vector<BackupTargetSpec>& backups) {
  if (!gameday.backup_target.empty() &&
      std::none_of(backups.begin(), backups.end(),
                   [&](const BackupTargetSpec& t) { return t.name == gameday.backup_target; })) {
    options.fail("backup_target", "unknown backup target '" + gameday.backup_target +
                                      "' (name one of `backups:`)");
  }
  if (gameday.alert_sink &&
      std::none_of(alerts.begin(), alerts.end(),
                   [&](const AlertSpec& a) { return a.name == gameday.alert_sink->name; })) {
    options.child("alert_sink")
        .fail("name", "unknown alert '" + gameday.alert_sink->name + "' (name one of `alerts:`)");
  }
}

ScheduledGamedaySpec read_scheduled_gameday(Options& options) {
  ScheduledGamedaySpec spec;
  spec.location = options.location();
  spec.scenario = options.required_string("scenario");
  spec.component = options.required_string("component");
  spec.schedule_text = options.required_string("schedule");
  const auto time_zone = options.string("time_zone");
  options.finish();
  spec.schedule = read_zoned_cron(options, spec.schedule_text, time_zone);
  return spec;
}

void check_scheduled_gameday(Options& options, const ScheduledGamedaySpec& gameday,
                             const std::vector<ComponentSpec>& components) {
  auto component = std::find_if(components.begin(), components.end(),
                                [&](const ComponentSpec& c) { return c.name == gameday.component; });
  if (component == components.end()) {
    options.fail("component", "unknown component '" + gameday.component + "'");
  }
  if (!component->staging) {
    options.fail("component", "component '" + gameday.component +
                                  "' is not `staging: true`: scheduled game days never run "
                                  "against production");
  }
  const auto& custom = component->gameday.scenarios;
  const bool is_custom = std::any_of(custom.begin(), custom.end(), [&](const CustomScenarioSpec& s) {
    return s.name == gameday.scenario;
  });
  if (!is_custom && !contains(builtin_scenario_names(), gameday.scenario)) {
    std::string known;
    for (const auto& name : builtin_scenario_names()) known += (known.empty() ? "" : ", ") + name;
    for (const auto& s : custom) known += ", " + s.name;
    options.fail("scenario", "unknown scenario '" + gameday.scenario + "' (known for " +
                                 gameday.component + ": " + known + ")");
  }
}

namespace loading {

void check_gamedays(Config& config, const std::vector<ImplPtr>& component_impls,
                    const std::vector<ImplPtr>& scheduled) {
  for (std::size_t i = 0; i < config.components.size(); ++i) {
    if (!Options(component_impls[i]).has("gameday")) continue;
    Options gameday(child_impl(*component_impls[i], "gameday"));
    check_gameday_references(gameday, config.components[i].gameday, config.alerts,
                             config.backups);
  }
  for (const auto& entry : scheduled) {
    Options options(entry);
    auto spec = read_scheduled_gameday(options);
    check_scheduled_gameday(options, spec, config.components);
    config.gamedays.push_back(std::move(spec));
  }
}

}  // namespace loading
}  // namespace watchdog::config
