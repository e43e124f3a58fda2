// The line of HTTP checks waiting for a place under the event loop's transfer cap: first come
// first served, and expiry by each one's own deadline wherever it stands.
#include "watchdog/engine/waiting_transfers.h"

#include <gtest/gtest.h>

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;

const auto t0 = std::chrono::steady_clock::time_point{} + 1h;

WaitingTransfers::Entry entry(const std::string& url, std::chrono::milliseconds timeout) {
  probes::HttpRequest request;
  request.url = url;
  request.timeout = timeout;
  return {request, {}, t0};
}

std::vector<std::string> urls(const std::vector<WaitingTransfers::Entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.request.url);
  return out;
}

TEST(WaitingTransfers, FirstComeFirstServed) {
  WaitingTransfers line;
  for (const char* url : {"a", "b", "c"}) line.push(entry(url, 5s));
  EXPECT_EQ(line.size(), 3U);
  EXPECT_EQ(line.pop_oldest().request.url, "a");
  EXPECT_EQ(line.pop_oldest().request.url, "b");
  EXPECT_EQ(line.pop_oldest().request.url, "c");
  EXPECT_TRUE(line.empty());
  EXPECT_FALSE(line.next_deadline().has_value());
}

TEST(WaitingTransfers, AShortTimeoutBehindALongOneExpiresOnItsOwnDeadline) {
  WaitingTransfers line;
  line.push(entry("long", 30s));
  line.push(entry("short", 2s));
  line.push(entry("shorter", 1s));
  EXPECT_EQ(line.next_deadline(), t0 + 1s);
  EXPECT_TRUE(line.pop_expired(t0 + 999ms).empty());
  EXPECT_EQ(urls(line.pop_expired(t0 + 1500ms)), std::vector<std::string>{"shorter"});
  EXPECT_EQ(line.next_deadline(), t0 + 2s);
  line.push(entry("later", 1s));  // submitted at t0 too: already due at t0 + 2 s
  EXPECT_EQ(urls(line.pop_expired(t0 + 2s)), (std::vector<std::string>{"short", "later"}))
      << "in the order they came";
  EXPECT_EQ(line.size(), 1U);
  EXPECT_EQ(line.next_deadline(), t0 + 30s);
  EXPECT_EQ(line.pop_oldest().request.url, "long");
}

TEST(WaitingTransfers, ATakenEntryNoLongerExpires) {
  WaitingTransfers line;
  line.push(entry("a", 1s));
  line.push(entry("b", 2s));
  EXPECT_EQ(line.pop_oldest().request.url, "a");
  EXPECT_EQ(urls(line.pop_expired(t0 + 1h)), std::vector<std::string>{"b"});
  EXPECT_TRUE(line.empty());
}

}  // namespace
}  // namespace watchdog::core
