#include "watchdog/cli/operator_commands.h"

#include <iostream>
#include <thread>

#include "config/options.h"
#include "config/time_text.h"
#include "config/units.h"
#include "watchdog/alerts/event.h"
#include "watchdog/alerts/outbox.h"
#include "watchdog/cli/incident_report.h"
#include "watchdog/plan.h"
#include "watchdog/store/incident_journal.h"
#include "watchdog/store/state_store.h"

namespace watchdog::core {
namespace {

using Clock = std::chrono::system_clock;

void add_location(CLI::App* command, std::string& config_path, std::string& state_dir) {
  command->add_option("-c,--config", config_path, "YAML file whose watchdog.state_dir to use");
  command->add_option("--state-dir", state_dir, "state directory (instead of --config)");
}

// A positive duration option ("30m"), or nothing after printing why it is not one.
std::optional<config::Duration> duration_option(const char* option, const std::string& text) {
  try {
    const auto value = config::parse_duration(text);
    if (value > config::Duration::zero()) return value;
    std::cerr << option << ": must be greater than 0\n";
  } catch (const std::exception& error) {
    std::cerr << option << ": " << error.what() << "\n";
  }
  return std::nullopt;
}

// A state file a command must not read from or write to: damaged, not a database, or failing to
// open. Answered with exit 2 and the file named, never with an empty listing.
class UnusableStore : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The store for a command, proven intact first (StateStore::open_verified). `create`: a state
// dir without a file yet gets one (pause), instead of "no state yet".
std::unique_ptr<store::StateStore> open_store(const std::string& state_dir, bool create = false) {
  const auto file = store::StateStore::file_in(state_dir);
  if (create && !std::filesystem::exists(file)) {
    std::filesystem::create_directories(state_dir);
    return store::StateStore::open(state_dir);
  }
  if (!std::filesystem::exists(file))
    return store::StateStore::open_existing(state_dir);  // says why
  try {
    return store::StateStore::open_verified(state_dir);
  } catch (const store::SqliteError& error) {
    const int code = error.code() & 0xff;
    if (!error.unusable_file() && code != SQLITE_CANTOPEN && code != SQLITE_IOERR) throw;
    throw UnusableStore(file.string() + " is not a usable state database (" + error.what() +
                        "); refusing to read it. A running watchdog moves a damaged file aside "
                        "at its next start; or restore the file from a backup.");
  }
}

}  // namespace

OperatorCommands::OperatorCommands(CLI::App& app) {
  incidents_ = app.add_subcommand("incidents", "list incidents, show one, or print its report");
  incidents_->add_option("verb", verb_, "list (default), show or report")
      ->check(CLI::IsMember({"list", "show", "report"}));
  incidents_->add_option("id", id_, "incident id (show, report)");
  incidents_->add_flag("--open", open_only_, "only incidents still open");
  incidents_->add_option("--limit", limit_, "at most this many (list)");
  incidents_->add_flag("--json", json_, "JSON instead of text");
  add_location(incidents_, config_path_, state_dir_);

  pause_ = app.add_subcommand("pause", "mute actions and alerts of a component for a while");
  pause_->add_option("component", component_, "component name")->required();
  pause_->add_option("--for", for_, "how long, e.g. 30m (default 1h)");
  pause_->add_option("--reason", reason_, "why (recorded and shown in logs)");
  add_location(pause_, config_path_, state_dir_);

  resume_ = app.add_subcommand("resume", "end a pause early");
  resume_->add_option("component", component_, "component name")->required();
  add_location(resume_, config_path_, state_dir_);

  alerts_ = app.add_subcommand("alerts", "show the alert outbox: pending, failed and sent alerts");
  alerts_->add_option("--status", status_, "only rows with this status")
      ->check(CLI::IsMember({"pending", "delivered", "failed", "expired"}));
  alerts_->add_option("--limit", limit_, "at most this many rows, newest first");
  alerts_->add_flag("--json", json_, "JSON instead of text");
  add_location(alerts_, config_path_, state_dir_);

  reset_ = app.add_subcommand("reset", "take a FAILED component back to probing");
  reset_->add_option("component", component_, "component name")->required();
  reset_->add_option("--wait", wait_, "how long to wait for the daemon's answer (default 10s)");
  add_location(reset_, config_path_, state_dir_);
}

bool OperatorCommands::selected() const {
  return incidents_->parsed() || pause_->parsed() || resume_->parsed() || reset_->parsed() ||
         alerts_->parsed();
}

int OperatorCommands::run() {
  try {
    if (!config_path_.empty()) {
      const auto plan = load_plan(std::filesystem::path(config_path_));
      if (state_dir_.empty()) state_dir_ = plan.config.watchdog.state_dir.string();
      if (!component_.empty()) {
        bool known = false;
        for (const auto& c : plan.components) known |= c.spec.name == component_;
        if (!known) {
          std::cerr << "no component named '" << component_ << "' in " << config_path_ << "\n";
          return 2;
        }
      }
    }
    if (state_dir_.empty()) state_dir_ = config::kDefaultStateDir;
    if (incidents_->parsed()) return incidents();
    if (pause_->parsed()) return pause();
    if (resume_->parsed()) return resume();
    if (alerts_->parsed()) return alerts();
    return reset();
  } catch (const config::ConfigError& error) {
    std::cerr << "invalid configuration: " << error.what() << "\n";
    return 2;
  } catch (const UnusableStore& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 1;
  }
}

int OperatorCommands::incidents() {
  auto store = open_store(state_dir_);
  store::IncidentJournal journal(store->db());
  if (verb_ == "list") {
    const auto records = journal.list(limit_, open_only_);
    if (json_) {
      auto doc = nlohmann::json::array();
      for (const auto& r : records) doc.push_back(incident_json(r));
      std::cout << doc.dump(2) << "\n";
    } else {
      print_incident_table(records, Clock::now(), std::cout);
    }
    return 0;
  }
  if (id_.empty()) {
    std::cerr << "incidents " << verb_ << ": which incident? (an id from `watchdog incidents`)\n";
    return 2;
  }
  const auto record = journal.find(id_);
  if (!record) {
    std::cerr << "no incident '" << id_ << "' in " << store->db().path().string() << "\n";
    return 1;
  }
  const auto timeline = journal.timeline(id_);
  if (json_) {
    auto doc = incident_json(*record);
    doc["timeline"] = timeline_json(timeline);
    std::cout << doc.dump(2) << "\n";
  } else if (verb_ == "show") {
    print_incident(*record, timeline, std::cout);
  } else {
    print_incident_report(*record, timeline, std::cout);
  }
  return 0;
}

int OperatorCommands::alerts() {
  open_store(state_dir_);  // a clear error when there is no store yet, or a damaged one
  auto outbox = alerts::Outbox::open(store::StateStore::file_in(state_dir_));
  const auto rows = outbox->recent(limit_, status_);
  if (json_) {
    auto doc = nlohmann::json::array();
    for (const auto& r : rows) {
      doc.push_back(
          {{"id", r.id},
           {"sink", r.sink},
           {"key", r.key},
           {"component", r.component},
           {"incident_id", r.incident_id},
           {"state", r.state},
           {"type", r.type},
           {"status", r.status},
           {"attempts", r.attempts},
           {"created", config::format_rfc3339_ms(r.created)},
           {"next_attempt", config::format_rfc3339_ms(r.next_attempt)},
           {"finished", r.finished ? nlohmann::json(config::format_rfc3339_ms(*r.finished))
                                   : nlohmann::json(nullptr)},
           {"last_error", r.last_error}});
    }
    std::cout << alerts::dump_json(doc) << "\n";
    return 0;
  }
  for (const auto& [sink, statuses] : outbox->counts()) {
    std::cout << sink << ":";
    for (const auto& [status, count] : statuses) std::cout << " " << status << "=" << count;
    std::cout << "\n";
  }
  for (const auto& r : rows) {
    std::cout << config::format_rfc3339_ms(r.created) << "  " << r.sink << "  " << r.status << "  "
              << r.attempts << " tries  " << r.key;
    if (r.status == "pending") {
      std::cout << "  next try " << config::format_rfc3339_ms(r.next_attempt);
    }
    if (!r.last_error.empty()) std::cout << "  (" << r.last_error << ")";
    std::cout << "\n";
  }
  return 0;
}

int OperatorCommands::pause() {
  const auto length = duration_option("pause --for", for_);
  if (!length) return 2;
  auto store = open_store(state_dir_, /*create=*/true);
  const auto now = Clock::now();
  store->set_mute({component_, now + *length, reason_, now});
  // The running daemon logs it and notes it in an open incident ("pause by cli").
  store->add_request({"pause", component_, "cli",
                      nlohmann::json{{"until_ms", config::epoch_ms(now + *length)},
                                     {"reason", reason_}}
                          .dump()},
                     now);
  std::cout << "paused " << component_ << " until " << config::format_rfc3339_ms(now + *length)
            << ": probing and metrics go on, actions and alerts are muted\n";
  return 0;
}

int OperatorCommands::resume() {
  auto store = open_store(state_dir_);
  if (!store->clear_mute(component_)) {
    std::cout << component_ << " was not paused\n";
    return 0;
  }
  store->add_request({"resume", component_, "cli"}, Clock::now());
  std::cout << "resumed " << component_ << ": it is re-probed before any action\n";
  return 0;
}

int OperatorCommands::reset() {
  const auto wait = duration_option("reset --wait", wait_);
  if (!wait) return 2;
  auto store = open_store(state_dir_);
  const auto id = store->add_request({"reset", component_, "cli"}, Clock::now());
  const auto deadline = Clock::now() + *wait;
  while (Clock::now() < deadline) {
    if (auto request = store->request(id); request && request->done) {
      std::cout << request->result << "\n";
      return request->outcome == store::kRequestDone ? 0 : 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::cout << "reset of " << component_
            << " requested; no running watchdog answered yet (it applies when one does)\n";
  return 0;
}

}  // namespace watchdog::core
