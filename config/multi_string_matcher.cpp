#include "config/multi_string_matcher.h"

#include <algorithm>
#include <deque>

namespace watchdog::config {

MultiStringMatcher::MultiStringMatcher(std::vector<std::string> strings) {
  std::sort(strings.begin(), strings.end());
  strings.erase(std::unique(strings.begin(), strings.end()), strings.end());
  if (!strings.empty() && strings.front().empty()) strings.erase(strings.begin());
  if (strings.empty()) return;

  // The trie in depth-first order, straight from the sorted strings: a string shares with the
  // previous one the path of their common prefix and adds a node per byte after it. A node's
  // children are thus made in increasing byte order.
  std::vector<std::uint32_t> parent{kNone};
  std::vector<unsigned char> byte{0};
  std::vector<std::uint32_t> depth{0};
  std::vector<bool> ends{false};
  std::vector<std::uint32_t> path{0};  // path[d]: the node at depth d of the previous string
  std::string_view previous;
  for (const std::string& string : strings) {
    std::size_t common = 0;
    while (common < previous.size() && common < string.size() &&
           previous[common] == string[common]) {
      ++common;
    }
    path.resize(common + 1);
    for (std::size_t d = common; d < string.size(); ++d) {
      const auto node = static_cast<std::uint32_t>(parent.size());
      parent.push_back(path[d]);
      byte.push_back(static_cast<unsigned char>(string[d]));
      depth.push_back(static_cast<std::uint32_t>(d + 1));
      ends.push_back(false);
      path.push_back(node);
    }
    ends[path[string.size()]] = true;
    previous = string;
  }

  // Flat edges: count each node's children, then place them (already in byte order).
  const std::size_t nodes = parent.size();
  first_edge_.assign(nodes + 1, 0);
  for (std::size_t n = 1; n < nodes; ++n) ++first_edge_[parent[n] + 1];
  for (std::size_t n = 0; n < nodes; ++n) first_edge_[n + 1] += first_edge_[n];
  edge_byte_.resize(nodes - 1);
  edge_target_.resize(nodes - 1);
  std::vector<std::uint32_t> filled(first_edge_.begin(), first_edge_.end() - 1);
  for (std::size_t n = 1; n < nodes; ++n) {
    const std::uint32_t slot = filled[parent[n]]++;
    edge_byte_[slot] = byte[n];
    edge_target_[slot] = static_cast<std::uint32_t>(n);
  }

  // Failure links breadth first (a node's link is shallower than it), and with them the longest
  // string ending at each node: its own, or the one its failure link ends with.
  failure_.assign(nodes, 0);
  longest_match_.assign(nodes, 0);
  std::deque<std::uint32_t> queue{0};
  while (!queue.empty()) {
    const std::uint32_t node = queue.front();
    queue.pop_front();
    for (std::uint32_t e = first_edge_[node]; e < first_edge_[node + 1]; ++e) {
      const std::uint32_t next = edge_target_[e];
      std::uint32_t link = 0;
      if (node != 0) {
        for (std::uint32_t f = failure_[node];; f = failure_[f]) {
          if (const std::uint32_t c = child(f, edge_byte_[e]); c != kNone) {
            link = c;
            break;
          }
          if (f == 0) break;
        }
      }
      failure_[next] = link;
      longest_match_[next] = ends[next] ? depth[next] : longest_match_[link];
      queue.push_back(next);
    }
  }
}

std::uint32_t MultiStringMatcher::child(std::uint32_t node, unsigned char byte) const {
  const auto begin = edge_byte_.begin() + first_edge_[node];
  const auto end = edge_byte_.begin() + first_edge_[node + 1];
  const auto found = std::lower_bound(begin, end, byte);
  if (found == end || *found != byte) return kNone;
  return edge_target_[static_cast<std::size_t>(found - edge_byte_.begin())];
}

std::uint32_t MultiStringMatcher::step(std::uint32_t node, unsigned char byte) const {
  while (true) {
    if (const std::uint32_t next = child(node, byte); next != kNone) return next;
    if (node == 0) return 0;
    node = failure_[node];
  }
}

}  // namespace watchdog::config
