#pragma once
// The operator API's bearer token check. Only the token's SHA-256 digest is kept; a presented
// token is hashed and the two equal-length digests are compared with CRYPTO_memcmp, so the time
// taken says nothing about how much of a guess was right (nor about the token's length).
//
// Thread-safety: check() may run on every HTTP thread while set() swaps the token (SIGHUP).

#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace watchdog::core {

enum class TokenVerdict {
  NotConfigured,  // no watchdog.api_token_file: every POST is refused (403)
  Missing,        // no "Authorization: Bearer …" header (401)
  Wrong,          // a token that is not the configured one (403)
  Accepted,
};

class ApiToken {
 public:
  // nullopt (or "") = no token configured.
  void set(const std::optional<std::string>& token);
  bool configured() const;
  // `authorization`: the Authorization header's value ("" when absent).
  TokenVerdict check(std::string_view authorization) const;

 private:
  using Digest = std::array<unsigned char, 32>;
  static Digest digest_of(std::string_view text);

  mutable std::mutex mutex_;
  std::optional<Digest> expected_;
};

}  // namespace watchdog::core
