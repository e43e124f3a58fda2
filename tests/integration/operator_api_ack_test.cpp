// The operator API under load and the acknowledgement end to end (issue #14): 1,000 parallel
// requests while a 1 s probe keeps its interval; an ack reaches PagerDuty as `acknowledge` for
// the incident's dedup key, durably through the outbox, and is recorded in the timeline.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/integration/operator_api_fixture.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using namespace operator_api;

std::string last_run(const WatchdogProcess& wd) {
  const auto c = find_component(wd.status(), "svc");
  return c.is_object() ? c["probes"][0].value("last_run", "") : "";
}

// 8 threads × 125 requests, keep-alive, a mix of the status page, the JSON status, refused
// POSTs (wrong token: the check runs, nothing is queued) and accepted ones (resume). Every one
// is answered, and the 1 s probe goes on running meanwhile (judged by its run counter, with a
// margin: no timing is asserted that a busy machine could miss).
TEST(OperatorApiLoad, AThousandParallelRequestsWhileTheProbeKeepsItsInterval) {
  TempDir dir;
  heal_svc(dir);
  WatchdogProcess wd(dir, with_token(dir, svc_yaml(dir, "1s")));
  ASSERT_TRUE(wait_until([&] { return !last_run(wd).empty(); }, 5s));
  const auto runs_before = wd.metric("watchdog_probe_runs_total", {{"probe", "svc-flag"}});
  const auto first_run = last_run(wd);
  const auto started = std::chrono::steady_clock::now();

  constexpr int kThreads = 8;
  constexpr int kPerThread = 125;
  std::atomic<int> answered{0}, wrong_status{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client client("127.0.0.1", wd.port());
      client.set_keep_alive(true);
      client.set_connection_timeout(5s);
      client.set_read_timeout(30s);
      for (int i = 0; i < kPerThread; ++i) {
        httplib::Result result{nullptr, httplib::Error::Unknown};
        int expected = 200;
        switch ((t + i) % 4) {
          case 0:
            result = client.Get("/");
            break;
          case 1:
            result = client.Get("/api/v1/status");
            break;
          case 2:
            result = client.Post("/api/v1/components/svc/resume",
                                 {{"Authorization", "Bearer not-the-token"}}, "", "text/plain");
            expected = 403;
            break;
          default:
            result =
                client.Post("/api/v1/components/svc/resume",
                            {{"Authorization", std::string("Bearer ") + kToken}}, "", "text/plain");
            break;
        }
        if (!result) continue;
        ++answered;
        // An accepted action may also be answered 202 when the engine is slower than the wait.
        if (result->status != expected && !(expected == 200 && result->status == 202)) {
          ++wrong_status;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(answered.load(), kThreads * kPerThread);
  EXPECT_EQ(wrong_status.load(), 0);

  // Let at least two intervals pass after the load, then judge the whole stretch.
  std::this_thread::sleep_for(2500ms);
  const auto total = seconds + 2.5;
  const auto runs = wd.metric("watchdog_probe_runs_total", {{"probe", "svc-flag"}}) - runs_before;
  EXPECT_GE(runs, std::floor(total / 2) - 1) << "over " << total << " s";
  EXPECT_NE(last_run(wd), first_run);
  EXPECT_EQ(component_state(wd.status(), "svc"), "HEALTHY");
  EXPECT_EQ(get(wd.port(), "/healthz").status, 200);
}

// 64 keep-alive clients posting as fast as they are answered: at most kMaxWaiting POSTs wait for
// the engine (the others get 202 at once), the pool is fixed and keep-alive short, so /healthz
// (kubelet: 1 s timeout) is answered throughout. The bound asserted is a generous 2 s per call.
TEST(OperatorApiLoad, HealthzIsAnsweredWhileSixtyFourClientsPost) {
  TempDir dir;
  heal_svc(dir);
  WatchdogProcess wd(dir, with_token(dir, svc_yaml(dir, "1s")));
  std::atomic<bool> stop{false};
  std::atomic<int> posted{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 64; ++t) {
    clients.emplace_back([&] {
      httplib::Client client("127.0.0.1", wd.port());
      client.set_keep_alive(true);
      client.set_read_timeout(30s);
      const httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kToken}};
      while (!stop) {
        if (client.Post("/api/v1/components/svc/resume", auth, "{}", "application/json")) {
          ++posted;
        }
      }
    });
  }
  ASSERT_TRUE(wait_until([&] { return posted >= 64; }, 30s));
  for (int i = 0; i < 10; ++i) {
    httplib::Client probe("127.0.0.1", wd.port());
    probe.set_connection_timeout(2s);
    probe.set_read_timeout(2s);
    const auto healthz = probe.Get("/healthz");
    EXPECT_TRUE(healthz && healthz->status == 200) << "call " << i;
  }
  stop = true;
  for (auto& client : clients) client.join();
  EXPECT_GT(posted.load(), 64);
}

// CRITICAL → PagerDuty trigger; POST ack → PagerDuty acknowledge with the same dedup key and
// routing key, the timeline says who; a second ack changes nothing; an unknown incident is 404
// and a closed one 409; the resolve still goes out after the ack.
TEST(OperatorApiAck, AcknowledgeReachesPagerDutyAndTheTimeline) {
  TempDir dir;
  heal_svc(dir);
  WebhookReceiver pagerduty;
  pagerduty.reply_always(
      Reply{.status = 202, .body = R"({"status":"success"})", .content_type = "application/json"});
  const std::string routing_key = "pd-routing-key-ack-7731";
  const auto alerts = fill(R"(alerts:
  - name: pd
    kind: pagerduty
    url: @PD@
    routing_key: ${TEST_PD_KEY}
)",
                           {{"PD", pagerduty.url("/v2/enqueue")}});
  auto options = with_token(dir, svc_yaml(dir, "300ms", "", alerts));
  options.env = {{"TEST_PD_KEY", routing_key}};
  WatchdogProcess wd(dir, options);

  break_svc(dir);
  ASSERT_TRUE(pagerduty.wait_for(1, 15s));
  const auto trigger = pagerduty.requests("POST").front().json;
  ASSERT_EQ(trigger["event_action"], "trigger");
  const std::string id = trigger["dedup_key"];
  ASSERT_EQ(find_component(wd.status(), "svc")["incident_id"], id);

  const auto ack = post(wd.port(), "/api/v1/incidents/" + id + "/ack");
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(ack.json["kind"], "ack");
  ASSERT_TRUE(pagerduty.wait_for(2, 15s));
  const auto acknowledge = pagerduty.requests("POST")[1].json;
  EXPECT_EQ(acknowledge["event_action"], "acknowledge");
  EXPECT_EQ(acknowledge["dedup_key"], id);
  EXPECT_EQ(acknowledge["routing_key"], routing_key);

  const auto again = post(wd.port(), "/api/v1/incidents/" + id + "/ack");
  EXPECT_EQ(again.status, 200);
  EXPECT_NE(again.json.value("result", "").find("already acknowledged"), std::string::npos);
  EXPECT_EQ(post(wd.port(), "/api/v1/incidents/svc-20200101T000000Z/ack").status, 404);

  // The outbox holds the acknowledgement like any alert (durable across a restart).
  const auto outbox =
      run_command({kWatchdog, "alerts", "--json", "--state-dir", wd.state_dir().string()});
  const auto rows = nlohmann::json::parse(outbox.out, nullptr, false);
  ASSERT_TRUE(rows.is_array()) << outbox.out;
  EXPECT_TRUE(std::any_of(rows.begin(), rows.end(), [&](const nlohmann::json& row) {
    return row.value("type", "") == "acknowledge" && row.value("incident_id", "") == id &&
           row.value("sink", "") == "pd";
  })) << outbox.out;

  bool noted = false;
  const auto incident_doc = get(wd.port(), "/api/v1/incidents/" + id);
  for (const auto& e : incident_doc.json["timeline"]) {
    const std::string summary = e.value("summary", "");
    noted |= summary.find("ack by api 127.0.0.1:") != std::string::npos &&
             summary.find("acknowledged " + id) != std::string::npos;
  }
  EXPECT_TRUE(noted);

  heal_svc(dir);
  ASSERT_TRUE(pagerduty.wait_for(3, 15s));
  EXPECT_EQ(pagerduty.requests("POST")[2].json["event_action"], "resolve");
  const auto closed = post(wd.port(), "/api/v1/incidents/" + id + "/ack");
  EXPECT_EQ(closed.status, 409) << closed.body;
  EXPECT_EQ(pagerduty.requests("POST").size(), 3u);
}

}  // namespace
}  // namespace watchdog::testing
