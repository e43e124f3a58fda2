#include "config/redaction.h"

#include <algorithm>
#include <cctype>
#include <mutex>

namespace watchdog::config {
namespace {

bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// A URL path part or query value that looks generated rather than a word: a Slack
// "T00000000", a token "s3cr3t-abcd1234". Words like "services" or "healthz" stay readable.
bool token_like(std::string_view part) {
  if (part.size() >= 16) return true;
  if (part.size() < 8) return false;
  return std::any_of(part.begin(), part.end(), is_digit) &&
         std::any_of(part.begin(), part.end(), is_alpha);
}

std::string percent_encoded(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[static_cast<unsigned char>(c) >> 4];
      out += kHex[static_cast<unsigned char>(c) & 0xF];
    }
  }
  return out;
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  const char low = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return low >= 'a' && low <= 'f' ? low - 'a' + 10 : -1;
}

std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int high = i + 2 < text.size() && text[i] == '%' ? hex_value(text[i + 1]) : -1;
    const int low = high >= 0 ? hex_value(text[i + 2]) : -1;
    if (low >= 0) {
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// Standard base64 with padding; `determined_only` keeps just the characters that do not depend
// on what follows the value, so that it is also found as the start of a longer encoded blob.
std::string base64(std::string_view text, bool determined_only) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(text[i]) << 16;
    if (i + 1 < text.size()) n |= static_cast<unsigned char>(text[i + 1]) << 8;
    if (i + 2 < text.size()) n |= static_cast<unsigned char>(text[i + 2]);
    const std::size_t chars = std::min<std::size_t>(text.size() - i, 3) + 1;
    for (std::size_t c = 0; c < 4; ++c)
      out += c < chars ? kAlphabet[(n >> (18 - 6 * c)) & 0x3F] : '=';
  }
  if (determined_only) out.resize(text.size() * 8 / 6);
  return out;
}

void add(std::vector<std::string>& forms, std::string form) {
  if (form.size() < kMinSecretBytes) return;
  if (std::find(forms.begin(), forms.end(), form) == forms.end()) forms.push_back(std::move(form));
}

// A part that appears as written and, in text that echoes a decoded URL, decoded.
void add_url_part(std::vector<std::string>& forms, std::string_view part) {
  add(forms, std::string(part));
  add(forms, percent_decoded(part));
}

// scheme://user:password@host/path?query — the password (and Basic auth's base64 of
// "user:password"), token-like path parts and secret query values.
void add_url_forms(std::vector<std::string>& forms, std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0 ||
      !std::all_of(url.begin(), url.begin() + static_cast<long>(scheme_end),
                   [](char c) { return is_alpha(c) || c == '+' || c == '.' || c == '-'; })) {
    return;
  }
  const auto rest = url.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?#");
  const auto authority = rest.substr(0, authority_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const auto userinfo = authority.substr(0, at);
    if (const auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      const auto password = userinfo.substr(colon + 1);
      add_url_part(forms, password);
      const auto credentials =
          percent_decoded(userinfo.substr(0, colon)) + ":" + percent_decoded(password);
      add(forms, base64(credentials, false));
    }
  }
  if (authority_end == std::string_view::npos) return;
  auto tail = rest.substr(authority_end);
  tail = tail.substr(0, tail.find('#'));
  const auto query_at = tail.find('?');
  const auto path = tail.substr(0, query_at);
  for (std::size_t begin = 0; begin < path.size();) {
    auto end = path.find('/', begin);
    if (end == std::string_view::npos) end = path.size();
    const auto segment = path.substr(begin, end - begin);
    if (token_like(segment)) add_url_part(forms, segment);
    begin = end + 1;
  }
  if (query_at == std::string_view::npos) return;
  const auto query = tail.substr(query_at + 1);
  for (std::size_t begin = 0; begin < query.size();) {
    auto end = query.find('&', begin);
    if (end == std::string_view::npos) end = query.size();
    const auto pair = query.substr(begin, end - begin);
    if (const auto eq = pair.find('='); eq != std::string_view::npos) {
      const auto value = pair.substr(eq + 1);
      if (names_a_secret(pair.substr(0, eq)) || token_like(value)) add_url_part(forms, value);
    }
    begin = end + 1;
  }
}

// libpq key=value conninfo: password=secret or password='it''s \' quoted'.
void add_conninfo_password(std::vector<std::string>& forms, std::string_view text) {
  for (auto at = text.find("password"); at != std::string_view::npos;
       at = text.find("password", at + 1)) {
    if (at > 0 && !std::isspace(static_cast<unsigned char>(text[at - 1]))) continue;
    auto i = at + 8;
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size() || text[i] != '=') continue;
    ++i;
    while (i < text.size() && text[i] == ' ') ++i;
    std::string value;
    if (i < text.size() && text[i] == '\'') {
      for (++i; i < text.size() && text[i] != '\''; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        value += text[i];
      }
    } else {
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) {
        value += text[i++];
      }
    }
    add(forms, value);
  }
}

}  // namespace

