// The multi-string matcher behind redaction: the spans it reports cover exactly the occurrences
// of its strings, checked against a plain search over random strings and texts.
#include "config/multi_string_matcher.h"

#include <gtest/gtest.h>

#include <random>
#include <utility>

namespace watchdog::config {
namespace {

using Spans = std::vector<std::pair<std::size_t, std::size_t>>;

Spans spans(const MultiStringMatcher& matcher, std::string_view text) {
  Spans out;
  matcher.find(text, [&](std::size_t begin, std::size_t end) { out.emplace_back(begin, end); });
  return out;
}

// Which bytes of `text` lie inside an occurrence of any string: by the matcher's spans, and by
// searching for every string in turn (the obvious way, and the way redaction used to work).
std::vector<bool> covered_by_matcher(const MultiStringMatcher& matcher, std::string_view text) {
  std::vector<bool> covered(text.size(), false);
  for (auto [begin, end] : spans(matcher, text)) {
    for (auto i = begin; i < end; ++i) covered[i] = true;
  }
  return covered;
}

std::vector<bool> covered_by_search(const std::vector<std::string>& strings,
                                    std::string_view text) {
  std::vector<bool> covered(text.size(), false);
  for (const auto& string : strings) {
    if (string.empty()) continue;
    for (auto at = text.find(string); at != std::string_view::npos;
         at = text.find(string, at + 1)) {
      for (auto i = at; i < at + string.size(); ++i) covered[i] = true;
    }
  }
  return covered;
}

TEST(MultiStringMatcher, ReportsTheLongestStringEndingAtEachPosition) {
  const MultiStringMatcher matcher({"he", "she", "hers", "his"});
  // "ushers": she ends at 4 (he ends there too: a suffix of she), hers at 6.
  EXPECT_EQ(spans(matcher, "ushers"), (Spans{{1, 4}, {2, 6}}));
  EXPECT_EQ(spans(matcher, "this"), (Spans{{1, 4}}));
  EXPECT_TRUE(spans(matcher, "nothing").empty());
  EXPECT_TRUE(spans(matcher, "").empty());
}

TEST(MultiStringMatcher, EmptyStringsAndDuplicatesChangeNothing) {
  EXPECT_TRUE(MultiStringMatcher().empty());
  EXPECT_TRUE(MultiStringMatcher({""}).empty());
  const MultiStringMatcher matcher({"", "abc", "abc", ""});
  EXPECT_FALSE(matcher.empty());
  EXPECT_EQ(spans(matcher, "xabcabc"), (Spans{{1, 4}, {4, 7}}));
  EXPECT_TRUE(spans(MultiStringMatcher(), "abc").empty());
}

TEST(MultiStringMatcher, MatchesAnyByteIncludingNulAndHighBytes) {
  const std::string with_nul("a\0b", 3);
  const MultiStringMatcher matcher({with_nul, "\xff\xfe", "\x80"});
  const std::string text = std::string("x") + with_nul + "\xff\xfe\x80";
  EXPECT_EQ(spans(matcher, text), (Spans{{1, 4}, {4, 6}, {6, 7}}));
}

TEST(MultiStringMatcher, CoversWhatASearchForEachStringFinds) {
  // A small alphabet makes overlaps, nested strings and shared prefixes common.
  std::mt19937 random(20261206);
  auto word = [&](std::size_t max_length) {
    std::string out(std::uniform_int_distribution<std::size_t>(0, max_length)(random), 'a');
    for (char& c : out)
      c = static_cast<char>('a' + std::uniform_int_distribution<int>(0, 2)(random));
    return out;
  };
  for (int round = 0; round < 500; ++round) {
    std::vector<std::string> strings;
    const int count = std::uniform_int_distribution<int>(1, 12)(random);
    for (int i = 0; i < count; ++i) strings.push_back(word(6));
    const MultiStringMatcher matcher(strings);
    for (int t = 0; t < 10; ++t) {
      const std::string text = word(40);
      ASSERT_EQ(covered_by_matcher(matcher, text), covered_by_search(strings, text))
          << "round " << round << ", text '" << text << "'";
    }
  }
}

TEST(MultiStringMatcher, ThirtyThousandUrlsSharingAPrefix) {
  // What 10,000 HTTP probes give the redaction registry: URLs of one host, differing at the end.
  std::vector<std::string> strings;
  for (int i = 0; i < 30000; ++i)
    strings.push_back("http://127.0.0.1:8080/wd/" + std::to_string(i));
  const MultiStringMatcher matcher(strings);
  const std::string text = "GET http://127.0.0.1:8080/wd/29999 failed; http://127.0.0.1:8080/x";
  EXPECT_EQ(covered_by_matcher(matcher, text), covered_by_search(strings, text));
  // ".../wd/2999" is a string too, and a prefix of the one in the text: the longest ends last.
  const auto found = spans(matcher, text);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found.back(), (std::pair<std::size_t, std::size_t>{4, 34}));
}

}  // namespace
}  // namespace watchdog::config
