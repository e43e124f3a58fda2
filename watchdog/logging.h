#pragma once
// Logging set-up (spdlog) and the key=value field helper. One line per event:
//   state_change component=api from=HEALTHY to=CRITICAL reason="api-http: connection refused"
// In JSON mode each line is {"ts":…,"level":…,"msg":…}. Secrets are never passed to a logger;
// as a last line of defence every message is also scrubbed by the redaction registry
// (config/redaction.h) before it is formatted.

#include <spdlog/formatter.h>

#include <memory>
#include <string>
#include <string_view>

namespace watchdog::logging {

enum class Format { Text, Json };

// Logs go to stderr. `level`: trace, debug, info, warn, error. Throws std::invalid_argument on
// an unknown level.
void setup(Format format, const std::string& level);

// `inner` behind a formatter that redacts every message's configured secrets (what setup()
// installs; public for tests that log to their own sink).
std::unique_ptr<spdlog::formatter> redacting(std::unique_ptr<spdlog::formatter> inner);

// key=value, quoting the value (with \" and \\ escapes) when it holds spaces, quotes, '=' or
// is empty; control characters become spaces so one event stays one line.
std::string kv(std::string_view key, std::string_view value);

}  // namespace watchdog::logging
