// The leader record (leader_record.h): what a leader hands to the next through its lock.
#include "watchdog/leader/leader_record.h"

#include <gtest/gtest.h>

namespace watchdog::core {
namespace {

LeaderRecord sample() {
  return {"host-a:12:0badf00d",
          {{"api", "api-20261206T071502.120Z", "CRITICAL", {"pager", "slack"}},
           {"db", "db-20261206T071510.000Z", "RECOVERING", {}}}};
}

TEST(LeaderRecordTest, RoundTripsEveryField) {
  const auto decoded = decode_leader_record(encode_leader_record(sample(), 64 * 1024));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, sample());
}

TEST(LeaderRecordTest, LeavesOutIncidentsBeyondTheSizeAndCountsThem) {
  LeaderRecord record{"me", {}};
  for (int i = 0; i < 200; ++i) {
    const std::string name = "c" + std::to_string(i);
    record.incidents.push_back({name, name + "-20261206T000000.000Z", "CRITICAL", {}});
  }
  std::size_t dropped = 0;
  const std::string text = encode_leader_record(record, 2000, &dropped);
  EXPECT_LE(text.size(), 2000U);
  const auto decoded = decode_leader_record(text);
  ASSERT_TRUE(decoded);
  ASSERT_FALSE(decoded->incidents.empty());
  EXPECT_EQ(decoded->incidents.size() + dropped, 200U);
  EXPECT_EQ(decoded->incidents.front().component, "c0");  // the first ones are kept
}

TEST(LeaderRecordTest, AnUnreadableRecordIsIgnoredWhole) {
  EXPECT_FALSE(decode_leader_record(""));
  EXPECT_FALSE(decode_leader_record("holder 1234"));  // an old release's lock value
  EXPECT_FALSE(decode_leader_record(R"({"v":2,"holder":"x","incidents":[]})"));
  EXPECT_FALSE(decode_leader_record(R"({"v":1,"holder":"x","incidents":[{"component":"api"}]})"));
  EXPECT_FALSE(decode_leader_record(R"({"v":1,"holder":"x","incidents":[{"component":"","id":"i"}]})"));
  // Ids of another shape: whoever can write the lock's server must not inject into links,
  // outbox keys or the actions' environment.
  EXPECT_FALSE(decode_leader_record(R"({"v":1,"holder":"x","incidents":[{"component":"api","id":"db-1"}]})"));
  EXPECT_FALSE(decode_leader_record(
      R"({"v":1,"holder":"x","incidents":[{"component":"api","id":"api-1/../../x"}]})"));
  EXPECT_FALSE(decode_leader_record(
      R"({"v":1,"holder":"x","incidents":[{"component":"api","id":"api-1\nX-Injected: 1"}]})"));
}

TEST(LeaderRecordTest, InvalidUtf8InANameStillEncodes) {
  LeaderRecord record{"me", {{"bad\xff", "bad\xff-1", "CRITICAL", {}}}};
  const auto decoded = decode_leader_record(encode_leader_record(record, 1024));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->incidents.size(), 1U);
}

}  // namespace
}  // namespace watchdog::core
