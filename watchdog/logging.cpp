#include "watchdog/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "config/redaction.h"
#include "config/time_text.h"

namespace watchdog::logging {
namespace {

// {"ts":"2026-11-22T03:35:00.123Z","level":"info","msg":"…"} — escaping by nlohmann::json.
class JsonFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    nlohmann::ordered_json line = {
        {"ts", config::format_rfc3339_ms(
                   std::chrono::time_point_cast<std::chrono::system_clock::duration>(msg.time))},
        {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                              spdlog::level::to_string_view(msg.level).size())},
        {"msg", std::string(msg.payload.data(), msg.payload.size())},
    };
    const std::string text =
        line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

// The last line of defence: every message is scrubbed of configured secrets (the registry of
// config/redaction.h) before the real formatter sees it, whatever the caller passed.
class RedactingFormatter : public spdlog::formatter {
 public:
  explicit RedactingFormatter(std::unique_ptr<spdlog::formatter> inner)
      : inner_(std::move(inner)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string clean =
        config::redact(std::string_view(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg scrubbed = msg;
    scrubbed.payload = spdlog::string_view_t(clean.data(), clean.size());
    inner_->format(scrubbed, dest);
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<RedactingFormatter>(inner_->clone());
  }

 private:
  std::unique_ptr<spdlog::formatter> inner_;
};

}  // namespace

std::unique_ptr<spdlog::formatter> redacting(std::unique_ptr<spdlog::formatter> inner) {
  return std::make_unique<RedactingFormatter>(std::move(inner));
}

void setup(Format format, const std::string& level) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    throw std::invalid_argument("unknown log level '" + level + "'");
  }
  spdlog::drop("watchdog");
  auto logger = spdlog::stderr_logger_mt("watchdog");
  spdlog::set_default_logger(logger);
  spdlog::set_level(parsed);
  if (format == Format::Json) {
    spdlog::set_formatter(redacting(std::make_unique<JsonFormatter>()));
  } else {
    spdlog::set_formatter(redacting(std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%e%z %-5l %v", spdlog::pattern_time_type::utc)));
  }
  spdlog::flush_on(spdlog::level::info);
}

std::string kv(std::string_view key, std::string_view value) {
  bool quote = value.empty();
  std::string clean;
  clean.reserve(value.size());
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    if (c == ' ' || c == '"' || c == '=' || c == '\\') quote = true;
    if (c == '"' || c == '\\') clean += '\\';
    clean += c;
  }
  std::string out(key);
  out += '=';
  if (quote) {
    out += '"' + clean + '"';
  } else {
    out += clean;
  }
  return out;
}

}  // namespace watchdog::logging
