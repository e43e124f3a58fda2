// The operator API (issue #14) against a real watchdog: the versioned read routes beside the
// old ones, the bearer token (missing, wrong, not configured), bad input, path traversal in
// ids, every component action through the engine's request path (pause, resume,
// reset, recover) with who asked in the log and the incident timeline, and the CLI beside it.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "tests/integration/operator_api_fixture.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using namespace operator_api;

TEST(OperatorApi, ReadRoutesAnswerUnderOldAndVersionedPaths) {
  TempDir dir;
  heal_svc(dir);
  WatchdogProcess wd(dir, with_token(dir, svc_yaml(dir, "300ms")));
  for (const char* path : {"/status", "/api/v1/status"}) {
    const auto status = get(wd.port(), path);
    ASSERT_EQ(status.status, 200) << path;
    EXPECT_EQ(status.json["components"][0]["name"], "svc") << path;
  }
  for (const char* path : {"/incidents", "/api/v1/incidents"}) {
    const auto list = get(wd.port(), path);
    ASSERT_EQ(list.status, 200) << path;
    EXPECT_TRUE(list.json.is_array()) << path;
  }
  EXPECT_EQ(get(wd.port(), "/api/v1/incidents/svc-19700101T000000Z").status, 404);
  const auto page = get(wd.port(), "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<h3>svc</h3>"), std::string::npos);

  // An incident, then its JSON under both paths.
  break_svc(dir);
  ASSERT_TRUE(wait_until([&] { return component_state(wd.status(), "svc") == "CRITICAL"; }, 10s));
  const std::string id = find_component(wd.status(), "svc")["incident_id"];
  const auto versioned = get(wd.port(), "/api/v1/incidents/" + id);
  ASSERT_EQ(versioned.status, 200);
  EXPECT_EQ(versioned.json["id"], id);
  EXPECT_TRUE(versioned.json["timeline"].is_array());
  EXPECT_EQ(get(wd.port(), "/incidents/" + id + "?format=json").json["id"], id);
  // The status page escapes what the probe printed.
  ASSERT_TRUE(
      wait_until([&] { return get(wd.port(), "/").body.find(id) != std::string::npos; }, 5s));
  const auto critical_page = get(wd.port(), "/").body;
  EXPECT_NE(critical_page.find("flag &lt;missing&gt; &amp; gone"), std::string::npos);
  EXPECT_EQ(critical_page.find("<missing>"), std::string::npos);
}

TEST(OperatorApi, PostNeedsTheRightBearerToken) {
  TempDir dir;
  heal_svc(dir);
  WatchdogProcess wd(dir, with_token(dir, svc_yaml(dir, "300ms")));
  const auto none = post(wd.port(), "/api/v1/components/svc/resume", "", std::nullopt);
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.header_www_authenticate.find("Bearer"), std::string::npos);
  EXPECT_EQ(post(wd.port(), "/api/v1/components/svc/resume", "", "wrong-token").status, 403);
  EXPECT_EQ(post(wd.port(), "/api/v1/components/svc/resume", "", std::string(kToken) + "x").status,
            403);
  const auto ok = post(wd.port(), "/api/v1/components/svc/resume");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json["outcome"], "done");
  // curl -X POST without a body sends no Content-Length: answered at once, like any POST.
  const auto header =
      dir.write("auth-header", std::string("Authorization: Bearer ") + kToken + "\n");
  const std::string url = "http://127.0.0.1:" + std::to_string(wd.port()) + "/api/v1/components/";
  for (const auto& [argv_tail, code] :
       std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"-H", "@" + header.string(), url + "svc/resume"}, "200"},
           {{url + "svc/resume"}, "401"},
           {{"-H", "@" + header.string(), url + "nosuch/reset"}, "404"}}) {
    std::vector<std::string> argv = {"/usr/bin/curl", "-s", "-o", "/dev/null", "-w",
                                     "%{http_code}",  "-m", "4",  "-X",        "POST"};
    argv.insert(argv.end(), argv_tail.begin(), argv_tail.end());
    EXPECT_EQ(run_command(argv).out, code) << argv.back();
  }
  // Refusals are logged without what was presented; the token is never logged.
  EXPECT_NE(wd.log().find("api_request_refused"), std::string::npos);
  EXPECT_EQ(wd.log().find(kToken), std::string::npos);
  EXPECT_EQ(wd.log().find("wrong-token"), std::string::npos);
}

