#pragma once
// Private to config/ (yaml-cpp types): turning untrusted text into YAML documents with bounded
// time and memory, whatever the input. Used by the loader and by peek_listen.

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace watchdog::config {

// YAML::LoadAll of `yaml` (when `check_shape`, also: at most one document, which passes
// check_document_shape: no duplicate keys, no runaway nesting, no alias bomb), first
// in a limited child (parse_guard.h), then — only if the child succeeded — in this process.
// Throws ConfigError "<source>:line:column: message" for a syntax error, a bad shape, or a parse
// that runs out of time (900 ms + 1 s per MiB), memory (512 MiB more) or stack in the child.
std::vector<YAML::Node> parse_yaml_bounded(const std::string& yaml, const std::string& source,
                                           bool check_shape);

}  // namespace watchdog::config
