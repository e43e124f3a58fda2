#pragma once
// Secret redaction: ONE mechanism that scrubs every configured secret out of foreign text (a
// probe's detail, an action's output, an alert sink's error body, a log line) before it reaches
// logs, alerts, the state store, the HTTP API or the CLI.
//
// Secrets are noted while a configuration is read (Options::secret(), and `env:`/`headers:`
// entries whose key or ${VAR} names a secret) into the SecretCollector of the loading thread;
// the loader then installs the whole set as the process-wide registry in one swap (a reload
// replaces it; a rejected reload leaves it as it was). Values that are read again at run time
// (a Kubernetes service-account token file) are added with remember_runtime_secret().
//
// redact() replaces every occurrence of a secret, in each form it may take on the wire (as
// written, URL-encoded, base64, a URL's password, token-like path parts and query values, a
// libpq DSN's password, the credential of "Bearer …"), by "[REDACTED]". Overlapping or adjacent
// matches become one marker. Values shorter than kMinSecretBytes are skipped: a 1–3 byte
// "secret" hides nothing a guess would not find, and scrubbing it would garble every line.
//
// Thread-safety: all functions may be called from any thread; redact() works on an immutable
// snapshot and never blocks a concurrent install for longer than a pointer copy.

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/multi_string_matcher.h"

namespace watchdog::config {

inline constexpr std::size_t kMinSecretBytes = 4;
inline constexpr std::string_view kRedactedMarker = "[REDACTED]";

// The forms of one secret worth searching for (each at least kMinSecretBytes long, no
// duplicates). Empty for a value that is too short.
std::vector<std::string> secret_forms(std::string_view secret);

// True when a key or variable name says it holds a secret: "DB_PASSWORD", "Authorization",
// "X-Api-Key", "GITHUB_TOKEN" (case and '-'/'_' ignored).
bool names_a_secret(std::string_view name);

// An immutable set of search strings built from secret values.
class Redactor {
 public:
  Redactor() = default;
  explicit Redactor(const std::vector<std::string>& secrets);

  // `text` with every secret form replaced by kRedactedMarker. One pass over `text`, however
  // many secrets there are (multi_string_matcher.h).
  std::string redact(std::string_view text) const;
  bool empty() const { return forms_.empty(); }

 private:
  MultiStringMatcher forms_;
};

// ---- the process-wide registry ----

// Replaces the configuration's secrets; the previous configuration's stay redacted too until the
// next install (what its plan started may still print them). Runtime secrets are kept.
void install_secrets(const std::vector<std::string>& secrets);
// A secret read at run time, keyed by where it came from ("token_file /var/run/…/token"): the
// current and the previous value of each source are redacted (a rotated token may still echo).
void remember_runtime_secret(const std::string& source, const std::string& value);
// Forgets every secret (tests).
void clear_secrets();

// The registry's redaction of `text`; a copy of it when no secret is installed.
std::string redact(std::string_view text);
void redact_in_place(std::string& text);

// ---- collecting secrets while a configuration loads ----

// While alive, note_secret() calls on this thread are gathered here (nested collectors each
// see what was noted during their own lifetime). Not copyable; one thread.
class SecretCollector {
 public:
  SecretCollector();
  ~SecretCollector();
  SecretCollector(const SecretCollector&) = delete;
  SecretCollector& operator=(const SecretCollector&) = delete;

  std::vector<std::string> take() { return std::move(secrets_); }

 private:
  friend void note_secret(std::string_view value);
  std::vector<std::string> secrets_;
  SecretCollector* outer_;
};

// Adds `value` to every active collector of this thread (nothing when there is none).
void note_secret(std::string_view value);

}  // namespace watchdog::config
