#include "config/options_impl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "config/text.h"

namespace watchdog::config {
namespace {

constexpr int kMaxDepth = 64;

void check_node(const YAML::Node& node, const std::string& source, const std::string& path,
                int depth) {
  if (depth > kMaxDepth) {
    // No path: it would be 64 levels long (typically an alias that contains itself).
    throw_config_error(source, node.Mark(), "", "nesting deeper than 64 levels");
  }
  if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      check_node(node[i], source, path + "[" + std::to_string(i) + "]", depth + 1);
    }
  } else if (node.IsMap()) {
    std::map<std::string, YAML::Mark> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) {
        throw_config_error(source, it->first.Mark(), path, "keys must be strings");
      }
      const std::string& key = it->first.Scalar();
      auto [first, inserted] = seen.emplace(key, it->first.Mark());
      if (!inserted) {
        throw_config_error(source, it->first.Mark(), join_path(path, key),
                           "duplicate key '" + key + "' (first defined at " +
                               location_text(source, first->second) + ")");
      }
      check_node(it->second, source, join_path(path, key), depth + 1);
    }
  }
}

}  // namespace

std::optional<std::string> read_file(const std::string& path, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = errno_text();
    return std::nullopt;
  }
  std::string content;
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = errno_text();
    if (n <= 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!error.empty()) return std::nullopt;
  return content;
}

std::string location_text(const std::string& source, const YAML::Mark& mark) {
  if (source.empty()) return "<none>";
  int line = mark.is_null() ? 1 : mark.line + 1;
  int column = mark.is_null() ? 1 : mark.column + 1;
  return source + ":" + std::to_string(line) + ":" + std::to_string(column);
}

void throw_config_error(const std::string& source, const YAML::Mark& mark, const std::string& path,
                        const std::string& message) {
  std::string text = location_text(source, mark) + ": ";
  if (!path.empty()) text += path + ": ";
  throw ConfigError(text + message);
}

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::shared_ptr<Options::Impl> Options::Impl::make(std::string source, std::string path,
                                                   const YAML::Node& node, YAML::Mark mark) {
  auto impl = std::make_shared<Impl>();
  impl->source = std::move(source);
  impl->path = std::move(path);
  impl->mark = mark;
  if (!node.IsDefined() || node.IsNull()) return impl;
  if (!node.IsMap()) impl->fail_at(mark, impl->path, "expected a mapping");
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) impl->fail_at(it->first.Mark(), impl->path, "keys must be strings");
    impl->entries.push_back({it->first.Scalar(), it->first, it->second});
  }
  return impl;
}

const Options::Impl::Entry* Options::Impl::find(const std::string& key) const {
  for (const auto& entry : entries) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

const Options::Impl::Entry* Options::Impl::use(const std::string& key) {
  if (std::find(known.begin(), known.end(), key) == known.end()) known.push_back(key);
  read.insert(key);
  return find(key);
}

YAML::Mark Options::Impl::value_mark(const Entry& entry) const {
  return entry.value.IsNull() ? entry.key_node.Mark() : entry.value.Mark();
}

std::string Options::Impl::value_location(const std::string& key) const {
  const Entry* entry = find(key);
  return location_text(source, entry ? value_mark(*entry) : mark);
}

std::shared_ptr<Options::Impl> child_impl(Options::Impl& parent, const std::string& key) {
  const auto* entry = parent.use(key);
  if (!entry) return Options::Impl::make(parent.source, parent.key_path(key), {}, parent.mark);
  if (!entry->value.IsMap()) {
    parent.fail_at(parent.value_mark(*entry), parent.key_path(key), "expected a mapping");
  }
  return Options::Impl::make(parent.source, parent.key_path(key), entry->value,
                             entry->value.Mark());
}

std::vector<std::shared_ptr<Options::Impl>> child_list(Options::Impl& parent,
                                                       const std::string& key, bool required) {
  const auto* entry = parent.use(key);
  std::vector<std::shared_ptr<Options::Impl>> items;
  if (!entry) {
    if (required) parent.fail_at(parent.mark, parent.key_path(key), "missing required key");
    return items;
  }
  if (!entry->value.IsSequence()) {
    parent.fail_at(parent.value_mark(*entry), parent.key_path(key), "expected a list");
  }
  for (std::size_t i = 0; i < entry->value.size(); ++i) {
    const YAML::Node item = entry->value[i];
    std::string path = parent.key_path(key) + "[" + std::to_string(i) + "]";
    if (!item.IsMap()) {
      parent.fail_at(item.IsNull() ? parent.value_mark(*entry) : item.Mark(), path,
                     "expected a mapping");
    }
    items.push_back(Options::Impl::make(parent.source, path, item, item.Mark()));
  }
  return items;
}

void check_document_shape(const YAML::Node& root, const std::string& source) {
  check_node(root, source, "", 0);
}

}  // namespace watchdog::config
