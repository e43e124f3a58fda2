#include "watchdog/cli/healthcheck.h"

#include "config/loader.h"
#include "probes/clients/http_client.h"

namespace watchdog::core {

std::string local_url(const config::Listen& listen, const std::string& path) {
  std::string host = listen.host;
  // A wildcard listener is asked on IPv4 loopback: `::` is dual-stack, and containers often
  // have no IPv6 loopback at all.
  if (host.empty() || host == "0.0.0.0" || host == "::") host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(listen.port) + path;
}

namespace {

config::Listen listen_of(const std::string& config_path, std::ostream& out) {
  std::string problem;
  if (auto listen = config::peek_listen(config_path, problem)) return *listen;
  out << problem << "; asking the default address\n";
  return {};
}

}  // namespace

int run_healthcheck(const std::optional<std::string>& config_path, const std::string& url,
                    bool readiness, std::ostream& out) {
  std::string target = url;
  if (target.empty()) {
    const auto listen = config_path ? listen_of(*config_path, out) : config::Listen{};
    target = local_url(listen, readiness ? "/readyz" : "/healthz");
  }
  probes::HttpRequest request;
  request.url = target;
  request.timeout = std::chrono::seconds(3);
  const auto response = probes::perform(request);
  if (!response.ok()) {
    out << target << ": " << response.error_text << "\n";
    return 1;
  }
  out << target << ": " << response.status << " " << response.body;
  if (!response.body.ends_with('\n')) out << "\n";
  return response.status == 200 ? 0 : 1;
}

}  // namespace watchdog::core
