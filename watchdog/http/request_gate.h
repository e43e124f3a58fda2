#pragma once
// What every request to the watchdog's listener passes before cpp-httplib reads a body (its
// pre-routing handler). In cpp-httplib 0.11 set_payload_max_length applies to a Content-Length
// only: a chunked body, or a POST without a length (read until the peer closes), would be read
// whole into memory for any path before a handler could look at the token. So, before any body
// is read:
//   GET, HEAD        pass; 400 when they carry a body (no route reads one)
//   anything else    405 unless POST /api/v1/…; 401/403 without the right token; 503 once the
//                    daemon is stopping; 411 for Transfer-Encoding; 413 for a Content-Length
//                    over kMaxBody
// Every answer given here closes the connection: the body it did not read must never be parsed
// as the next request.

#include <cstddef>
#include <string>

#include "watchdog/http/api_token.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace watchdog::core {

inline constexpr std::size_t kMaxBody = 64 * 1024;

enum class Screened {
  Pass,      // let cpp-httplib read the (bounded) body and route the request
  Refused,   // answered here; the connection closes
  Bodiless,  // an authorised POST /api/v1/… without Content-Length: act on it without reading
};

Screened screen_request(const httplib::Request& req, httplib::Response& res, const ApiToken& token,
                        bool stopping);

// {"error": why} with `status`.
void json_error(httplib::Response& res, int status, const std::string& why);

// The connection closes once `res` is written (Connection: close; the front closes it).
void close_after(httplib::Response& res);

// "api 127.0.0.1:50312": who asked, for the log and the incident timeline.
std::string requested_by(const httplib::Request& req);

}  // namespace watchdog::core
