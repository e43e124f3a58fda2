// The status page (GET /) in a real browser (issue #14): Debian's Chromium, headless, loads the
// page as a person's browser would (--dump-dom gives the DOM after parsing; the page has no
// scripts, so that is what a person sees). The watched target is a real HTTP server: the page
// says HEALTHY, then CRITICAL once the server is gone, then HEALTHY again once it is back. A
// phone-size screenshot of the CRITICAL page is left in <build>/test-output/status.png (and the
// healthy one beside it, status-healthy.png) for a person to look at.
//
// Chromium comes from scripts/setup.sh. Under CI=true a missing chromium fails the test.
#include <gtest/gtest.h>

#include "tests/integration/operator_api_fixture.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kChromium = "/usr/bin/chromium";

// One headless Chromium run with its own empty profile; the flags keep it off the network
// (there is none here: without them it stalls on background fetches).
CommandResult chromium(const TempDir& dir, const std::vector<std::string>& action,
                       const std::string& url) {
  static int runs = 0;
  const auto profile = dir / ("chromium-profile-" + std::to_string(++runs));
  std::filesystem::create_directories(profile);
  std::vector<std::string> argv = {kChromium,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-quic",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--user-data-dir=" + profile.string()};
  argv.insert(argv.end(), action.begin(), action.end());
  argv.push_back(url);
  return run_command(argv, {}, 90s);
}

std::string dom(const TempDir& dir, const std::string& url) {
  return chromium(dir, {"--dump-dom"}, url).out;
}

// The component card's state as the browser parsed it: <div class="card" id="c-web"><h3>web</h3>
// <span class="s STATE">.
std::string card_state(const std::string& page, const std::string& component) {
  const auto card = page.find("id=\"c-" + component + "\"");
  if (card == std::string::npos) return "";
  const std::string marker = "<span class=\"s ";
  const auto badge = page.find(marker, card);
  if (badge == std::string::npos) return "";
  const auto start = badge + marker.size();
  return page.substr(start, page.find('"', start) - start);
}

void screenshot(const TempDir& dir, const std::string& url, const std::string& name) {
  const std::filesystem::path out_dir = WATCHDOG_TEST_OUTPUT_DIR;
  std::filesystem::create_directories(out_dir);
  const auto file = out_dir / name;
  std::filesystem::remove(file);
  const auto run = chromium(
      dir, {"--screenshot=" + file.string(), "--window-size=412,900", "--hide-scrollbars"}, url);
  ASSERT_TRUE(std::filesystem::exists(file)) << run.out << run.err;
  EXPECT_GT(std::filesystem::file_size(file), 1000u);
}

TEST(StatusPageBrowser, ShowsHealthyThenCriticalThenHealthyAgain) {
  if (!std::filesystem::exists(kChromium)) {
    if (running_in_ci()) FAIL() << kChromium << " is missing: scripts/setup.sh installs it";
    GTEST_SKIP() << kChromium << " is missing (scripts/setup.sh installs it)";
  }
  TempDir dir;
  auto web = std::make_unique<WebhookReceiver>();
  const int web_port = web->port();
  const auto yaml = fast_defaults("300ms") + fill(R"(components:
  - name: web
    rto: 5m
    probes:
      - name: web-http
        kind: http
        url: http://127.0.0.1:@PORT@/health
)",
                                                  {{"PORT", std::to_string(web_port)}});
  WatchdogProcess wd(dir, watchdog_options(yaml));
  const std::string url = "http://127.0.0.1:" + std::to_string(wd.port()) + "/";
  ASSERT_TRUE(wait_until(
      [&] {
        return component_state(wd.status(), "web") == "HEALTHY" &&
               !find_component(wd.status(), "web")["probes"][0].value("last_run", "").empty();
      },
      10s));

  const auto healthy = dom(dir, url);
  ASSERT_NE(healthy.find("<title>watchdog: HEALTHY</title>"), std::string::npos) << healthy;
  EXPECT_EQ(card_state(healthy, "web"), "HEALTHY");
  screenshot(dir, url, "status-healthy.png");

  web.reset();  // the target dies
  ASSERT_TRUE(wait_until([&] { return component_state(wd.status(), "web") == "CRITICAL"; }, 15s));
  const auto critical = dom(dir, url);
  ASSERT_NE(critical.find("<title>watchdog: CRITICAL</title>"), std::string::npos) << critical;
  EXPECT_EQ(card_state(critical, "web"), "CRITICAL");
  EXPECT_NE(critical.find("Open incidents"), std::string::npos);
  EXPECT_NE(critical.find("href=\"/incidents/web-"), std::string::npos);  // the open incident
  screenshot(dir, url, "status.png");

  web = std::make_unique<WebhookReceiver>(web_port);  // and comes back
  ASSERT_TRUE(wait_until([&] { return component_state(wd.status(), "web") == "HEALTHY"; }, 15s));
  const auto again = dom(dir, url);
  ASSERT_NE(again.find("<title>watchdog: HEALTHY</title>"), std::string::npos) << again;
  EXPECT_EQ(card_state(again, "web"), "HEALTHY");
  EXPECT_NE(again.find("Recent incidents"), std::string::npos);
  EXPECT_NE(again.find("(met)"), std::string::npos);  // recovered well within its 5 m RTO
}

}  // namespace
}  // namespace watchdog::testing
