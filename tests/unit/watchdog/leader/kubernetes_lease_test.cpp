// The pure part of the Kubernetes Lease lock (watchdog/leader/kubernetes_leader_lock.h): when
// a replica may take a lease, judged by its own clock (injected here) and never by the remote
// renewTime; what it writes; and the Lease documents read and sent. No I/O.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "watchdog/leader/kubernetes_leader_lock.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

const Clock::time_point t0 = Clock::time_point{} + 1000s;

LeaseRecord held(const std::string& holder, std::chrono::seconds duration = 15s,
                 const std::string& renew = "2026-11-22T06:00:00.000000Z") {
  return {holder, duration, "2026-11-22T05:00:00.000000Z", renew, 3};
}

TEST(LeaseObserve, TimeRestartsOnlyWhenTheRecordChanges) {
  const auto first = observe(std::nullopt, held("a"), t0);
  EXPECT_EQ(first.changed_at, t0);
  const auto same = observe(first, held("a"), t0 + 10s);
  EXPECT_EQ(same.changed_at, t0) << "an unchanged record keeps its first sighting";
  const auto renewed = observe(same, held("a", 15s, "2026-11-22T06:00:05.000000Z"), t0 + 12s);
  EXPECT_EQ(renewed.changed_at, t0 + 12s);
  EXPECT_EQ(renewed.record.renew_time, "2026-11-22T06:00:05.000000Z");
  auto other_holder = held("a");
  other_holder.transitions = 4;
  EXPECT_EQ(observe(first, other_holder, t0 + 1s).changed_at, t0 + 1s);
}

TEST(LeaseJudge, AnotherHoldersLeaseRunsFromOurSighting) {
  const LeaseObservation seen{held("b"), t0};
  auto verdict = judge_lease(seen, t0, "a");
  EXPECT_EQ(verdict.action, LeaseAction::Wait);
  EXPECT_EQ(verdict.wait, 15s);
  verdict = judge_lease(seen, t0 + 14s + 500ms, "a");
  EXPECT_EQ(verdict.action, LeaseAction::Wait);
  EXPECT_EQ(verdict.wait, 500ms);
  EXPECT_EQ(judge_lease(seen, t0 + 14s + 999999us, "a").wait, 1ms) << "rounded up, never 0";
  EXPECT_EQ(judge_lease(seen, t0 + 15s, "a").action, LeaseAction::Take);
  EXPECT_EQ(judge_lease(seen, t0 + 1h, "a").action, LeaseAction::Take);
}

TEST(LeaseJudge, RemoteRenewTimeIsIgnoredSoClockSkewCannotMatter) {
  // The holder's clock runs an hour behind: its renewTime looks ancient, yet we only just saw
  // the record change, so it keeps its whole lease.
  const LeaseObservation behind{held("b", 15s, "2026-11-22T05:00:00.000000Z"), t0};
  EXPECT_EQ(judge_lease(behind, t0 + 1s, "a").action, LeaseAction::Wait);
  EXPECT_EQ(judge_lease(behind, t0 + 1s, "a").wait, 14s);
  // An hour ahead: renewTime in our future does not extend it past what we observed.
  const LeaseObservation ahead{held("b", 15s, "2026-11-22T08:00:00.000000Z"), t0};
  EXPECT_EQ(judge_lease(ahead, t0 + 15s, "a").action, LeaseAction::Take);
}

TEST(LeaseJudge, OursIsRenewedFreeOrZeroDurationIsTaken) {
  EXPECT_EQ(judge_lease({held("a"), t0}, t0, "a").action, LeaseAction::Renew);
  EXPECT_EQ(judge_lease({held("a"), t0}, t0 + 1h, "a").action, LeaseAction::Renew)
      << "nobody wrote since our record: still ours to renew";
  EXPECT_EQ(judge_lease({held(""), t0}, t0, "a").action, LeaseAction::Take) << "released";
  EXPECT_EQ(judge_lease({held("b", 0s), t0}, t0, "a").action, LeaseAction::Take);
}

TEST(LeaseNextRecord, RenewalKeepsAcquireTimeAndTransitions) {
  const auto next = next_record(held("a"), "a", 20s, "2026-11-22T06:00:09.123456Z");
  EXPECT_EQ(next.holder, "a");
  EXPECT_EQ(next.duration, 20s);
  EXPECT_EQ(next.renew_time, "2026-11-22T06:00:09.123456Z");
  EXPECT_EQ(next.acquire_time, "2026-11-22T05:00:00.000000Z");
  EXPECT_EQ(next.transitions, 3);
}

TEST(LeaseNextRecord, TakeoverCountsATransition) {
  for (const std::string previous : {"b", ""}) {
    const auto next = next_record(held(previous), "a", 15s, "2026-11-22T06:00:09.123456Z");
    EXPECT_EQ(next.holder, "a");
    EXPECT_EQ(next.acquire_time, "2026-11-22T06:00:09.123456Z");
    EXPECT_EQ(next.renew_time, "2026-11-22T06:00:09.123456Z");
    EXPECT_EQ(next.transitions, 4);
  }
}

