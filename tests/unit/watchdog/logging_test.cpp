// The log formatter as the last line of defence: configured secrets never reach a log line,
// in text or JSON mode, whatever a caller passed.
#include "watchdog/logging.h"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "config/redaction.h"

namespace watchdog::logging {
namespace {

std::string logged_through(std::unique_ptr<spdlog::formatter> formatter, const std::string& text) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
  sink->set_formatter(redacting(std::move(formatter)));
  spdlog::logger logger("redaction-test", sink);
  logger.warn("action_finished {}", kv("detail", text));
  logger.flush();
  return out.str();
}

TEST(Logging, FormatterRedactsConfiguredSecrets) {
  config::install_secrets({"Bearer k8s-token-0123456789"});
  const auto line = logged_through(std::make_unique<spdlog::pattern_formatter>("%l %v"),
                                   "HTTP 401: {\"Authorization\":\"Bearer k8s-token-0123456789\"}");
  config::clear_secrets();
  EXPECT_EQ(line.find("k8s-token"), std::string::npos) << line;
  EXPECT_NE(line.find("warning action_finished detail="), std::string::npos) << line;
  EXPECT_NE(line.find("[REDACTED]"), std::string::npos) << line;
  // Nothing installed: the text passes unchanged.
  const auto plain =
      logged_through(std::make_unique<spdlog::pattern_formatter>("%v"), "k8s-token-0123456789");
  EXPECT_EQ(plain, "action_finished detail=k8s-token-0123456789\n");
}

}  // namespace
}  // namespace watchdog::logging
