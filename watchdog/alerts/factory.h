#pragma once
// Builds the sinks of one `alerts:` entry: an explicit switch on `kind` (adding a provider =
// one file pair + one line). Usually one sink; an alertmanager entry gives one per instance
// (`urls`), so each instance has its own outbox rows, retries and metrics. Throws
// config::ConfigError.

#include <memory>
#include <vector>

#include "config/config.h"
#include "watchdog/alerts/provider.h"

namespace watchdog::alerts {

std::vector<std::unique_ptr<Provider>> make_providers(const config::AlertSpec& spec);

}  // namespace watchdog::alerts
