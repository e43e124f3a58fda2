// Alertmanager: one sink per instance, the exact /api/v2/alerts array (firing, severity
// change, resolve), the re-send interval, and config errors.
#include "watchdog/alerts/alertmanager_provider.h"

#include <gtest/gtest.h>

#include "alert_test_events.h"

namespace watchdog::alerts {
namespace {

using nlohmann::json;
using namespace alert_test;

const char* kAlertmanager =
    "  - {name: am, kind: alertmanager, url: 'http://127.0.0.1:9093/', labels: {env: prod}}\n";

json labels(const std::string& severity) {
  return {{"alertname", "WatchdogComponentUnhealthy"},
          {"component", "api"},
          {"severity", severity},
          {"incident", "api-20261122T033500Z"},
          {"env", "prod"}};
}

TEST(AlertmanagerProvider, PushesTheFiringAlert) {
  auto provider = provider_from(kAlertmanager);
  const auto event = sample_event();
  const auto request = provider->format(event);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "http://127.0.0.1:9093/api/v2/alerts");
  EXPECT_EQ(header(request, "Content-Type"), "application/json");

  const std::string link = "https://watchdog.example/incidents/api-20261122T033500Z";
  const json expected = json::array({{
      {"labels", labels("critical")},
      {"annotations",
       {{"summary", headline(event)},
        {"description",
         "Component: api\n"
         "State: RECOVERING (was CRITICAL)\n"
         "Root cause: postgres (incident postgres-20261122T033000Z)\n"
         "Action: restart-api (docker_restart): ok \u2014 container restarted\n"
         "Attempt: 1\n"
         "Incident: api-20261122T033500Z\n"
         "\n"
         "Probes:\n"
         "api-http (http): unhealthy \u2014 connection refused\n"
         "\n" +
             link},
        {"incident_id", "api-20261122T033500Z"},
        {"state", "RECOVERING"},
        {"root_cause", "postgres (incident postgres-20261122T033000Z)"},
        {"action", "restart-api (docker_restart): ok \u2014 container restarted"}}},
      {"startsAt", "2026-11-22T03:31:48.123Z"},  // when the incident began
      {"generatorURL", link},
  }});
  EXPECT_EQ(json::parse(request.body), expected) << json::parse(request.body).dump(2);
}

TEST(AlertmanagerProvider, ASeverityChangeEndsThePreviousSeveritysAlert) {
  auto provider = provider_from(kAlertmanager);
  auto event = sample_event();
  event.from = core::State::Degraded;
  event.to = core::State::Critical;
  event.link.clear();
  const auto body = json::parse(provider->format(event).body);
  ASSERT_EQ(body.size(), 2u);
  EXPECT_EQ(body[0]["labels"], labels("critical"));
  EXPECT_FALSE(body[0].contains("endsAt"));
  EXPECT_FALSE(body[0].contains("generatorURL"));
  EXPECT_EQ(body[1]["labels"], labels("warning"));
  EXPECT_EQ(body[1]["startsAt"], "2026-11-22T03:31:48.123Z");
  EXPECT_EQ(body[1]["endsAt"], "2026-11-22T03:35:00.123Z");
}

TEST(AlertmanagerProvider, FirstAlertOfAnIncidentIsOneAlert) {
  auto provider = provider_from(kAlertmanager);
  auto event = sample_event();
  event.from = core::State::Healthy;
  event.to = core::State::Degraded;
  event.incident_started.reset();
  const auto body = json::parse(provider->format(event).body);
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(body[0]["labels"], labels("warning"));
  EXPECT_EQ(body[0]["startsAt"], "2026-11-22T03:35:00.123Z");
  EXPECT_FALSE(body[0].contains("endsAt"));
}

TEST(AlertmanagerProvider, RecoveryEndsTheAlertOfTheStateItLeft) {
  auto provider = provider_from(kAlertmanager);
  auto body = json::parse(provider->format(resolved_event()).body);
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(body[0]["labels"], labels("critical"));
  EXPECT_EQ(body[0]["startsAt"], "2026-11-22T03:31:48.123Z");
  EXPECT_EQ(body[0]["endsAt"], "2026-11-22T03:35:00.123Z");
  EXPECT_EQ(body[0]["annotations"]["state"], "HEALTHY");

  auto event = resolved_event();
  event.from = core::State::Degraded;
  body = json::parse(provider->format(event).body);
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(body[0]["labels"]["severity"], "warning");
}

TEST(AlertmanagerProvider, OneSinkPerInstance) {
  auto sinks = providers_from(
      "  - name: am\n    kind: alertmanager\n    urls: ['http://am1:9093', "
      "'https://user:pw@am2.example:9443/prefix/']\n");
  ASSERT_EQ(sinks.size(), 2u);
  EXPECT_EQ(sinks[0]->name(), "am@am1:9093");
  EXPECT_EQ(sinks[1]->name(), "am@am2.example:9443");
  EXPECT_EQ(sinks[0]->format(sample_event()).url, "http://am1:9093/api/v2/alerts");
  EXPECT_EQ(sinks[1]->format(sample_event()).url,
            "https://user:pw@am2.example:9443/prefix/api/v2/alerts");
  // Credentials in a URL are not shown.
  EXPECT_EQ(sinks[1]->describe(), "instance am2.example:9443");
  EXPECT_EQ(sinks[1]->kind(), "alertmanager");

  auto single = provider_from("  - {name: am, kind: alertmanager, urls: ['http://am1:9093']}\n");
  EXPECT_EQ(single->name(), "am");
}

TEST(AlertmanagerProvider, ResendIntervalIsUnderResolveTimeout) {
  EXPECT_EQ(provider_from(kAlertmanager)->resend_interval(), std::chrono::seconds(60));
  auto provider = provider_from(
      "  - {name: am, kind: alertmanager, url: 'http://am1:9093', resend_interval: 4m}\n");
  EXPECT_EQ(provider->resend_interval(), std::chrono::seconds(240));

  for (const char* bad : {"5m", "10m", "500ms"}) {
    const auto error =
        config_error(std::string("  - {name: am, kind: alertmanager, url: 'http://am1:9093', "
                                 "resend_interval: ") +
                     bad + "}\n");
    EXPECT_NE(error.find("alerts[0].resend_interval"), std::string::npos) << error;
    EXPECT_NE(error.find("resolve_timeout"), std::string::npos) << error;
  }
}

TEST(AlertmanagerProvider, ConfigErrorsNameTheKey) {
  auto error = config_error("  - {name: am, kind: alertmanager}\n");
  EXPECT_NE(error.find("alerts[0].urls"), std::string::npos) << error;
  error = config_error("  - {name: am, kind: alertmanager, urls: []}\n");
  EXPECT_NE(error.find("alerts[0].urls"), std::string::npos) << error;
  error = config_error("  - {name: am, kind: alertmanager, urls: ['am1:9093']}\n");
  EXPECT_NE(error.find("alerts[0].urls"), std::string::npos) << error;
  error = config_error(
      "  - {name: am, kind: alertmanager, urls: ['http://am1:9093', 'http://am1:9093/']}\n");
  EXPECT_NE(error.find("listed twice"), std::string::npos) << error;
  error =
      config_error("  - {name: am, kind: alertmanager, url: 'http://a:1', urls: ['http://b:1']}\n");
  EXPECT_NE(error.find("alerts[0].url"), std::string::npos) << error;
  error = config_error(
      "  - {name: am, kind: alertmanager, url: 'http://am1:9093', labels: {env-name: x}}\n");
  EXPECT_NE(error.find("alerts[0].labels.env-name"), std::string::npos) << error;
  error = config_error(
      "  - {name: am, kind: alertmanager, url: 'http://am1:9093', labels: {9lives: x}}\n");
  EXPECT_NE(error.find("alerts[0].labels.9lives"), std::string::npos) << error;
  error = config_error(
      "  - {name: am, kind: alertmanager, url: 'http://am1:9093', labels: {severity: x}}\n");
  EXPECT_NE(error.find("alerts[0].labels.severity"), std::string::npos) << error;
}

TEST(AlertmanagerProvider, Answers) {
  auto provider = provider_from(kAlertmanager);
  EXPECT_TRUE(provider->accepted(answer(200)));
  EXPECT_FALSE(provider->accepted(answer(202)));
  for (long status : {400L, 422L}) EXPECT_FALSE(provider->retryable(answer(status))) << status;
  for (long status : {429L, 500L, 503L}) EXPECT_TRUE(provider->retryable(answer(status))) << status;
}

TEST(HostPort, DropsSchemeCredentialsAndPath) {
  EXPECT_EQ(host_port_of("http://am1:9093"), "am1:9093");
  EXPECT_EQ(host_port_of("https://u:p@am:9443/x/y?z"), "am:9443");
  EXPECT_EQ(host_port_of("http://[::1]:9093/"), "[::1]:9093");
}

}  // namespace
}  // namespace watchdog::alerts
