// libFuzzer target: the watchdog's HTTP front without sockets. The first byte picks:
//   even  the rest is raw bytes of one or more HTTP requests, read from memory by cpp-httplib's
//         own request handling (as RoutingServer in http_server.cpp does for a connection) with
//         the operator API's real routes and pre-routing gate (OperatorApi::add_routes →
//         request_gate.cpp: token, method, body size), and the incident routes' id check;
//   odd   the rest is the text of a status (component names, probe details, holds, incident
//         reasons) rendered by the status page.
// Properties, each a trap when broken:
//   - every request is answered with a status line; JSON answers parse; the token is never echoed;
//   - an operator action reaches the engine only with "Authorization: Bearer <the token>", a
//     POST under /api/v1/ otherwise gets 401/403 (or 400/405/411/413 from the gate), and any
//     other method or path 405; a GET with a body 400;
//   - the status page's markup does not depend on the text shown: rendered again with every
//     <>&"' of that text replaced by 'x', it has exactly as many '<' and '>' (no tag injected).
//
// The engine is a link seam: Engine::status() and requests_queued() are defined below (the
// operator API asks for the component list; with no state_dir nothing is queued), so the
// engine, probes and store are not linked. The Engine object itself is never constructed: the
// API only calls those two members, which do not touch it.
// Built and run by scripts/fuzz.sh, not by the test suite.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <nlohmann/json.hpp>
#include <string>

#include "watchdog/http/operator_api.h"
#include "watchdog/http/request_gate.h"
#include "watchdog/http/status_page.h"

namespace watchdog::core {

namespace {
std::atomic<int> engine_calls{0};
}  // namespace

StatusView Engine::status() const {
  ++engine_calls;
  StatusView view;
  view.components.push_back({.name = "api"});
  view.components.push_back({.name = "postgres", .state = State::Critical});
  return view;
}
void Engine::requests_queued() const {}

}  // namespace watchdog::core

namespace {

using namespace watchdog::core;

void check(bool property) {
  if (!property) __builtin_trap();
}

const std::string kToken = "fuzz-operator-token-7c0f";

// One connection's bytes in, the answers out.
class MemoryStream final : public httplib::Stream {
 public:
  explicit MemoryStream(std::string_view in) : in_(in) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, in_.size());
    std::copy_n(in_.data(), n, ptr);
    in_.remove_prefix(n);
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 50000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 9187;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  bool exhausted() const { return in_.empty(); }
  std::string out;

 private:
  std::string_view in_;
};

bool authorized(const httplib::Request& req) {
  const std::string value = req.get_header_value("Authorization");
  if (value.size() != 7 + kToken.size() || value.substr(7) != kToken) return false;
  std::string scheme = value.substr(0, 7);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
  return scheme == "bearer ";
}

// What cpp-httplib or the gate answers before looking at the token: a malformed request (400),
// an over-long URI (414), an Expect it does not know (417).
bool refused_unread(int status) { return status == 400 || status == 414 || status == 417; }

// Checked once per answered request (cpp-httplib's logger sees the parsed request and the
// response just written).
void check_answer(const httplib::Request& req, const httplib::Response& res, int calls_before) {
  const bool reached_engine = engine_calls.load() != calls_before;
  if (reached_engine) check(authorized(req) && req.method == "POST");
  const bool api = req.path.rfind("/api/v1/", 0) == 0;
  if (req.method == "POST" && api && !authorized(req)) {
    check(res.status == 401 || res.status == 403 || refused_unread(res.status));
  }
  if (req.method != "GET" && req.method != "HEAD" && req.method != "POST") {
    check(res.status == 405 || refused_unread(res.status));
  }
  if (req.method == "POST" && !api) check(res.status == 405 || refused_unread(res.status));
  if (res.get_header_value("Content-Type") == "application/json" && !res.body.empty()) {
    check(nlohmann::json::accept(res.body));
  }
}

// Whether every occurrence of the token in the client's bytes is a credential ("Bearer <token>").
bool only_in_authorization(std::string_view bytes) {
  for (std::size_t at = bytes.find(kToken); at != std::string_view::npos;
       at = bytes.find(kToken, at + 1)) {
    if (at < 7 || bytes.substr(at - 6, 6) != "earer ") return false;
  }
  return true;
}

