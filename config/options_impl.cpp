#include "config/options_impl.h"

#include <map>
#include <set>
#include <utility>


namespace watchdog::config {
namespace {

constexpr int kMaxDepth = 64;
// Nodes the walk may reach a second time through aliases (`*name`). An anchor reused a few times
// costs little; "billion laughs" (nine aliases of nine aliases of …: 717 bytes, 9^9 nodes) is
// refused at the alias that crosses the budget instead of being walked for hours.
constexpr std::size_t kMaxNodesThroughAliases = 10000;

// Walks a document once: duplicate and non-scalar keys, depth, alias expansion.
class ShapeWalk {
 public:
  explicit ShapeWalk(const std::string& source) : source_(source) {}

  void visit(const YAML::Node& node, const std::string& path, int depth, bool via_alias) {
    if (depth > kMaxDepth) {
      // No path: it would be 64 levels long (typically an alias that contains itself).
      throw_config_error(source_, node.Mark(), "", "nesting deeper than 64 levels");
    }
    // yaml-cpp gives an alias the very node of its anchor, so the anchor's position (and
    // type: a mapping starts where its first key does) identifies a node seen before.
    bool again = via_alias;
    if (!again && node.IsDefined() && !node.IsNull()) {
      again = !seen_.emplace(node.Mark().pos, static_cast<int>(node.Type())).second;
    }
    if (again && ++nodes_through_aliases_ > kMaxNodesThroughAliases) {
      throw_config_error(source_, node.Mark(), path,
                         "aliases expand to more than " + std::to_string(kMaxNodesThroughAliases) +
                             " nodes (refused: a YAML alias bomb?); this anchored value is "
                             "reached here once too often");
    }
    if (node.IsSequence()) {
      for (std::size_t i = 0; i < node.size(); ++i) {
        visit(node[i], path + "[" + std::to_string(i) + "]", depth + 1, again);
      }
    } else if (node.IsMap()) {
      visit_map(node, path, depth, again);
    }
  }

 private:
  void visit_map(const YAML::Node& node, const std::string& path, int depth, bool via_alias) {
    std::map<std::string, YAML::Mark> keys;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) {
        throw_config_error(source_, it->first.Mark(), path, "keys must be strings");
      }
      const std::string& key = it->first.Scalar();
      auto [first, inserted] = keys.emplace(key, it->first.Mark());
      if (!inserted) {
        throw_config_error(source_, it->first.Mark(), join_path(path, key),
                           "duplicate key '" + key + "' (first defined at " +
                               location_text(source_, first->second) + ")");
      }
      visit(it->second, join_path(path, key), depth + 1, via_alias);
    }
  }

  const std::string& source_;
  std::set<std::pair<int, int>> seen_;  // (position, type) of nodes met outside aliases
  std::size_t nodes_through_aliases_ = 0;
};

}  // namespace

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
  ShapeWalk(source).visit(root, "", 0, false);
}

}  // namespace watchdog::config
