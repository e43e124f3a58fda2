#include "config/loader_common.h"

#include <cctype>

namespace watchdog::config::loading {

void expect_keys(const ImplPtr& impl, std::initializer_list<const char*> keys) {
  for (const char* key : keys) impl->use(key);
  Options(impl).finish();
}

namespace {

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || !std::isalnum(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

void check_name(Options& options, const std::string& name) {
  if (!valid_name(name)) {
    options.fail("name", "invalid name '" + name +
                             "' (letters, digits, '_', '.', '-', starting with a letter or digit, "
                             "at most 64 characters)");
  }
}

void NameRegistry::add(const ImplPtr& impl, const std::string& name) {
  auto location = impl->value_location("name");
  auto [first, inserted] = first_.emplace(name, location);
  if (!inserted) {
    Options(impl).fail("name", "duplicate " + what_ + " name '" + name + "' (first defined at " +
                                   first->second + ")");
  }
}

std::string read_kind(Options& options) {
  std::string kind = options.required_string("kind");
  if (kind.empty()) options.fail("kind", "must not be empty");
  return kind;
}

Duration positive_duration(Options& options, const char* key, Duration fallback) {
  Duration value = options.duration_or(key, fallback);
  if (value <= Duration::zero()) options.fail(key, "must be greater than 0");
  return value;
}

}  // namespace watchdog::config::loading
