#include "watchdog/cli/healthcheck.h"

#include "config/loader.h"
#include "probes/clients/http_client.h"

namespace watchdog::core {

std::string local_url(const config::Listen& listen, const std::string& path) {
  std::string host = listen.host;
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(listen.port) + path;
}

int run_healthcheck(const std::optional<std::string>& config_path, const std::string& url,
                    bool readiness, std::ostream& out) {
  const std::string path = readiness ? "/readyz" : "/healthz";
  std::string target = url;
  if (target.empty()) {
    config::Listen listen;  // the default address when there is no config file
    if (config_path) {
      try {
        listen = config::load_config_file(*config_path).watchdog.listen;
      } catch (const config::ConfigError& error) {
        out << "invalid configuration: " << error.what() << "\n";
        return 2;
      }
    }
    target = local_url(listen, path);
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
