// The durable alert outbox (SQLite) and the event document it keeps.
#include "watchdog/alerts/outbox.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"
#include "watchdog/alerts/event.h"

namespace watchdog::alerts {
namespace {

using namespace std::chrono_literals;

const OutboxTime kAt = OutboxTime(std::chrono::milliseconds(1'795'318'500'123));

OutboxEntry row(const std::string& key, const std::string& incident = "inc-1") {
  OutboxEntry e;
  e.key = key;
  e.component = "api";
  e.incident_id = incident;
  e.state = "CRITICAL";
  e.type = "state_change";
  e.payload = R"({"event_id":")" + key + R"("})";
  e.created = kAt;
  return e;
}

TEST(Outbox, QueuesOneRowPerSinkAndNeverTheSameKeyTwice) {
  auto outbox = Outbox::in_memory();
  EXPECT_EQ(outbox->enqueue(row("k1"), {"a", "b"}).size(), 2u);
  EXPECT_EQ(outbox->enqueue(row("k1"), {"a", "b", "c"}).size(), 1u);  // only c is new
  EXPECT_EQ(outbox->enqueue(row("k2"), {"a"}).size(), 1u);
  const auto pending = outbox->pending("a");
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].key, "k1");  // oldest first
  EXPECT_EQ(pending[1].key, "k2");
  EXPECT_EQ(pending[0].status, "pending");
  EXPECT_EQ(pending[0].created, kAt);
  EXPECT_EQ(pending[0].next_attempt, kAt);
  EXPECT_EQ(outbox->counts()["b"]["pending"], 1);
}

TEST(Outbox, RecordsDeliveryFailureAndRescheduling) {
  auto outbox = Outbox::in_memory();
  const auto ids = outbox->enqueue(row("k1"), {"a", "b", "c"});
  outbox->reschedule(ids[0].id, kAt + 2s, 1, "HTTP 500");
  auto retried = outbox->get(ids[0].id);
  EXPECT_EQ(retried->status, "pending");
  EXPECT_EQ(retried->attempts, 1);
  EXPECT_EQ(retried->next_attempt, kAt + 2s);
  EXPECT_EQ(retried->last_error, "HTTP 500");
  outbox->mark_delivered(ids[0].id, kAt + 3s, "HTTP 200");
  outbox->mark_failed(ids[1].id, kAt + 3s, "failed", "HTTP 404");
  outbox->mark_failed(ids[2].id, kAt + 3s, "expired", "HTTP 503 (gave up)");
  EXPECT_EQ(outbox->get(ids[0].id)->status, "delivered");
  EXPECT_EQ(outbox->get(ids[0].id)->attempts, 2);
  EXPECT_EQ(outbox->get(ids[0].id)->finished, kAt + 3s);
  EXPECT_EQ(outbox->get(ids[1].id)->status, "failed");
  EXPECT_EQ(outbox->get(ids[2].id)->status, "expired");
  EXPECT_TRUE(outbox->pending("a").empty());
  EXPECT_EQ(outbox->recent(10, "failed").size(), 1u);
  EXPECT_EQ(outbox->recent(2).size(), 2u);
}

TEST(Outbox, FindsIncidentsKeysAndPayloads) {
  auto outbox = Outbox::in_memory();
  outbox->enqueue(row("inc-1/1-CRITICAL"), {"ops"});
  EXPECT_TRUE(outbox->has_incident("ops", "inc-1"));
  EXPECT_FALSE(outbox->has_incident("pager", "inc-1"));
  EXPECT_FALSE(outbox->has_incident("ops", "inc-2"));
  EXPECT_TRUE(outbox->has_key("ops", "inc-1/1-CRITICAL"));
  EXPECT_EQ(outbox->payload_of("inc-1/1-CRITICAL"), R"({"event_id":"inc-1/1-CRITICAL"})");
  EXPECT_FALSE(outbox->payload_of("nope"));
}

