#pragma once
// `watchdog healthcheck`: asks a running watchdog's /healthz (or /readyz) and exits 0 when it
// answers 200, else 1 — the container HEALTHCHECK, so the image needs no curl or shell. The
// address comes from --url, or from the config's watchdog.listen (a wildcard listen address is
// asked on loopback). Only that one key is read, leniently: a config being edited, or one a
// reload rejected, must not turn a running daemon unhealthy; without it, the default address.

#include <optional>
#include <ostream>
#include <string>

#include "config/config.h"

namespace watchdog::core {

// "http://127.0.0.1:9187/healthz" for listen 0.0.0.0:9187 (and for [::]:9187); other IPv6
// hosts are bracketed.
std::string local_url(const config::Listen& listen, const std::string& path);

// Exit code (Docker's HEALTHCHECK convention): 0 healthy, 1 not — the reason on `out`.
int run_healthcheck(const std::optional<std::string>& config_path, const std::string& url,
                    bool readiness, std::ostream& out);

}  // namespace watchdog::core
