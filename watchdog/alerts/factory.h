#pragma once
// Builds an alert provider from its spec: an explicit switch on `kind` (adding a provider =
// one file pair + one line). Throws config::ConfigError.

#include <memory>

#include "config/config.h"
#include "watchdog/alerts/provider.h"

namespace watchdog::alerts {

std::unique_ptr<Provider> make_provider(const config::AlertSpec& spec);

}  // namespace watchdog::alerts
