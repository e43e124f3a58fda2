#pragma once
// Finds every occurrence of any of many strings in a text in ONE pass over the text, however
// many strings there are (Aho–Corasick: a trie of the strings with failure links).
//
// Why: the redaction registry holds every configured secret in several forms — 10,000 HTTP
// probes make ~30,000 strings — and every probe result is redacted. Searching for each string in
// turn made redaction cost O(strings × text) per result: 56 % of all CPU at 10,000 probes.
// Here a text costs O(text) plus the matches, and the strings' count does not matter.
//
// Layout: the trie is stored flat (offsets into one edge array, edges sorted by byte), ~20 bytes
// per trie node; strings that share a prefix (the URLs of one host) share its nodes.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace watchdog::config {

class MultiStringMatcher {
 public:
  MultiStringMatcher() = default;
  // Empty strings are ignored; duplicates are harmless.
  explicit MultiStringMatcher(std::vector<std::string> strings);

  bool empty() const { return longest_match_.size() <= 1; }

  // Calls `covered(begin, end)` for every position of `text` where at least one string ends,
  // with the span of the LONGEST string ending there ([begin, end), in order of `end`). Every
  // occurrence of every string lies inside one of these spans (a shorter string ending at the
  // same place is a suffix of the longest).
  template <typename Covered>
  void find(std::string_view text, Covered&& covered) const {
    if (empty()) return;
    std::uint32_t node = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      node = step(node, static_cast<unsigned char>(text[i]));
      if (const std::uint32_t length = longest_match_[node]; length != 0) {
        covered(i + 1 - length, i + 1);
      }
    }
  }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  std::uint32_t child(std::uint32_t node, unsigned char byte) const;
  std::uint32_t step(std::uint32_t node, unsigned char byte) const;

  // Node n's edges are edge_byte_/edge_target_[first_edge_[n], first_edge_[n + 1]), by byte.
  std::vector<std::uint32_t> first_edge_;
  std::vector<unsigned char> edge_byte_;
  std::vector<std::uint32_t> edge_target_;
  std::vector<std::uint32_t> failure_;        // the longest proper suffix that is a trie node
  std::vector<std::uint32_t> longest_match_;  // the longest string that is a suffix; 0: none
};

}  // namespace watchdog::config