TEST(Outbox, PrunesOnlyFinishedRowsOfResolvedIncidentsOlderThanTheCutoff) {
  auto outbox = Outbox::in_memory();
  auto resolved = row("inc-1/2-HEALTHY");
  resolved.state = "HEALTHY";
  const auto old_rows = outbox->enqueue(row("inc-1/1-CRITICAL"), {"a", "b"});
  const auto closing = outbox->enqueue(resolved, {"a"});
  const auto open_rows = outbox->enqueue(row("inc-2/1-CRITICAL", "inc-2"), {"a"});
  const auto waiting = outbox->enqueue(row("waiting", "inc-1"), {"c"});
  outbox->mark_delivered(old_rows[0].id, kAt, "HTTP 200");
  outbox->mark_failed(old_rows[1].id, kAt + 10 * 24h, "failed", "HTTP 404");
  outbox->mark_delivered(closing[0].id, kAt, "HTTP 200");
  outbox->mark_delivered(open_rows[0].id, kAt, "HTTP 200");
  // inc-1 still has a row pending for sink c: none of its rows go yet (its HEALTHY row going
  // first would leave the pending one undeletable for good once sent).
  EXPECT_EQ(outbox->prune(kAt + 7 * 24h), 0);
  EXPECT_EQ(outbox->pending("c").size(), 1u);  // pending rows are never pruned
  outbox->mark_delivered(waiting[0].id, kAt, "HTTP 200");
  // The old finished rows of resolved inc-1 go; the failed one is newer; inc-2 is still open.
  EXPECT_EQ(outbox->prune(kAt + 7 * 24h), 3);
  EXPECT_TRUE(outbox->has_key("a", "inc-2/1-CRITICAL"));
  EXPECT_TRUE(outbox->has_key("b", "inc-1/1-CRITICAL"));
  EXPECT_FALSE(outbox->has_key("a", "inc-1/2-HEALTHY"));
}

TEST(Outbox, SurvivesReopeningTheFile) {
  testing::TempDir dir;
  const auto file = dir.path() / "watchdog.db";
  Outbox::open(file)->enqueue(row("k1"), {"ops"});
  auto reopened = Outbox::open(file);
  ASSERT_EQ(reopened->pending("ops").size(), 1u);
  EXPECT_EQ(reopened->enqueue(row("k1"), {"ops"}).size(), 0u);
}

TEST(AlertEventDocument, RoundTripsThroughJson) {
  AlertEvent e;
  e.event_id = "api-1/3-HEALTHY";
  e.type = "reminder";
  e.reminder = 2;
  e.component = "api \"quoted\"\n";
  e.from = core::State::Recovering;
  e.to = core::State::Healthy;
  e.reason = "ok again ✓";
  e.incident_id = "api-1";
  e.attempt = 2;
  e.at = kAt + 192s;
  e.overall = core::State::Degraded;
  e.probes.push_back({"api-http", "http", "healthy", "none", "200 in 3 ms"});
  e.action = ActionSnapshot{"restart-api", "docker_restart", true, "restarted"};
  e.root_cause = "postgres";
  e.root_incident = "postgres-1";
  e.incident_started = kAt;
  e.link = "https://watchdog.example/incidents/api-1";
  const auto doc = to_json(e);
  EXPECT_EQ(doc["outage_seconds"], 192);
  EXPECT_EQ(doc["key"], "api-1/3-HEALTHY/reminder-20261122T033812Z");
  EXPECT_EQ(doc["severity"], "info");
  const auto back = from_json(nlohmann::json::parse(dump_json(doc)));
  EXPECT_EQ(dump_json(to_json(back)), dump_json(doc));
}

TEST(AlertEventDocument, InvalidUtf8NeverThrowsWhenSerialised) {
  AlertEvent e;
  e.event_id = "x/1-CRITICAL";
  e.component = "api";
  e.to = core::State::Critical;
  e.reason = std::string("bad \xff\xfe bytes");
  const auto text = dump_json(to_json(e));
  EXPECT_NE(text.find("bad \xEF\xBF\xBD"), std::string::npos);  // U+FFFD
}

TEST(AlertEventDocument, HumanDurations) {
  EXPECT_EQ(human_duration(45s), "45s");
  EXPECT_EQ(human_duration(192s), "3m 12s");
  EXPECT_EQ(human_duration(2h + 5min), "2h 05m");
  EXPECT_EQ(human_duration(76h), "3d 4h");
}

}  // namespace
}  // namespace watchdog::alerts
