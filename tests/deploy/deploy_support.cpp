#include "tests/deploy/deploy_support.h"

#include <curl/curl.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <sstream>

namespace watchdog::testing::deploy {
namespace {

bool identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}

// The index just past a quoted string starting at `at` (which holds the quote).
std::size_t skip_string(const std::string& s, std::size_t at) {
  const char quote = s[at];
  std::size_t i = at + 1;
  while (i < s.size() && s[i] != quote) i += (s[i] == '\\') ? 2 : 1;
  return i + 1;
}

}  // namespace

std::filesystem::path repo() { return WATCHDOG_SOURCE_DIR; }

std::string find_tool(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    const auto candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

std::string describe(const CommandResult& result) {
  return "exit " + std::to_string(result.exit_code) + "\n--- stdout\n" + result.out +
         "\n--- stderr\n" + result.err;
}

std::vector<YAML::Node> load_documents(const std::filesystem::path& path) {
  return YAML::LoadAllFromFile(path.string());
}

bool same_yaml(const YAML::Node& a, const YAML::Node& b) {
  if (a.Type() != b.Type()) return false;
  switch (a.Type()) {
    case YAML::NodeType::Scalar:
      return a.Scalar() == b.Scalar();
    case YAML::NodeType::Sequence:
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!same_yaml(a[i], b[i])) return false;
      }
      return true;
    case YAML::NodeType::Map:
      if (a.size() != b.size()) return false;
      for (const auto& entry : a) {
        const auto key = entry.first.as<std::string>();
        if (!b[key] || !same_yaml(entry.second, b[key])) return false;
      }
      return true;
    default:
      return true;  // Null, Undefined
  }
}

std::string text(const YAML::Node& node) {
  return node && node.IsScalar() ? node.Scalar() : std::string();
}

void collect_scalars(const YAML::Node& node, std::vector<std::string>& out) {
  if (!node) return;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
  } else if (node.IsSequence()) {
    for (const auto& item : node) collect_scalars(item, out);
  } else if (node.IsMap()) {
    for (const auto& entry : node) collect_scalars(entry.second, out);
  }
}

std::filesystem::path rewrite_config(const TempDir& dir, const std::string& name, std::string yaml,
                                     const std::string& from, const std::string& to) {
  for (auto at = yaml.find(from); at != std::string::npos; at = yaml.find(from, at + to.size())) {
    yaml.replace(at, from.size(), to);
  }
  return dir.write(name, yaml);
}

std::map<std::string, std::string> read_dotenv(const std::filesystem::path& path) {
  std::map<std::string, std::string> values;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

bool exported_metric(const std::string& name) {
  return name.starts_with("watchdog_") || name.starts_with("process_");
}

std::set<std::string> exported_metric_names(const std::string& expr) {
  std::set<std::string> names;
  for (const auto& selector : vector_selectors(expr)) {
    const auto name = selector.substr(0, selector.find('{'));
    if (exported_metric(name)) names.insert(name);
  }
  return names;
}

std::vector<std::string> vector_selectors(const std::string& expr) {
  std::vector<std::string> selectors;
  std::size_t i = 0;
  while (i < expr.size()) {
    const char c = expr[i];
    if (c == '"' || c == '\'' || c == '`') {
      i = skip_string(expr, i);
    } else if (c == '{') {  // matchers of something not collected (label names inside)
      while (i < expr.size() && expr[i] != '}') {
        i = (expr[i] == '"') ? skip_string(expr, i) : i + 1;
      }
      ++i;
    } else if (identifier_char(c) && !std::isdigit(static_cast<unsigned char>(c))) {
      const std::size_t start = i;
      while (i < expr.size() && identifier_char(expr[i])) ++i;
      const std::string name = expr.substr(start, i - start);
      if (!exported_metric(name) && name != "up") continue;
      std::size_t j = i;
      while (j < expr.size() && std::isspace(static_cast<unsigned char>(expr[j]))) ++j;
      if (j < expr.size() && expr[j] == '{') {
        std::size_t end = j;
        while (end < expr.size() && expr[end] != '}') {
          end = (expr[end] == '"') ? skip_string(expr, end) : end + 1;
        }
        selectors.push_back(name + expr.substr(j, end + 1 - j));
        i = end + 1;
      } else if (name != "up") {
        selectors.push_back(name);
      }
    } else {
      ++i;
    }
  }
  return selectors;
}

std::string substitute_grafana_variables(const std::string& expr, const std::string& job) {
  std::string out;
  for (std::size_t i = 0; i < expr.size();) {
    if (expr[i] != '$') {
      out += expr[i++];
      continue;
    }
    std::size_t j = i + 1;
    const bool braced = j < expr.size() && expr[j] == '{';
    if (braced) ++j;
    const std::size_t start = j;
    while (j < expr.size() && (std::isalnum(static_cast<unsigned char>(expr[j])) || expr[j] == '_'))
      ++j;
    const std::string name = expr.substr(start, j - start);
    if (braced && j < expr.size() && expr[j] == '}') ++j;
    if (name == "__rate_interval" || name == "__interval") {
      out += "1m";
    } else if (name == "__range") {
      out += "5m";
    } else if (name == "job") {
      out += job;
    } else {
      out += ".*";
    }
    i = j;
  }
  return out;
}

std::set<std::string> grafana_variables(const std::string& expr) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < expr.size(); ++i) {
    if (expr[i] != '$') continue;
    std::size_t j = i + 1;
    if (j < expr.size() && expr[j] == '{') ++j;
    const std::size_t start = j;
    while (j < expr.size() && (std::isalnum(static_cast<unsigned char>(expr[j])) || expr[j] == '_'))
      ++j;
    const std::string name = expr.substr(start, j - start);
    if (!name.empty() && !name.starts_with("__")) names.insert(name);
  }
  return names;
}

std::string url_encode(const std::string& value) {
  char* escaped = curl_easy_escape(nullptr, value.c_str(), static_cast<int>(value.size()));
  std::string out = escaped != nullptr ? escaped : "";
  curl_free(escaped);
  return out;
}

std::set<std::string> sample_names(const std::string& exposition) {
  std::set<std::string> names;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto end = line.find_first_of("{ ");
    names.insert(line.substr(0, end));
  }
  return names;
}

}  // namespace watchdog::testing::deploy
