#include "watchdog/gameday/operator_command.h"

#include <algorithm>
#include <cctype>

#include "config/redaction.h"
#include "probes/clients/process_runner.h"
#include "watchdog/gameday/scenario.h"

namespace watchdog::gameday {
namespace {

constexpr const char* kMask = "***";
// Shorter secrets are not scrubbed out of output: replacing every "ab" would garble the line
// while hiding nothing a guess could not find.
constexpr std::size_t kShortestScrubbed = 4;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// "--db-password", "REDISCLI_AUTH", "--api-key": the name of something secret.
bool names_a_secret(const std::string& name) {
  std::string low = lower(name);
  std::erase_if(low, [](char c) { return c == '-' || c == '_'; });
  for (const char* word : {"pass", "token", "secret", "auth", "apikey", "privatekey"}) {
    if (low.find(word) != std::string::npos) return true;
  }
  return false;
}

bool is_env_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-';
  });
}

// A word's secret parts masked in place: user:password@ of a URL and password=… of a libpq
// conninfo ("host=db password=x"), wherever they sit in the word.
std::string mask_inline(std::string word, std::vector<std::string>& secrets) {
  for (auto scheme = word.find("://"); scheme != std::string::npos;
       scheme = word.find("://", scheme + 3)) {
    const auto authority = scheme + 3;
    const auto end = word.find_first_of("/?#", authority);
    const auto at = word.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (at == std::string::npos || at < authority) continue;
    const auto colon = word.find(':', authority);
    if (colon == std::string::npos || colon > at) continue;
    secrets.push_back(word.substr(colon + 1, at - colon - 1));
    word.replace(colon + 1, at - colon - 1, kMask);
  }
  const std::string key = "password=";
  for (auto found = lower(word).find(key); found != std::string::npos;
       found = lower(word).find(key, found + key.size() + 3)) {
    const auto value = found + key.size();
    const auto end = word.find(' ', value);
    const auto length = (end == std::string::npos ? word.size() : end) - value;
    secrets.push_back(word.substr(value, length));
    word.replace(value, length, kMask);
  }
  return word;
}

// One word after argv[0]; `mask_next` is set when it is an option whose value follows.
std::string mask_word(const std::string& word, bool& mask_next, std::vector<std::string>& secrets) {
  const auto eq = word.find('=');
  if (word.size() > 2 && word[0] == '-' && word[1] == '-') {
    const std::string name = word.substr(2, eq == std::string::npos ? eq : eq - 2);
    if (names_a_secret(name)) {
      if (eq == std::string::npos) {
        mask_next = true;
        return word;
      }
      secrets.push_back(word.substr(eq + 1));
      return word.substr(0, eq + 1) + kMask;
    }
  } else if (word.size() >= 2 && word[0] == '-' && (word[1] == 'a' || word[1] == 'p')) {
    if (word.size() == 2) {
      mask_next = true;
      return word;
    }
    secrets.push_back(word.substr(2));  // -pS3cret (mysql), -aS3cret
    return word.substr(0, 2) + kMask;
  } else if (eq != std::string::npos && is_env_name(word.substr(0, eq)) &&
             names_a_secret(word.substr(0, eq))) {
    secrets.push_back(word.substr(eq + 1));  // env PGPASSWORD=… cmd
    return word.substr(0, eq + 1) + kMask;
  }
  return mask_inline(word, secrets);
}

std::vector<std::string> masked_words(const std::vector<std::string>& argv,
                                      std::vector<std::string>& secrets) {
  std::vector<std::string> shown;
  bool mask_next = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (i == 0) {
      shown.push_back(argv[0]);
    } else if (mask_next) {
      mask_next = false;
      secrets.push_back(argv[i]);
      shown.push_back(kMask);
    } else {
      shown.push_back(mask_word(argv[i], mask_next, secrets));
    }
  }
  return shown;
}

std::string scrubbed(std::string text, const std::vector<std::string>& secrets) {
  config::redact_in_place(text);  // the configuration's secrets (config/redaction.h) first
  for (const auto& secret : secrets) {
    if (secret.size() < kShortestScrubbed) continue;
    for (auto at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + std::string(kMask).size())) {
      text.replace(at, secret.size(), kMask);
    }
  }
  return text;
}

}  // namespace

std::string redacted_argv(const std::vector<std::string>& argv) {
  std::vector<std::string> secrets;
  std::string text;
  for (const auto& word : masked_words(argv, secrets)) text += (text.empty() ? "" : " ") + word;
  return text;
}

std::vector<std::string> argv_secrets(const std::vector<std::string>& argv) {
  std::vector<std::string> secrets;
  masked_words(argv, secrets);
  return secrets;
}

void run_operator_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::string& what) {
  probes::ProcessSpec spec;
  spec.argv = argv;
  spec.timeout = timeout;
  const auto result = probes::run_process(spec);
  if (!result.started) {
    throw ScenarioError(what +
                        " could not start: " + scrubbed(result.start_error, argv_secrets(argv)));
  }
  if (result.timed_out) {
    throw ScenarioError(what + " timed out after " + probes::human_duration(timeout));
  }
  if (result.signal != 0 || result.exit_code != 0) {
    const std::string line =
        scrubbed(probes::first_line(config::redact(result.output_tail)), argv_secrets(argv));
    throw ScenarioError(what + " failed (" +
                        (result.signal ? probes::signal_name(result.signal)
                                       : "exit " + std::to_string(result.exit_code)) +
                        ")" + (line.empty() ? "" : ": " + line));
  }
}

}  // namespace watchdog::gameday