// SIGHUP reads the token file again: the old token stops working, the new one works; a reload
// with an unreadable token file is rejected and the token in force stays.
TEST(OperatorApi, TheTokenFileIsReadAgainOnSighup) {
  TempDir dir;
  heal_svc(dir);
  WatchdogProcess wd(dir, with_token(dir, svc_yaml(dir, "300ms")));
  auto reloads = [&] { return wd.metric("watchdog_config_reloads_total"); };  // any result
  const std::string fresh = "fresh-token-after-sighup-42";
  dir.write("api-token", fresh + "\n");
  wd.process().signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return reloads() >= 1; }, 10s)) << wd.log();
  EXPECT_EQ(post(wd.port(), "/api/v1/components/svc/resume").status, 403);
  EXPECT_EQ(post(wd.port(), "/api/v1/components/svc/resume", "", fresh).status, 200);

  std::filesystem::remove(dir / "api-token");
  wd.process().signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return reloads() >= 2; }, 10s)) << wd.log();
  EXPECT_NE(wd.log().find("config_reload_rejected"), std::string::npos);
  EXPECT_EQ(post(wd.port(), "/api/v1/components/svc/resume", "", fresh).status, 200);
  EXPECT_EQ(wd.log().find(fresh), std::string::npos);
}

TEST(OperatorApi, WithoutATokenFileEveryPostIsRefused) {
  TempDir dir;
  heal_svc(dir);
  WatchdogProcess wd(dir, watchdog_options(svc_yaml(dir, "300ms")));
  for (const char* path : {"/api/v1/components/svc/pause", "/api/v1/components/svc/reset",
                           "/api/v1/incidents/svc-1/ack"}) {
    const auto answer = post(wd.port(), path, "{}", "anything-at-all-1234");
    EXPECT_EQ(answer.status, 403) << path;
    EXPECT_NE(answer.json.value("error", "").find("api_token_file"), std::string::npos) << path;
  }
  EXPECT_EQ(get(wd.port(), "/api/v1/status").status, 200);  // reading needs no token
}

TEST(OperatorApi, BadInputUnknownNamesTraversalAndHugeBodies) {
  TempDir dir;
  heal_svc(dir);
  WatchdogProcess wd(dir, with_token(dir, svc_yaml(dir, "300ms")));
  const int port = wd.port();
  auto error_of = [](const Answer& a) {
    return a.json.is_object() ? a.json.value("error", "") : "";
  };
  const auto not_json = post(port, "/api/v1/components/svc/pause", "{not json");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_NE(error_of(not_json).find("JSON object"), std::string::npos);
  EXPECT_EQ(post(port, "/api/v1/components/svc/pause", "[1,2]").status, 400);
  const auto bad_for = post(port, "/api/v1/components/svc/pause", R"({"for":"soon"})");
  EXPECT_EQ(bad_for.status, 400);
  EXPECT_NE(error_of(bad_for).find("for:"), std::string::npos);
  EXPECT_EQ(post(port, "/api/v1/components/svc/pause", R"({"for":"0s"})").status, 400);
  EXPECT_EQ(post(port, "/api/v1/components/svc/pause", R"({"for":"90d"})").status, 400);
  EXPECT_EQ(post(port, "/api/v1/components/svc/pause", R"({"for":"1m","until":"x"})").status, 400);
  EXPECT_EQ(post(port, "/api/v1/components/svc/pause", R"({"reason":42})").status, 400);
  EXPECT_EQ(post(port, "/api/v1/components/svc/reset", R"({"force":true})").status, 400);
  EXPECT_EQ(post(port, "/api/v1/components/nosuch/reset").status, 404);
  EXPECT_EQ(post(port, "/api/v1/components/svc/explode").status, 404);
  EXPECT_EQ(post(port, "/api/v1/incidents/svc-20260101T000000Z/ack").status, 404);
  EXPECT_EQ(post(port, "/api/v1/whatever").status, 404);

  // Ids that try to leave their place: decoded by the server, then refused as ids.
  for (const char* path :
       {"/api/v1/components/..%2F..%2Fetc/pause", "/api/v1/components/%2e%2e/reset",
        "/api/v1/components/..%2fwatchdog.db/resume", "/api/v1/components/a%2Fb/recover",
        "/api/v1/components/svc%00x/reset", "/api/v1/incidents/..%2F..%2Fetc%2Fpasswd/ack",
        "/api/v1/incidents/%2E%2E/ack"}) {
    const auto answer = post(port, path);
    EXPECT_EQ(answer.status, 400) << path << " " << answer.body;
  }
  for (const char* path : {"/api/v1/incidents/..%2F..%2Fetc%2Fpasswd",
                           "/incidents/..%2Fwatchdog.db", "/api/v1/incidents/%2e%2e"}) {
    EXPECT_EQ(get(port, path).status, 400) << path;
  }

  // Bodies over the limit are refused before they are read: operator_api_gate_test.cpp.
  EXPECT_EQ(get(port, "/api/v1/status").status, 200);  // and it still serves
}

