#include "probes/clients/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>

#include "config/text.h"

namespace watchdog::probes {
namespace {

struct Sink {
  HttpResponse* response;
  std::size_t max_body_bytes;
};

// Keeps the first max_body_bytes and swallows the rest, so the transfer still completes.
std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t bytes = size * count;
  std::string& body = sink->response->body;
  if (body.size() < sink->max_body_bytes) {
    body.append(data, std::min(bytes, sink->max_body_bytes - body.size()));
  }
  return bytes;
}

using config::trim;

// Called once per header line; a status line starts a new response (redirects, 100-continue),
// so only the final response's headers are kept.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t bytes = size * count;
  std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    sink->response->headers.clear();
    return bytes;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  std::string name(trim(line.substr(0, colon)));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!name.empty()) sink->response->headers[name] = std::string(trim(line.substr(colon + 1)));
  return bytes;
}

HttpError classify(CURLcode code) {
  switch (code) {
    case CURLE_OK:
      return HttpError::None;
    case CURLE_COULDNT_CONNECT:
      return HttpError::Refused;
    case CURLE_OPERATION_TIMEDOUT:
      return HttpError::Timeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return HttpError::Resolve;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
      return HttpError::Tls;
    default:
      return HttpError::Other;
  }
}

bool has_header(const std::vector<std::string>& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [&](const std::string& header) {
    if (header.size() <= name.size() || header[name.size()] != ':') return false;
    return std::equal(name.begin(), name.end(), header.begin(), [](char a, char b) {
      return std::tolower(static_cast<unsigned char>(a)) ==
             std::tolower(static_cast<unsigned char>(b));
    });
  });
}

long to_ms(std::chrono::milliseconds d) {
  return static_cast<long>(std::max<long long>(1, d.count()));
}

struct EasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

void init_http_client() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpResponse perform(const HttpRequest& request) {
  init_http_client();  // cheap after the first call; protects callers that forgot
  HttpResponse response;
  auto start = std::chrono::steady_clock::now();
  auto finish = [&](HttpError error, CURLcode code) {
    response.error = error;
    if (error != HttpError::None) response.error_text = curl_easy_strerror(code);
    response.elapsed = std::chrono::steady_clock::now() - start;
    return std::move(response);
  };

  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return finish(HttpError::Other, CURLE_FAILED_INIT);
  CURL* h = curl.get();
  Sink sink{&response, request.max_body_bytes};

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
    if (grown != nullptr) {
      static_cast<void>(headers.release());
      headers.reset(grown);
    }
  };
  // No "Expect: 100-continue" round trip unless the caller asks for it.
  if (!has_header(request.headers, "Expect")) add_header("Expect:");
  for (const auto& line : request.headers) add_header(line);

  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, to_ms(request.timeout));
  auto connect_timeout =
      request.connect_timeout.count() > 0 ? request.connect_timeout : request.timeout;
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, to_ms(connect_timeout));
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
  if (!request.unix_socket.empty()) {
    curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, request.unix_socket.c_str());
  }
  if (!request.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, request.ca_file.c_str());
  if (!request.cert_file.empty()) curl_easy_setopt(h, CURLOPT_SSLCERT, request.cert_file.c_str());
  if (!request.key_file.empty()) curl_easy_setopt(h, CURLOPT_SSLKEY, request.key_file.c_str());
  curl_easy_setopt(h, CURLOPT_USERAGENT, "watchdog");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);

  if (request.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET" || !request.body.empty()) {
    // POSTFIELDS makes curl send the body (possibly empty); CUSTOMREQUEST renames the verb.
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
    if (request.method != "POST") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }

  CURLcode code = curl_easy_perform(h);
  long status = 0;
  if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK) response.status = status;
  return finish(classify(code), code);
}

}  // namespace watchdog::probes