bool names_a_secret(std::string_view name) {
  std::string low;
  for (char c : name) {
    if (c != '-' && c != '_') low += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (const char* word :
       {"pass", "token", "secret", "auth", "apikey", "privatekey", "credential", "cookie", "dsn"}) {
    if (low.find(word) != std::string::npos) return true;
  }
  return false;
}

std::vector<std::string> secret_forms(std::string_view secret) {
  std::vector<std::string> forms;
  if (secret.size() < kMinSecretBytes) return forms;
  add(forms, std::string(secret));
  add(forms, percent_encoded(secret));
  add(forms, base64(secret, false));
  if (secret.size() >= 6) add(forms, base64(secret, true));  // ≥ 8 characters: not a word
  add_url_forms(forms, secret);
  add_conninfo_password(forms, secret);
  // "Bearer abc…", "Basic dXNlcjpwYXNz": the credential alone.
  if (const auto space = secret.find(' ');
      space != std::string_view::npos && space > 0 &&
      secret.find(' ', space + 1) == std::string_view::npos &&
      std::all_of(secret.begin(), secret.begin() + static_cast<long>(space), is_alpha)) {
    add(forms, std::string(secret.substr(space + 1)));
  }
  return forms;
}

Redactor::Redactor(const std::vector<std::string>& secrets) {
  std::vector<std::string> forms;
  for (const auto& secret : secrets) {
    for (auto& form : secret_forms(secret)) forms.push_back(std::move(form));
  }
  forms_ = MultiStringMatcher(std::move(forms));
}

std::string Redactor::redact(std::string_view text) const {
  std::vector<bool> covered;  // allocated on the first match only
  forms_.find(text, [&](std::size_t begin, std::size_t end) {
    if (covered.empty()) covered.resize(text.size(), false);
    std::fill(covered.begin() + static_cast<long>(begin), covered.begin() + static_cast<long>(end),
              true);
  });
  if (covered.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (!covered[i]) {
      out += text[i++];
      continue;
    }
    out += kRedactedMarker;
    while (i < text.size() && covered[i]) ++i;
  }
  return out;
}

namespace {

struct Registry {
  std::mutex mutex;
  std::vector<std::string> from_config;
  // The configuration before the last reload: work it started (an action, a backup) may still
  // print a secret the new file rotated away.
  std::vector<std::string> from_previous_config;
  std::map<std::string, std::vector<std::string>> from_runtime;  // source → last two values
  std::shared_ptr<const Redactor> current = std::make_shared<const Redactor>();

  void rebuild() {  // holds `mutex`
    std::vector<std::string> all = from_config;
    all.insert(all.end(), from_previous_config.begin(), from_previous_config.end());
    std::sort(all.begin(), all.end());  // a secret in both generations is one needle
    all.erase(std::unique(all.begin(), all.end()), all.end());
    for (const auto& [source, values] : from_runtime)
      all.insert(all.end(), values.begin(), values.end());
    current = std::make_shared<const Redactor>(all);
  }
};

Registry& registry() {
  static auto* instance = new Registry;  // never destroyed: loggers may redact during exit
  return *instance;
}

std::shared_ptr<const Redactor> snapshot() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  return r.current;
}

thread_local SecretCollector* innermost_collector = nullptr;

}  // namespace

void install_secrets(const std::vector<std::string>& secrets) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.from_previous_config = std::move(r.from_config);
  r.from_config = secrets;
  r.rebuild();
}

void remember_runtime_secret(const std::string& source, const std::string& value) {
  if (value.size() < kMinSecretBytes) return;
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  auto& values = r.from_runtime[source];
  if (!values.empty() && values.back() == value) return;
  values.push_back(value);
  if (values.size() > 2) values.erase(values.begin());
  r.rebuild();
}

void clear_secrets() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.from_config.clear();
  r.from_previous_config.clear();
  r.from_runtime.clear();
  r.rebuild();
}

std::string redact(std::string_view text) { return snapshot()->redact(text); }

void redact_in_place(std::string& text) {
  const auto redactor = snapshot();
  if (!redactor->empty()) text = redactor->redact(text);
}

SecretCollector::SecretCollector() : outer_(innermost_collector) { innermost_collector = this; }
SecretCollector::~SecretCollector() { innermost_collector = outer_; }

void note_secret(std::string_view value) {
  if (value.size() < kMinSecretBytes) return;
  for (auto* collector = innermost_collector; collector != nullptr; collector = collector->outer_) {
    collector->secrets_.emplace_back(value);
  }
}

}  // namespace watchdog::config