// The incident's timeline entries of kind "operator" (what was asked, by whom).
std::vector<std::string> operator_notes(int port, const std::string& incident) {
  std::vector<std::string> out;
  const auto incident_doc = get(port, "/api/v1/incidents/" + incident);
  for (const auto& e : incident_doc.json["timeline"]) {
    if (e.value("kind", "") == "operator") out.push_back(e.value("summary", ""));
  }
  return out;
}

bool any_contains(const std::vector<std::string>& lines, const std::string& part) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(part) != std::string::npos; });
}

// pause holds the recovery of a failing component, recover is refused while held, resume lets
// it act; the failing action backs off, recover starts the next attempt at once; when the
// attempts are spent it is FAILED and reset (API, then CLI) takes it back.
TEST(OperatorApi, ComponentActionsGoThroughTheEngineAndAreRecorded) {
  TempDir dir;
  heal_svc(dir);
  const auto fix = write_script(
      dir, "fix.sh", "#!/bin/sh\necho run >> " + (dir / "fix.log").string() + "\nexit 1\n");
  const auto recovery = fill(R"(    recovery:
      max_attempts: 2
      backoff: 5m
      max_backoff: 5m
      actions:
        - name: fix
          kind: command
          argv: ["@FIX@"]
          timeout: 5s
)",
                             {{"FIX", fix.string()}});
  WatchdogProcess wd(dir, with_token(dir, svc_yaml(dir, "300ms", recovery)));
  const int port = wd.port();

  const auto paused =
      post(port, "/api/v1/components/svc/pause", R"({"for":"30m","reason":"deploy <v2>"})");
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_NE(paused.json.value("result", "").find("paused svc until"), std::string::npos);
  ASSERT_TRUE(wait_until([&] { return find_component(wd.status(), "svc")["muted"] == true; }, 5s));
  break_svc(dir);
  ASSERT_TRUE(wait_until([&] { return component_state(wd.status(), "svc") == "CRITICAL"; }, 10s));
  const std::string id = find_component(wd.status(), "svc")["incident_id"];
  const auto held = post(port, "/api/v1/components/svc/recover");
  EXPECT_EQ(held.status, 409) << held.body;
  EXPECT_NE(held.json.value("result", "").find("held"), std::string::npos);
  EXPECT_TRUE(lines_of(dir / "fix.log").empty());

  ASSERT_EQ(post(port, "/api/v1/components/svc/resume").status, 200);
  ASSERT_TRUE(wait_until([&] { return lines_of(dir / "fix.log").size() == 1; }, 10s));
  // Attempt 1 fails; the next would wait 5 minutes unless asked (refused while it still runs).
  Answer recovered;
  ASSERT_TRUE(wait_until(
      [&] { return (recovered = post(port, "/api/v1/components/svc/recover")).status == 200; }, 10s,
      200ms))
      << recovered.body;
  EXPECT_NE(recovered.json.value("result", "").find("attempt 2 started"), std::string::npos);
  ASSERT_TRUE(wait_until([&] { return lines_of(dir / "fix.log").size() == 2; }, 10s));
  ASSERT_TRUE(wait_until([&] { return component_state(wd.status(), "svc") == "FAILED"; }, 15s));
  EXPECT_EQ(post(port, "/api/v1/components/svc/recover").status, 409);  // FAILED: reset first

  const auto reset = post(port, "/api/v1/components/svc/reset");
  EXPECT_EQ(reset.status, 200) << reset.body;
  EXPECT_EQ(reset.json.value("result", ""), "reset: svc is probing again");
  EXPECT_GT(reset.json.value("request_id", 0), 0);

  // The CLI beside the API: the same path, recorded as "cli" (refused: no longer FAILED).
  const auto cli = run_command({kWatchdog, "reset", "svc", "--state-dir", wd.state_dir().string()});
  EXPECT_EQ(cli.exit_code, 1) << cli.out << cli.err;
  EXPECT_NE(cli.out.find("not FAILED"), std::string::npos) << cli.out;
  const auto notes = operator_notes(port, id);
  EXPECT_TRUE(any_contains(notes, "recover by api 127.0.0.1:")) << ::testing::PrintToString(notes);
  EXPECT_TRUE(any_contains(notes, "resume by api 127.0.0.1:"));
  EXPECT_TRUE(any_contains(notes, "reset by api 127.0.0.1:"));
  EXPECT_TRUE(any_contains(notes, "reset by cli: svc is"));
  const auto log = wd.log();
  EXPECT_NE(log.find("operator_request"), std::string::npos);
  EXPECT_NE(log.find("kind=pause"), std::string::npos);  // no incident yet: logged only
  EXPECT_NE(log.find("requested_by=cli"), std::string::npos);
}

}  // namespace
}  // namespace watchdog::testing
