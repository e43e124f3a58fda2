#include "config/yaml_parse.h"

#include <new>

#include "config/options_impl.h"
#include "config/parse_guard.h"
#include "config/units.h"

namespace watchdog::config {
namespace {

std::vector<YAML::Node> parse_in_process(const std::string& yaml, const std::string& source,
                                         bool check_shape) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(yaml);
  } catch (const YAML::Exception& error) {
    throw_config_error(source, error.mark, "", "YAML syntax error: " + error.msg);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& error) {  // yaml-cpp may let a standard exception through
    throw_config_error(source, YAML::Mark::null_mark(), "",
                       std::string("cannot parse: ") + error.what());
  }
  if (!check_shape) return documents;
  if (documents.size() > 1) {
    throw_config_error(source, documents[1].Mark(), "",
                       "expected one YAML document, found " + std::to_string(documents.size()));
  }
  if (!documents.empty()) check_document_shape(documents.front(), source);
  return documents;
}

// 900 ms of CPU plus 1 s per MiB of input. yaml-cpp parses about 4 MB/s here (measured with -O1
// on a busy 2-core machine: 2 MB in 0.5 s), so the largest accepted file (4 MiB, 4.9 s) keeps a
// 4x margin, while any real config (well under 100 KiB) is answered within about 1 s. CPU time:
// a host too busy to give the child a CPU delays the answer, it does not refuse the file.
// 512 MiB: the worst legitimate 4 MiB file (a flat list of 1.4 M numbers) peaks near 300 MB.
ChildLimits parse_limits(std::size_t bytes) {
  ChildLimits limits;
  limits.deadline =
      std::chrono::milliseconds(900) + std::chrono::milliseconds(bytes * 1000 / (1024 * 1024));
  limits.extra_address_space_bytes = 512ull * 1024 * 1024;
  return limits;
}

// Throws the ConfigError that says why the child could not parse `yaml`; returns when it could.
void parse_in_child(const std::string& yaml, const std::string& source, bool check_shape) {
  using Outcome = ChildVerdict::Outcome;
  const ChildLimits limits = parse_limits(yaml.size());
  const std::string known_bug =
      "yaml-cpp 0.7 loops forever on some malformed input, e.g. a line starting with ','";
  const auto verdict =
      run_in_limited_child([&] { parse_in_process(yaml, source, check_shape); }, limits);
  std::string reason;
  switch (verdict.outcome) {
    case Outcome::Ok:
      return;
    case Outcome::Failed:
      throw ConfigError(verdict.message);
    case Outcome::OutOfMemory:
      reason = "the YAML parser needed more than " + format_size(limits.extra_address_space_bytes) +
               " of memory (refused; too many nodes, or " + known_bug + ")";
      break;
    case Outcome::TimedOut:
      reason = verdict.message.empty()
                   ? "the YAML parser did not finish within " + format_duration(limits.deadline) +
                         " of CPU time (refused; " + known_bug + ")"
                   : "the YAML parser gave " + verdict.message +
                         " (refused; the host gave it no CPU, or it is stuck)";
      break;
    case Outcome::Crashed:
      reason = "the YAML parser crashed (" + verdict.message +
               "; refused, e.g. for nesting too deep to parse)";
      break;
    case Outcome::NotStarted:
      reason = "cannot parse in a separate process (" + verdict.message + ")";
      break;
  }
  throw_config_error(source, YAML::Mark::null_mark(), "", reason);
}

}  // namespace

std::vector<YAML::Node> parse_yaml_bounded(const std::string& yaml, const std::string& source,
                                           bool check_shape) {
  parse_in_child(yaml, source, check_shape);
  // The child checked the document's shape (one document, the alias expansion budget) and
  // returned only because it passed: the same text passes here, so it is not walked twice.
  return parse_in_process(yaml, source, /*check_shape=*/false);
}

}  // namespace watchdog::config
