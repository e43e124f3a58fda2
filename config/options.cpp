#include "config/options.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cstdlib>

#include "config/bounded_file.h"
#include "config/env.h"
#include "config/options_impl.h"
#include "config/redaction.h"
#include "config/text.h"

namespace watchdog::config {
namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string unknown_key_message(const std::string& key, const std::vector<std::string>& known) {
  std::string message = "unknown key";
  for (const auto& candidate : known) {
    if (edit_distance(key, candidate) <= 2) return message + " (did you mean '" + candidate + "'?)";
  }
  if (known.empty()) return message;
  message += " (expected one of: ";
  for (std::size_t i = 0; i < known.size(); ++i) message += (i ? ", " : "") + known[i];
  return message + ")";
}

// The scalar's text with ${ENV} expanded; errors for non-scalars name `expected`.
Expansion expanded(const Options::Impl& impl, const YAML::Node& node, const YAML::Mark& mark,
                   const std::string& path, const std::string& expected) {
  if (!node.IsScalar()) impl.fail_at(mark, path, "expected " + expected);
  try {
    Expansion text = expand_env(node.Scalar());
    // A ${VAR} whose name says secret (API_TOKEN, DB_PASSWORD) is one wherever it is used: in
    // argv, a URL or a header it can be echoed back just the same.
    for (const auto& variable : text.variables) {
      if (!names_a_secret(variable)) continue;
      if (const char* value = std::getenv(variable.c_str())) note_secret(value);
    }
    return text;
  } catch (const std::invalid_argument& error) {
    impl.fail_at(mark, path, error.what());
  }
}

// Applies `convert` to the expanded scalar, turning std::invalid_argument into a ConfigError.
// A value that came from ${ENV} is quoted as written, not as expanded.
template <typename Convert>
auto convert_scalar(const Options::Impl& impl, const YAML::Node& node, const YAML::Mark& mark,
                    const std::string& path, const std::string& expected, Convert convert) {
  Expansion text = expanded(impl, node, mark, path, expected);
  try {
    return convert(text.value);
  } catch (const std::invalid_argument& error) {
    std::string reason = error.what();
    if (!text.variables.empty() && !text.value.empty()) {
      const std::string& written = node.Scalar();
      for (auto at = reason.find(text.value); at != std::string::npos;
           at = reason.find(text.value, at + written.size())) {
        reason.replace(at, text.value.size(), written);
      }
    }
    impl.fail_at(mark, path, reason);
  }
}

long long parse_integer(const std::string& text, long long min, long long max) {
  long long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  std::string range = max == LLONG_MAX
                          ? "at least " + std::to_string(min)
                          : "between " + std::to_string(min) + " and " + std::to_string(max);
  if (text.empty() || error == std::errc::invalid_argument || end != text.data() + text.size()) {
    throw std::invalid_argument("expected an integer " + range + ", got '" + text + "'");
  }
  if (error == std::errc::result_out_of_range || value < min || value > max) {
    throw std::invalid_argument("must be " + range + ", got " + text);
  }
  return value;
}

bool parse_boolean(const std::string& text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  throw std::invalid_argument("expected true or false, got '" + text + "'");
}

// Registers a secret's value and the values of the ${VAR}s it was built from ("Bearer ${TOKEN}"
// echoes TOKEN alone just as well) with the loading thread's SecretCollector.
void note_expanded_secret(const Expansion& text) {
  note_secret(text.value);
  for (const auto& variable : text.variables) {
    if (const char* value = std::getenv(variable.c_str())) note_secret(value);
  }
}

}  // namespace

ConfigError::ConfigError(const std::string& message)
    : std::runtime_error(escape_unprintable(message)) {}

