#include "probes/clients/api_transport.h"

#include <cctype>
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

}  // namespace watchdog::probes
