#pragma once
// Private to config/: the yaml-cpp side of Options (options_impl.cpp), used by options.cpp and
// loader.cpp. Never include it from a public header: yaml-cpp is a PRIVATE dependency.

#include <yaml-cpp/yaml.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/options.h"

namespace watchdog::config {

// "file:line:column" with 1-based numbers (yaml-cpp counts from 0); "<none>" without a source.
std::string location_text(const std::string& source, const YAML::Mark& mark);
// Throws ConfigError("<location>: <path>: <message>"); the path part is left out when empty.
[[noreturn]] void throw_config_error(const std::string& source, const YAML::Mark& mark,
                                     const std::string& path, const std::string& message);
// "parent.key", or "key" at the top level.
std::string join_path(const std::string& parent, const std::string& key);

struct Options::Impl {
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
  };

  std::string source;  // file name for locations; empty for a default-constructed Options
  std::string path;
  YAML::Mark mark;  // where the mapping starts (an absent child: where its parent starts)
  std::vector<Entry> entries;
  std::set<std::string> read;      // keys some accessor consumed
  std::vector<std::string> known;  // every key asked for, in order (for "did you mean")

  // `node` must be a mapping or null (= empty); anything else is a type error at `mark`.
  static std::shared_ptr<Impl> make(std::string source, std::string path, const YAML::Node& node,
                                    YAML::Mark mark);

  const Entry* find(const std::string& key) const;
  // find() that also marks `key` as read and known.
  const Entry* use(const std::string& key);
  std::string key_path(const std::string& key) const { return join_path(path, key); }
  // A value's position; a null value (`key:`) points at its key, since yaml-cpp gives it the
  // position of the next token.
  YAML::Mark value_mark(const Entry& entry) const;
  std::string value_location(const std::string& key) const;
  [[noreturn]] void fail_at(const YAML::Mark& at, const std::string& at_path,
                            const std::string& message) const {
    throw_config_error(source, at, at_path, message);
  }
};

// The nested mapping under `key` (absent → empty, path still parent.key); marks `key` read.
std::shared_ptr<Options::Impl> child_impl(Options::Impl& parent, const std::string& key);
// The list of mappings under `key` (path key[i]); absent → empty, or an error when `required`.
std::vector<std::shared_ptr<Options::Impl>> child_list(Options::Impl& parent,
                                                       const std::string& key, bool required);
// Rejects duplicate keys, non-scalar keys, runaway nesting (alias cycles) and alias expansion
// beyond a budget (alias bombs) anywhere in `root`.
void check_document_shape(const YAML::Node& root, const std::string& source);

}  // namespace watchdog::config
