#pragma once
// Reading values out of a Prometheus text exposition (the body of GET /metrics).

#include <map>
#include <optional>
#include <string>

namespace watchdog::testing {

// The sum of every sample named `name` whose labels include all of `labels` (a subset match),
// or nothing when no sample matches. E.g. metric_sum(text, "watchdog_probe_runs_total",
// {{"probe", "web-http"}}) adds up the runs over all statuses.
std::optional<double> metric_sum(const std::string& exposition, const std::string& name,
                                 const std::map<std::string, std::string>& labels = {});

}  // namespace watchdog::testing