TEST(LeaseDocuments, ParsesALeaseAndToleratesMissingSpecFields) {
  const auto lease = parse_lease(R"({"kind":"Lease","apiVersion":"coordination.k8s.io/v1",
      "metadata":{"name":"watchdog","namespace":"shop","resourceVersion":"4711"},
      "spec":{"holderIdentity":"pod-a:7","leaseDurationSeconds":15,
              "acquireTime":"2026-11-22T05:00:00.000000Z","renewTime":"2026-11-22T06:00:00.000001Z",
              "leaseTransitions":2}})");
  EXPECT_EQ(lease.resource_version, "4711");
  EXPECT_EQ(lease.record, (LeaseRecord{"pod-a:7", 15s, "2026-11-22T05:00:00.000000Z",
                                       "2026-11-22T06:00:00.000001Z", 2}));
  const auto bare = parse_lease(R"({"metadata":{"name":"w","resourceVersion":"1"},"spec":{}})");
  EXPECT_EQ(bare.record, LeaseRecord{});
  EXPECT_EQ(parse_lease(R"({"metadata":{"resourceVersion":"1"}})").record, LeaseRecord{});
  EXPECT_THROW(parse_lease(R"({"metadata":{"name":"w"}})"), std::exception);
  EXPECT_THROW(parse_lease("<html>"), std::exception);
}

TEST(LeaseDocuments, BodyReplacesTheSpecAndKeepsWhatOthersPutOnTheObject) {
  const std::string read = R"({"kind":"Lease","apiVersion":"coordination.k8s.io/v1",
      "metadata":{"name":"watchdog","namespace":"shop","resourceVersion":"7","uid":"u-1",
                  "labels":{"team":"ops"},"annotations":{"note":"keep me"}},
      "spec":{"holderIdentity":"b","leaseDurationSeconds":15,"preferredHolder":"x"}})";
  const json body = json::parse(lease_body(read, "watchdog", "shop", held("a", 20s), "7"));
  EXPECT_EQ(body["metadata"]["resourceVersion"], "7");
  EXPECT_EQ(body["metadata"]["uid"], "u-1");
  EXPECT_EQ(body["metadata"]["labels"]["team"], "ops");
  EXPECT_EQ(body["metadata"]["annotations"]["note"], "keep me");
  EXPECT_EQ(body["spec"], (json{{"holderIdentity", "a"},
                                {"leaseDurationSeconds", 20},
                                {"acquireTime", "2026-11-22T05:00:00.000000Z"},
                                {"renewTime", "2026-11-22T06:00:00.000000Z"},
                                {"leaseTransitions", 3},
                                {"preferredHolder", "x"}}))
      << "spec fields the lock does not know are kept";

  const json created = json::parse(lease_body("", "watchdog", "shop", held("a"), ""));
  EXPECT_EQ(created["kind"], "Lease");
  EXPECT_EQ(created["apiVersion"], "coordination.k8s.io/v1");
  EXPECT_EQ(created["metadata"], (json{{"name", "watchdog"}, {"namespace", "shop"}}));
  const json released = json::parse(lease_body(read, "watchdog", "shop", LeaseRecord{}, ""));
  EXPECT_FALSE(released["metadata"].contains("resourceVersion"));
  EXPECT_EQ(released["spec"]["holderIdentity"], "");
  EXPECT_FALSE(released["spec"].contains("renewTime")) << "no time rather than an empty one";
}

TEST(LeaseDocuments, TheLeaderRecordIsAnAnnotationAndTheTokenTransitionsPlusOne) {
  const std::string read = R"({"metadata":{"name":"watchdog","resourceVersion":"7",
      "annotations":{"note":"keep me","watchdog.dev/leader-record":"{\"open\":[]}"}},
      "spec":{"holderIdentity":"b","leaseTransitions":4}})";
  EXPECT_EQ(parse_lease(read).leader_record, R"({"open":[]})");
  EXPECT_EQ(parse_lease(R"({"metadata":{"resourceVersion":"1"}})").leader_record, std::nullopt);
  EXPECT_EQ(
      parse_lease(R"({"metadata":{"resourceVersion":"1","annotations":{"x":"y"}}})").leader_record,
      std::nullopt);

  const json body = json::parse(lease_body(read, "watchdog", "shop", held("a"), "7", "new"));
  EXPECT_EQ(body["metadata"]["annotations"],
            (json{{"note", "keep me"}, {"watchdog.dev/leader-record", "new"}}));
  const json untouched = json::parse(lease_body(read, "watchdog", "shop", held("a"), "7"));
  EXPECT_EQ(untouched["metadata"]["annotations"]["watchdog.dev/leader-record"], R"({"open":[]})");
  const json created = json::parse(lease_body("", "watchdog", "shop", held("a"), "", ""));
  EXPECT_EQ(created["metadata"]["annotations"], (json{{"watchdog.dev/leader-record", ""}}));

  EXPECT_EQ(fencing_token(LeaseRecord{"a", 15s, "", "", 0}), 1u);
  EXPECT_EQ(fencing_token(LeaseRecord{"a", 15s, "", "", 6}), 7u);
  EXPECT_EQ(fencing_token(LeaseRecord{"a", 15s, "", "", -3}), 0u);
}

}  // namespace
}  // namespace watchdog::core
