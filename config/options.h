#pragma once
// Options: a typed, error-reporting view of one YAML mapping (a probe's, an action's or an
// alert's settings). Each kind reads the keys it knows through it; finish() then rejects any key
// nobody read, so a typo never silently disables a check. Every error is a ConfigError that
// names file:line:column and the full key path, and never contains a secret's value.
//
// Strings go through ${ENV} expansion. A key K that holds a secret may instead be given as
// K_file (a path whose trimmed content is the value); see secret().
//
// Lifetime: an Options object is used during loading only, by one thread. Its YAML nodes keep
// the whole document alive (yaml-cpp shares one memory pool per document), so a built Plan
// keeps none (watchdog/plan.cpp drops them once the factories have read them).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/units.h"

namespace watchdog::config {

// A bad configuration. what() is the complete, user-facing message:
// "watchdog.yaml:12:7: components[0].probes[1].interval: unknown unit 'sx' (expected ms, s, m, h,
// d)". Control characters and invalid UTF-8 in `message` (quoted file content, a path) are
// escaped (escape_unprintable in config/text.h), so no error path can put raw bytes on a terminal.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& message);
};

// A value that must never be printed. `source` says where it came from for summaries:
// "env OPS_WEBHOOK_URL", "file /run/secrets/url" or "inline".
struct Secret {
  std::string value;
  std::string source;
};

// A string that may contain ${ENV} references: `value` is expanded, `display` is the text as
// written (safe to log, since the expanded parts may be secret).
struct TemplatedString {
  std::string value;
  std::string display;
};

class Options {
 public:
  Options();  // empty mapping, nothing to read; allocates nothing until read
  ~Options();
  // Copies share the mapping and its read marks (finish() sees every copy's reads).
  Options(const Options&);
  Options& operator=(const Options&);
  Options(Options&&) noexcept;  // leaves `other` an empty mapping
  Options& operator=(Options&&) noexcept;

  // "components[0].probes[1]" — the path of this mapping, used as a prefix in errors.
  const std::string& path() const;
  // "watchdog.yaml:12:7" — where this mapping starts.
  std::string location() const;
  bool has(const std::string& key) const;

  std::optional<std::string> string(const std::string& key);
  std::string string_or(const std::string& key, const std::string& fallback);
  std::string required_string(const std::string& key);
  std::optional<TemplatedString> templated(const std::string& key);
  std::vector<std::string> string_list(const std::string& key);
  // Each element keeps its template for display (argv with ${ENV} in it).
  std::vector<TemplatedString> templated_list(const std::string& key);
  std::map<std::string, std::string> string_map(const std::string& key);

  std::optional<Duration> duration(const std::string& key);
  Duration duration_or(const std::string& key, Duration fallback);
  std::optional<std::uint64_t> size(const std::string& key);
  std::optional<double> ratio(const std::string& key);
  double ratio_or(const std::string& key, double fallback);
  std::optional<long long> integer(const std::string& key, long long min, long long max);
  long long integer_or(const std::string& key, long long fallback, long long min, long long max);
  std::vector<long long> integer_list(const std::string& key, long long min, long long max);
  std::optional<bool> boolean(const std::string& key);
  bool boolean_or(const std::string& key, bool fallback);

  // Reads K (${ENV} expanded) or K_file (file content, trailing newline trimmed); both given is
  // an error. Missing env variables and unreadable files are errors that name the variable or
  // path but never print a value.
  std::optional<Secret> secret(const std::string& key);
  Secret required_secret(const std::string& key);

  // A nested mapping, e.g. `headers:`; absent → an empty Options with the right path.
  Options child(const std::string& key);
  // A list of mappings (paths key[0], key[1], …); absent → empty; anything else is an error.
  std::vector<Options> child_list(const std::string& key);

  // An error about `key` at that key's position (or this mapping's, when the key is absent).
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  // Throws a ConfigError for the first key that no accessor above has read.
  void finish() const;

  struct Impl;
  explicit Options(std::shared_ptr<Impl> impl);

 private:
  const Impl& view() const;  // an empty mapping's when there is no Impl yet
  Impl& impl();              // creates the Impl on first use
  std::shared_ptr<Impl> impl_;  // null = empty mapping
};

}  // namespace watchdog::config
