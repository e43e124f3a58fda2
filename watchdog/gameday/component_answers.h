#pragma once
// "Is the component up?", asked with its own probes, once each: how a revert that runs an
// operator's start argv tells "the server is already running" (the watchdog's own recovery
// started it again, or an earlier revert did) from a start that really failed — pg_ctl start
// and redis-server --daemonize yes both fail when the server is already up.

#include <string>

#include "config/config.h"

namespace watchdog::gameday {

// True when the component has probes and every one of them passes (Healthy or Degraded) now;
// `why` gets the first failure's detail otherwise. Never throws.
bool component_answers(const config::Config& config, const config::ComponentSpec& component,
                       std::string& why);

}  // namespace watchdog::gameday
