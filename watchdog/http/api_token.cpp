#include "watchdog/http/api_token.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace watchdog::core {

ApiToken::Digest ApiToken::digest_of(std::string_view text) {
  Digest digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
}

void ApiToken::set(const std::optional<std::string>& token) {
  std::optional<Digest> fresh;
  if (token && !token->empty()) fresh = digest_of(*token);
  std::lock_guard lock(mutex_);
  expected_ = fresh;
}

bool ApiToken::configured() const {
  std::lock_guard lock(mutex_);
  return expected_.has_value();
}

TokenVerdict ApiToken::check(std::string_view authorization) const {
  std::optional<Digest> expected;
  {
    std::lock_guard lock(mutex_);
    expected = expected_;
  }
  if (!expected) return TokenVerdict::NotConfigured;
  // The scheme is case-insensitive (RFC 7235); one space, then the token as it is.
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return TokenVerdict::Missing;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c) != kScheme[i]) return TokenVerdict::Missing;
  }
  const auto presented = digest_of(authorization.substr(kScheme.size()));
  return CRYPTO_memcmp(presented.data(), expected->data(), presented.size()) == 0
             ? TokenVerdict::Accepted
             : TokenVerdict::Wrong;
}

}  // namespace watchdog::core