class FuzzServer final : public httplib::Server {
 public:
  FuzzServer() : api_(engine(), "", token_, stopping_) {
    token_.set(kToken);
    set_payload_max_length(kMaxBody);
    Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("status page\n", "text/html");
    });
    // http_server.cpp's incident route without the store: the id check decides 400 vs 503.
    for (const std::string prefix : {"", "/api/v1"}) {
      Get(prefix + "/incidents/(.+)", [](const httplib::Request& req, httplib::Response& res) {
        const std::string id = req.matches[1].str();
        if (!valid_path_id(id)) return json_error(res, 400, "invalid incident id");
        check(id.find_first_of("/%") == std::string::npos && id != "..");
        json_error(res, 503, "incidents unavailable: no state store");
      });
    }
    api_.add_routes(*this);
    set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      check_answer(req, res, calls_before_);
      calls_before_ = engine_calls.load();
    });
  }

  // Every request on the connection, as the front would serve them, until it closes.
  void serve(std::string_view bytes) {
    MemoryStream stream(bytes);
    calls_before_ = engine_calls.load();
    for (int request = 0; request < 8; ++request) {
      bool closed = false;
      const std::size_t before = stream.out.size();
      const bool keep = process_request(stream, false, closed, nullptr) && !closed;
      if (stream.out.size() > before) check(stream.out.compare(before, 9, "HTTP/1.1 ") == 0);
      if (!keep || stream.exhausted()) break;
    }
    // Echoing what the client sent elsewhere (a path, a body) is no leak; the header is.
    if (only_in_authorization(bytes)) check(stream.out.find(kToken) == std::string::npos);
  }

 private:
  static const Engine& engine() {
    alignas(Engine) static unsigned char storage[sizeof(Engine)];
    return *std::launder(reinterpret_cast<const Engine*>(storage));
  }

  ApiToken token_;
  std::atomic<bool> stopping_{false};
  OperatorApi api_;
  int calls_before_ = 0;
};

// The text's special characters of HTML replaced: same lengths, same emptiness, no markup.
std::string defanged(std::string text) {
  for (char& c : text) {
    if (c == '<' || c == '>' || c == '&' || c == '"' || c == '\'') c = 'x';
  }
  return text;
}

std::string page_of(const std::vector<std::string>& parts, bool defang) {
  auto part = [&](std::size_t i) {
    const std::string& text = parts.empty() ? std::string() : parts[i % parts.size()];
    return defang ? defanged(text) : text;
  };
  const TimePoint now(std::chrono::seconds(1'795'318'500));
  StatusView view;
  view.overall = State::Critical;
  for (std::size_t c = 0; c < 3; ++c) {
    ComponentView component{.name = part(c * 7), .state = kAllStates[c % 5],
                            .since = now - std::chrono::seconds(90), .incident_id = part(c * 7 + 1),
                            .hold = part(c * 7 + 2), .muted = c == 1};
    component.probes.push_back({.name = part(c * 7 + 3), .kind = part(c * 7 + 4),
                                .status = part(c * 7 + 5), .detail = part(c * 7 + 6),
                                .last_run = now});
    view.components.push_back(std::move(component));
  }
  std::vector<watchdog::store::IncidentRecord> incidents(2);
  incidents[0] = {.id = part(21), .component = part(22), .opened = now - std::chrono::hours(1),
                  .worst_state = part(23), .reason = part(24), .root_cause = part(25),
                  .rto = std::chrono::minutes(5)};
  incidents[1] = incidents[0];
  incidents[1].closed = now;
  return render_status_page(view, incidents, now);
}

void check_status_page(std::string_view text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t at = 0; at <= text.size(); ++at) {
    if (at == text.size() || text[at] == '\n') {
      parts.emplace_back(text.substr(start, at - start));
      start = at + 1;
    }
  }
  const std::string page = page_of(parts, false);
  const std::string plain = page_of(parts, true);
  check(std::count(page.begin(), page.end(), '<') == std::count(plain.begin(), plain.end(), '<'));
  check(std::count(page.begin(), page.end(), '>') == std::count(plain.begin(), plain.end(), '>'));
  const std::string escaped = html_escape(text);
  check(escaped.find_first_of("<>\"'") == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static FuzzServer* server = [] {
    spdlog::set_level(spdlog::level::off);  // refusals are logged: not per fuzz input
    return new FuzzServer();
  }();
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    server->serve(rest);
  } else {
    check_status_page(rest);
  }
  return 0;
}
