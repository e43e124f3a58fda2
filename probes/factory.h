#pragma once
// Builds a probe from its spec through one table of {kind, create} in factory.cpp (adding a
// kind = one file pair + one line there). Construction validates the kind's keys and does no I/O,
// so `check-config` can build every probe to validate a file. Throws config::ConfigError.

#include <memory>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "probes/probe.h"

namespace watchdog::probes {

// `backups` is the config's `backups:` list: a `backup` probe names its target there.
std::unique_ptr<Probe> make_probe(const config::ProbeSpec& spec,
                                  const std::vector<config::BackupTargetSpec>& backups = {});
const std::vector<std::string_view>& probe_kinds();

}  // namespace watchdog::probes