Options::Options() = default;
Options::~Options() = default;
Options::Options(const Options&) = default;
Options& Options::operator=(const Options&) = default;
Options::Options(Options&&) noexcept = default;
Options& Options::operator=(Options&&) noexcept = default;
Options::Options(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

const Options::Impl& Options::view() const {
  static const Impl kEmpty;
  return impl_ ? *impl_ : kEmpty;
}

Options::Impl& Options::impl() {
  if (!impl_) impl_ = std::make_shared<Impl>();  // first read of an empty view
  return *impl_;
}

const std::string& Options::path() const { return view().path; }
std::string Options::location() const { return location_text(view().source, view().mark); }
bool Options::has(const std::string& key) const { return view().find(key) != nullptr; }

std::optional<std::string> Options::string(const std::string& key) {
  const auto* entry = impl().use(key);
  if (!entry) return std::nullopt;
  return expanded(impl(), entry->value, impl().value_mark(*entry), impl().key_path(key), "a string")
      .value;
}

std::string Options::string_or(const std::string& key, const std::string& fallback) {
  return string(key).value_or(fallback);
}

std::string Options::required_string(const std::string& key) {
  auto value = string(key);
  if (!value) impl().fail_at(impl().mark, impl().key_path(key), "missing required key");
  return *value;
}

std::optional<TemplatedString> Options::templated(const std::string& key) {
  const auto* entry = impl().use(key);
  if (!entry) return std::nullopt;
  auto value =
      expanded(impl(), entry->value, impl().value_mark(*entry), impl().key_path(key), "a string");
  return TemplatedString{std::move(value.value), entry->value.Scalar()};
}

std::vector<std::string> Options::string_list(const std::string& key) {
  std::vector<std::string> out;
  for (auto& item : templated_list(key)) out.push_back(std::move(item.value));
  return out;
}

std::vector<TemplatedString> Options::templated_list(const std::string& key) {
  const auto* entry = impl().use(key);
  std::vector<TemplatedString> out;
  if (!entry) return out;
  if (!entry->value.IsSequence()) {
    impl().fail_at(impl().value_mark(*entry), impl().key_path(key), "expected a list");
  }
  for (std::size_t i = 0; i < entry->value.size(); ++i) {
    const YAML::Node item = entry->value[i];
    auto mark = item.IsNull() ? impl().value_mark(*entry) : item.Mark();
    auto path = impl().key_path(key) + "[" + std::to_string(i) + "]";
    out.push_back({expanded(impl(), item, mark, path, "a string").value, item.Scalar()});
  }
  return out;
}

std::map<std::string, std::string> Options::string_map(const std::string& key) {
  auto child = child_impl(impl(), key);
  std::map<std::string, std::string> out;
  for (const auto& entry : child->entries) {
    auto text = expanded(*child, entry.value, child->value_mark(entry), child->key_path(entry.key),
                         "a string");
    // `env: {DB_PASSWORD: …}`, `headers: {Authorization: Bearer ${TOKEN}}`: secret by name.
    bool secret = names_a_secret(entry.key);
    for (const auto& variable : text.variables) secret = secret || names_a_secret(variable);
    if (secret) note_expanded_secret(text);
    out[entry.key] = std::move(text.value);
  }
  return out;
}

std::optional<Duration> Options::duration(const std::string& key) {
  const auto* entry = impl().use(key);
  if (!entry) return std::nullopt;
  return convert_scalar(impl(), entry->value, impl().value_mark(*entry), impl().key_path(key),
                        "a duration like 30s",
                        [](const std::string& t) { return parse_duration(t); });
}

Duration Options::duration_or(const std::string& key, Duration fallback) {
  return duration(key).value_or(fallback);
}

std::optional<std::uint64_t> Options::size(const std::string& key) {
  const auto* entry = impl().use(key);
  if (!entry) return std::nullopt;
  return convert_scalar(impl(), entry->value, impl().value_mark(*entry), impl().key_path(key),
                        "a size like 512MiB", [](const std::string& t) { return parse_size(t); });
}

std::optional<double> Options::ratio(const std::string& key) {
  const auto* entry = impl().use(key);
  if (!entry) return std::nullopt;
  return convert_scalar(impl(), entry->value, impl().value_mark(*entry), impl().key_path(key),
                        "a ratio like 90%", [](const std::string& t) { return parse_ratio(t); });
}

double Options::ratio_or(const std::string& key, double fallback) {
  return ratio(key).value_or(fallback);
}

std::optional<long long> Options::integer(const std::string& key, long long min, long long max) {
  const auto* entry = impl().use(key);
  if (!entry) return std::nullopt;
  return convert_scalar(impl(), entry->value, impl().value_mark(*entry), impl().key_path(key),
                        "an integer",
                        [&](const std::string& t) { return parse_integer(t, min, max); });
}

long long Options::integer_or(const std::string& key, long long fallback, long long min,
                              long long max) {
  return integer(key, min, max).value_or(fallback);
}

std::vector<long long> Options::integer_list(const std::string& key, long long min, long long max) {
  const auto* entry = impl().use(key);
  std::vector<long long> out;
  if (!entry) return out;
  if (!entry->value.IsSequence()) {
    impl().fail_at(impl().value_mark(*entry), impl().key_path(key), "expected a list");
  }
  for (std::size_t i = 0; i < entry->value.size(); ++i) {
    const YAML::Node item = entry->value[i];
    auto mark = item.IsNull() ? impl().value_mark(*entry) : item.Mark();
    auto path = impl().key_path(key) + "[" + std::to_string(i) + "]";
    out.push_back(convert_scalar(impl(), item, mark, path, "an integer",
                                 [&](const std::string& t) { return parse_integer(t, min, max); }));
  }
  return out;
}

std::optional<bool> Options::boolean(const std::string& key) {
  const auto* entry = impl().use(key);
  if (!entry) return std::nullopt;
  return convert_scalar(impl(), entry->value, impl().value_mark(*entry), impl().key_path(key),
                        "true or false", [](const std::string& t) { return parse_boolean(t); });
}

bool Options::boolean_or(const std::string& key, bool fallback) {
  return boolean(key).value_or(fallback);
}

std::optional<Secret> Options::secret(const std::string& key) {
  const std::string file_key = key + "_file";
  const auto* inline_entry = impl().use(key);
  const auto* file_entry = impl().use(file_key);
  if (inline_entry && file_entry) {
    impl().fail_at(file_entry->key_node.Mark(), impl().key_path(file_key),
                   "give either '" + key + "' or '" + file_key + "', not both");
  }
  if (inline_entry) {
    auto value = expanded(impl(), inline_entry->value, impl().value_mark(*inline_entry),
                          impl().key_path(key), "a string");
    std::string source =
        value.variables.size() == 1 ? "env " + value.variables.front() : std::string("inline");
    note_expanded_secret(value);
    return Secret{std::move(value.value), std::move(source)};
  }
  if (!file_entry) return std::nullopt;
  auto mark = impl().value_mark(*file_entry);
  auto path = expanded(impl(), file_entry->value, mark, impl().key_path(file_key), "a file path");
  if (path.value.empty()) impl().fail_at(mark, impl().key_path(file_key), "must not be empty");
  std::string error;
  auto value = read_regular_file(path.value, kMaxSecretFileBytes, error);
  if (!value) {
    impl().fail_at(mark, impl().key_path(file_key), "cannot read " + path.value + ": " + error);
  }
  while (!value->empty() && std::isspace(static_cast<unsigned char>(value->back()))) {
    value->pop_back();
  }
  note_secret(*value);
  return Secret{std::move(*value), "file " + path.value};
}

Secret Options::required_secret(const std::string& key) {
  auto value = secret(key);
  if (!value) {
    impl().fail_at(impl().mark, impl().key_path(key), "missing required key (or " + key + "_file)");
  }
  return std::move(*value);
}

Options Options::child(const std::string& key) { return Options(child_impl(impl(), key)); }

std::vector<Options> Options::child_list(const std::string& key) {
  std::vector<Options> out;
  for (auto& item : ::watchdog::config::child_list(impl(), key, false)) {
    out.emplace_back(std::move(item));
  }
  return out;
}

void Options::fail(const std::string& key, const std::string& message) const {
  const Impl& self = view();
  const auto* entry = self.find(key);
  self.fail_at(entry ? self.value_mark(*entry) : self.mark, self.key_path(key), message);
}

void Options::finish() const {
  const Impl& self = view();
  for (const auto& entry : self.entries) {
    if (self.read.count(entry.key) == 0) {
      self.fail_at(entry.key_node.Mark(), self.key_path(entry.key),
                   unknown_key_message(entry.key, self.known));
    }
  }
}

}  // namespace watchdog::config
