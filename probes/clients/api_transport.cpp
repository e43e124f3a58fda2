#include "probes/clients/api_transport.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <utility>

namespace watchdog::probes {

ApiResponse call(const ApiEndpoint& endpoint, const ApiRequest& request) {
  HttpRequest http;
  http.method = request.method;
  http.url = endpoint.base_url + request.path;
  http.headers.push_back("Accept: application/json");
  if (!request.body.empty() || request.method != "GET") {
    http.headers.push_back("Content-Type: " + request.content_type);
  }
  if (!request.bearer_token.empty()) {
    http.headers.push_back("Authorization: Bearer " + request.bearer_token);
  }
  http.body = request.body;
  http.timeout = request.timeout;  // connect_timeout 0: the same
  http.verify_tls = endpoint.verify_tls;
  http.max_body_bytes = 4 * 1024 * 1024;
  http.unix_socket = endpoint.unix_socket;
  http.ca_file = endpoint.ca_file;
  http.cert_file = endpoint.cert_file;
  http.key_file = endpoint.key_file;

  HttpResponse answer = perform(http);
  ApiResponse response;
  response.error = answer.error;
  response.error_text = std::move(answer.error_text);
  response.status = answer.status;
  response.body = std::move(answer.body);
  return response;
}

std::string url_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text) {
  std::tm parts{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year, &parts.tm_mon,
                  &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &consumed) != 6 ||
      consumed != 19 || parts.tm_year <= 1) {
    return std::nullopt;
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  std::size_t at = 19;
  std::chrono::nanoseconds fraction{0};
  if (at < text.size() && text[at] == '.') {
    long long scale = 100000000;
    for (++at; at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])); ++at) {
      fraction += std::chrono::nanoseconds((text[at] - '0') * scale);
      scale /= 10;
    }
  }
  std::chrono::seconds offset{0};
  if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int hours = 0, minutes = 0;
    if (std::sscanf(text.c_str() + at + 1, "%2d:%2d", &hours, &minutes) != 2) return std::nullopt;
    offset = std::chrono::hours(hours) + std::chrono::minutes(minutes);
    if (text[at] == '-') offset = -offset;
  } else if (at >= text.size() || (text[at] != 'Z' && text[at] != 'z')) {
    return std::nullopt;
  }
  const std::time_t seconds = timegm(&parts);
  return std::chrono::system_clock::from_time_t(seconds) - offset +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(fraction);
}

std::string format_rfc3339(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace watchdog::probes
