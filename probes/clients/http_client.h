#pragma once
// A small blocking HTTP client over libcurl, shared by the http probe, the alert senders and
// the Docker/Kubernetes API transport (probes/clients/api_transport.h), so the curl setup
// (timeouts, protocols, TLS, error classes) lives in one place. Every request has a hard total
// timeout. Errors come back in the response, never as exceptions. `error` uses curl's generic
// messages, which never contain the URL.
//
// Thread-safety: perform() may be called from many threads at once (one easy handle each).
// Call init_http_client() once in main() before any thread starts.
//
// HttpTransfer is the request set up on a curl easy handle, shared by perform() (blocking) and
// the engine's event loop (a curl multi handle), so both give the same response for a request.

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace watchdog::probes {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds connect_timeout{0};  // 0 = same as timeout
  bool follow_redirects = false;
  bool verify_tls = true;
  std::size_t max_body_bytes = 64 * 1024;  // the rest is read and discarded
  // Optional; paths, not contents. unix_socket: every request goes through this socket.
  std::string unix_socket;
  std::string ca_file;    // PEM bundle that signs the server's certificate ("" = system)
  std::string cert_file;  // client certificate (mutual TLS)
  std::string key_file;   // its private key
};

// LocalResource: the watchdog could not make the request (out of descriptors or memory).
enum class HttpError { None, Timeout, Refused, Resolve, Tls, LocalResource, Other };

struct HttpResponse {
  HttpError error = HttpError::None;
  std::string error_text;  // generic, safe to log ("Couldn't connect to server")
  long status = 0;         // 0 when no response was received
  std::string body;        // at most max_body_bytes
  std::map<std::string, std::string> headers;  // lower-case names, last value wins
  std::chrono::nanoseconds elapsed{0};
  bool ok() const { return error == HttpError::None; }
};

void init_http_client();
HttpResponse perform(const HttpRequest& request);

// One request in flight: an easy handle set up from `request` (timeouts, protocols, TLS,
// headers, body) and the response it fills. Not copyable or movable: curl keeps pointers into it.
class HttpTransfer {
 public:
  // The elapsed time counts from here. `reuse`: an easy handle a finished transfer gave back
  // (take_easy()), set up again here instead of allocating a new one per request.
  explicit HttpTransfer(const HttpRequest& request, void* reuse = nullptr);
  ~HttpTransfer();
  HttpTransfer(const HttpTransfer&) = delete;
  HttpTransfer& operator=(const HttpTransfer&) = delete;

  void* easy() const;  // the CURL* to perform (null when curl could not make one)
  // The response once curl ended the transfer with `code` (a CURLcode). Call once.
  HttpResponse finish(int code);
  // Hands the easy handle over (for the next HttpTransfer) once curl is done with it: after
  // finish(), and only when no multi handle holds it any more. It comes reset (curl_easy_reset:
  // every option back to its default, no pointer into this transfer, nothing of its request
  // kept for the next). Null when there is none.
  void* take_easy();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace watchdog::probes
