#pragma once
// Reading the YAML file into a Config. Validates the document's own shape (known keys, types,
// units, unique names, thresholds ≥ 1); kind-specific keys are validated when the factories in
// probes/, actions/ and watchdog/alerts build objects from the Options views.

#include <filesystem>
#include <optional>
#include <string>

#include "config/config.h"

namespace watchdog::config {

// Throws ConfigError (file:line:column: key: message) on any problem, std::runtime_error-free.
Config load_config_file(const std::filesystem::path& path);
// `source_name` is used in error messages in place of a path.
Config load_config_text(const std::string& yaml, const std::string& source_name);

// "host:port" or "[v6]:port" → Listen; nothing when it is not that (or the port is not 1-65535).
std::optional<Listen> parse_listen(const std::string& text);
// Only watchdog.listen of a config file, leniently (for `watchdog healthcheck`): the rest of the
// file is not validated. Nothing when it cannot be read; `problem` then says why, with the path.
std::optional<Listen> peek_listen(const std::filesystem::path& path, std::string& problem);

// The configuration used by `watchdog run` without --config: watches the root filesystem's
// usage and the watchdog's own state directory, listens on 127.0.0.1:9187.
const std::string& embedded_default_yaml();
inline constexpr const char* kEmbeddedSourceName = "<embedded default>";

}  // namespace watchdog::config
