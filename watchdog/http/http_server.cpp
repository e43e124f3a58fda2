#include "watchdog/http/http_server.h"

#include <httplib.h>
#include <sys/resource.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "config/time_text.h"
#include "watchdog/alerts/event.h"
#include "watchdog/cli/incident_report.h"
#include "watchdog/http/status_page.h"
#include "watchdog/store/incident_journal.h"
#include "watchdog/store/state_store.h"

namespace watchdog::core {

std::string status_json(const StatusView& status) {
  nlohmann::json components = nlohmann::json::array();
  for (const auto& c : status.components) {
    nlohmann::json probes = nlohmann::json::array();
    for (const auto& p : c.probes) {
      probes.push_back({{"name", p.name},
                        {"kind", p.kind},
                        {"status", p.status},
                        {"failure", p.failure},
                        {"detail", p.detail},
                        {"last_run", p.last_run ? config::format_rfc3339_ms(*p.last_run) : ""},
                        {"seconds", p.seconds}});
    }
    components.push_back({{"name", c.name},
                          {"state", std::string(to_string(c.state))},
                          {"since", config::format_rfc3339_ms(c.since)},
                          {"incident_id", c.incident_id},
                          {"attempts", c.attempts},
                          {"hold", c.hold},
                          {"muted", c.muted},
                          {"flapping", c.flapping},
                          {"probes", probes}});
  }
  nlohmann::json doc = {{"overall", std::string(to_string(status.overall))},
                        {"components", components}};
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

EngineHealth engine_health(std::chrono::steady_clock::time_point heartbeat,
                           std::chrono::steady_clock::time_point since,
                           std::chrono::steady_clock::time_point now) {
  if (heartbeat == std::chrono::steady_clock::time_point{}) {
    return now - since < kStalledAfter ? EngineHealth::Starting : EngineHealth::Stalled;
  }
  return now - heartbeat < kStalledAfter ? EngineHealth::Running : EngineHealth::Stalled;
}

namespace {

constexpr std::size_t kPageOpenIncidents = 1000;  // one per component at most, in practice

// One incident (or the list when `id` is empty) from the state store, opened read-only per
// request (the store is not shared between threads; a reader takes no write lock).
void serve_incident(const std::filesystem::path& state_dir, const std::string& id, bool json,
                    httplib::Response& res) {
  if (!id.empty() && !valid_path_id(id)) return json_error(res, 400, "invalid incident id");
  try {
    if (state_dir.empty()) throw std::runtime_error("no state store");
    auto store = store::StateStore::open_read_only(state_dir);
    store::IncidentJournal journal(store->db());
    if (id.empty()) {
      auto doc = nlohmann::json::array();
      for (const auto& record : journal.list(50, false)) doc.push_back(incident_json(record));
      res.set_content(alerts::dump_json(doc), "application/json");
      return;
    }
    const auto record = journal.find(id);
    if (!record) {
      res.status = 404;
      res.set_content("no incident '" + id + "'\n", "text/plain");
      return;
    }
    const auto timeline = journal.timeline(id);
    if (json) {
      auto doc = incident_json(*record);
      doc["timeline"] = timeline_json(timeline);
      res.set_content(alerts::dump_json(doc), "application/json");
    } else {
      std::ostringstream text;
      print_incident_report(*record, timeline, text);
      res.set_content(text.str(), "text/plain; charset=utf-8");
    }
  } catch (const std::exception& error) {
    res.status = 503;
    res.set_content(std::string("incidents unavailable: ") + error.what() + "\n", "text/plain");
  }
}

// Every open incident (however old: one opened before the last 30 must not drop off the page)
// and the latest closed ones; none when the store is not there (the page still shows the
// components).
std::vector<store::IncidentRecord> page_incidents(const std::filesystem::path& state_dir) {
  if (state_dir.empty()) return {};
  try {
    auto store = store::StateStore::open_read_only(state_dir);
    store::IncidentJournal journal(store->db());
    auto incidents = journal.list(kPageOpenIncidents, true);
    for (auto& record : journal.list(30, false)) {
      if (record.closed) incidents.push_back(std::move(record));
    }
    return incidents;
  } catch (const std::exception&) {
    return {};
  }
}

bool wants_json(const httplib::Request& req) {
  return req.get_param_value("format") == "json" ||
         req.get_header_value("Accept").find("application/json") != std::string::npos;
}

}  // namespace

// cpp-httplib's request handling (parsing, the pre-routing gate, routes, error pages) applied to
// a connection the front hands over; its own listener and thread pool are not used.
class RoutingServer final : public httplib::Server {
 public:
  bool serve(httplib::Stream& stream, bool last) {
    bool closed = false;
    return process_request(stream, last, closed, nullptr) && !closed;
  }
};

namespace {

// kMaxHttpConnections, or a quarter of the descriptors when that is less (the event loop's
// connection cache takes at most another quarter): clients never starve the probes.
std::size_t connection_cap() {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur == RLIM_INFINITY) {
    return kMaxHttpConnections;
  }
  return std::clamp<std::size_t>(static_cast<std::size_t>(files.rlim_cur / 4), 16,
                                 kMaxHttpConnections);
}

Cell& http_gauge(Metrics& metrics, const char* name, const char* help, MetricType type) {
  auto& store = metrics.store();
  return store.global(store.add_global(name, help, type), {});
}

}  // namespace

HttpServer::HttpServer(Metrics& metrics, const Engine& engine, std::filesystem::path state_dir,
                       const ApiToken& token)
    : metrics_(metrics),
      engine_(engine),
      state_dir_(std::move(state_dir)),
      operator_api_(engine, state_dir_, token, stopping_),
      server_(std::make_unique<RoutingServer>()),
      front_([this](httplib::Stream& stream, bool last) { return server_->serve(stream, last); },
             FrontLimits{.max_connections = connection_cap(),
                         .workers = kHttpThreads,
                         .idle_timeout = kKeepAlive,
                         .request_timeout = kRequestTimeout}),
      connections_open_(http_gauge(metrics, "watchdog_http_connections",
                                   "Connections open to the watchdog's HTTP endpoint",
                                   MetricType::Gauge)),
      connections_evicted_(http_gauge(
          metrics, "watchdog_http_connections_evicted_total",
          "Connections closed to make room at the connection cap (or when out of descriptors)",
          MetricType::Counter)),
      connections_timed_out_(http_gauge(
          metrics, "watchdog_http_connections_timed_out_total",
          "Connections closed because they sent nothing, or no whole request, in time",
          MetricType::Counter)) {
  server_->set_payload_max_length(kMaxBody);
  // Announced a second shorter than it is: a client that reuses the connection at the very end
  // of the announced time must not race the close (its request would meet a reset).
  server_->set_keep_alive_timeout((kKeepAlive - std::chrono::seconds(1)).count());
  add_read_routes();
  operator_api_.add_routes(*server_);
  update_connection_metrics();
}

void HttpServer::update_connection_metrics() {
  const FrontCounts counts = front_.counts();
  connections_open_.set(static_cast<double>(counts.open));
  connections_evicted_.raise_to(static_cast<double>(counts.evicted));
  connections_timed_out_.raise_to(static_cast<double>(counts.timed_out));
}

void HttpServer::add_read_routes() {
  server_->Get("/", [this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(render_status_page(engine_.status(), page_incidents(state_dir_),
                                       std::chrono::system_clock::now()),
                    "text/html; charset=utf-8");
  });
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    update_connection_metrics();
    res.set_content(metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    const auto loop = engine_health(engine_.heartbeat(), serving_since_);
    res.status = loop == EngineHealth::Stalled ? 503 : 200;
    res.set_content(loop == EngineHealth::Stalled ? "engine loop stalled\n" : "ok\n", "text/plain");
  });
  // Only the watchdog's own readiness: never the watched components' health, or a sidecar would
  // take its whole pod out of service whenever the database it watches is down.
  server_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    const auto loop = engine_health(engine_.heartbeat(), serving_since_);
    const bool ready = loop == EngineHealth::Running && !stopping_;
    res.status = ready ? 200 : 503;
    res.set_content(ready                            ? "ready\n"
                    : stopping_                      ? "stopping\n"
                    : loop == EngineHealth::Starting ? "starting\n"
                                                     : "engine loop stalled\n",
                    "text/plain");
  });
  // The JSON documents under their first paths and, versioned, under /api/v1.
  for (const std::string prefix : {"", "/api/v1"}) {
    const bool versioned = !prefix.empty();
    server_->Get(prefix + "/status", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(status_json(engine_.status()), "application/json");
    });
    server_->Get(prefix + "/incidents", [this](const httplib::Request&, httplib::Response& res) {
      serve_incident(state_dir_, "", true, res);
    });
    server_->Get(prefix + "/incidents/(.+)", [this, versioned](const httplib::Request& req,
                                                               httplib::Response& res) {
      serve_incident(state_dir_, req.matches[1].str(), versioned || wants_json(req), res);
    });
  }
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start(const std::string& host, int port) {
  serving_since_ = std::chrono::steady_clock::now();
  front_.start(host, port);
}

void HttpServer::stop() {
  stopping_ = true;
  front_.stop();
}

}  // namespace watchdog::core
