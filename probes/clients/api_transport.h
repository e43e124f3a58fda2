#pragma once
// One JSON-API request, for the Docker Engine and Kubernetes API clients: a unix socket or TCP,
// TLS with a private CA and an optional client certificate, an optional bearer token, and a
// hard total timeout. It adds the JSON headers and goes through perform()
// (probes/clients/http_client.h), so the libcurl setup and error classes are the http probe's.
// Errors come back in the response, never as exceptions. Nothing here logs; error texts are curl's
// generic messages and never contain a URL or token.
//
// Thread-safety: call() may run on many threads at once (one easy handle per call).

#include <chrono>
#include <optional>
#include <string>

#include "config/time_text.h"
#include "probes/clients/http_client.h"

namespace watchdog::probes {

// Where an API lives and how to trust it. Paths (not contents) of the TLS files.
struct ApiEndpoint {
  std::string base_url;     // "http://docker" with a unix socket, "https://10.0.0.1:6443"
  std::string unix_socket;  // when set, every request goes through this socket
  std::string ca_file;      // PEM bundle that signs the server's certificate ("" = system)
  std::string cert_file;    // client certificate (mutual TLS), optional
  std::string key_file;     // its private key, optional
  bool verify_tls = true;
};

struct ApiRequest {
  std::string method = "GET";
  std::string path;  // "/containers/json?all=1", already URL-encoded
  std::string body;
  std::string content_type = "application/json";
  std::string bearer_token;  // secret: sent as Authorization, never logged
  std::chrono::milliseconds timeout{5000};
};

struct ApiResponse {
  HttpError error = HttpError::None;
  std::string error_text;  // generic curl message when error != None
  long status = 0;
  std::string body;  // at most 4 MiB
  bool ok() const { return error == HttpError::None; }
};

ApiResponse call(const ApiEndpoint& endpoint, const ApiRequest& request);

// Percent-encodes everything but unreserved characters (RFC 3986), for query values and path
// segments.
std::string url_encode(const std::string& text);

// The API clients read and write RFC 3339 times (Docker's "2026-11-22T06:14:55.870738214Z",
// Kubernetes' "2026-11-22T06:14:55Z") through the shared helpers of config/time_text.h.
using config::format_rfc3339;
using config::parse_rfc3339;

}  // namespace watchdog::probes
