#include "probes/clients/http_client.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <memory>
#include <mutex>
#include <string_view>
#include <system_error>
#include <utility>

#include "config/text.h"
#include "probes/clients/failure_kind.h"

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

// curl's receive buffer, one per easy handle (16 KiB by default): with thousands of checks in
// flight at once (every probe checks at start) those buffers were most of the start-up peak.
// Health answers fit in one read of this; a larger body only takes more reads (on_body still
// sees all of it, up to max_body_bytes).
constexpr long kReceiveBufferBytes = 4096;

long to_ms(std::chrono::milliseconds d) {
  return static_cast<long>(std::max<long long>(1, d.count()));
}

struct EasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// curl reports a socket() that failed for lack of descriptors as "couldn't connect", like a
// refusal: the socket is opened here so that the errno of that call is known.
curl_socket_t open_socket(void* socket_errno, curlsocktype, curl_sockaddr* address) {
  const int fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  // The latest attempt's: a failed extra attempt (happy eyeballs) followed by one that opened
  // must not make the target's own timeout or refusal look like the watchdog's exhaustion.
  *static_cast<int*>(socket_errno) = fd < 0 ? errno : 0;
  return fd < 0 ? CURL_SOCKET_BAD : fd;
}

}  // namespace

void init_http_client() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct HttpTransfer::State {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  int socket_errno = 0;  // of a socket() that failed (open_socket)
  HttpResponse response;
  Sink sink{&response, 0};
  std::string body;  // CURLOPT_POSTFIELDS is not copied by curl
  std::unique_ptr<CURL, EasyDeleter> curl;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
};

HttpTransfer::HttpTransfer(const HttpRequest& request, void* reuse)
    : state_(std::make_unique<State>()) {
  init_http_client();  // cheap after the first call; protects callers that forgot
  state_->curl.reset(reuse != nullptr ? static_cast<CURL*>(reuse) : curl_easy_init());
  if (!state_->curl) return;
  CURL* h = state_->curl.get();
  state_->sink.max_body_bytes = request.max_body_bytes;
  state_->body = request.body;

  auto& headers = state_->headers;
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
  curl_easy_setopt(h, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &state_->socket_errno);
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
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &state_->sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &state_->sink);

  if (request.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET" || !request.body.empty()) {
    // POSTFIELDS makes curl send the body (possibly empty); CUSTOMREQUEST renames the verb.
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(state_->body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, state_->body.c_str());
    if (request.method != "POST") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }
}

HttpTransfer::~HttpTransfer() = default;

void* HttpTransfer::easy() const { return state_->curl.get(); }

void* HttpTransfer::take_easy() {
  if (state_->curl) curl_easy_reset(state_->curl.get());
  return state_->curl.release();
}

HttpResponse HttpTransfer::finish(int code) {
  auto curl_code = static_cast<CURLcode>(code);
  HttpResponse& response = state_->response;
  long status = 0;
  if (state_->curl &&
      curl_easy_getinfo(state_->curl.get(), CURLINFO_RESPONSE_CODE, &status) == CURLE_OK) {
    response.status = status;
  }
  response.error = classify(curl_code);
  if (response.error != HttpError::None) response.error_text = curl_easy_strerror(curl_code);
  // Our own exhaustion, not the target's answer (open_socket).
  if (response.error != HttpError::None && is_local_exhaustion(state_->socket_errno)) {
    response.error = HttpError::LocalResource;
    response.error_text = std::generic_category().message(state_->socket_errno);
  } else if (curl_code == CURLE_OUT_OF_MEMORY) {
    response.error = HttpError::LocalResource;
  }
  response.elapsed = std::chrono::steady_clock::now() - state_->start;
  return std::move(response);
}

HttpResponse perform(const HttpRequest& request) {
  HttpTransfer transfer(request);
  if (transfer.easy() == nullptr) return transfer.finish(CURLE_FAILED_INIT);
  return transfer.finish(curl_easy_perform(static_cast<CURL*>(transfer.easy())));
}

}  // namespace watchdog::probes
