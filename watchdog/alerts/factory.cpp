#include "watchdog/alerts/factory.h"

#include "watchdog/alerts/alertmanager_provider.h"
#include "watchdog/alerts/discord_provider.h"
#include "watchdog/alerts/pagerduty_provider.h"
#include "watchdog/alerts/slack_provider.h"
#include "watchdog/alerts/teams_provider.h"
#include "watchdog/alerts/webhook_provider.h"

namespace watchdog::alerts {

std::vector<std::unique_ptr<Provider>> make_providers(const config::AlertSpec& spec) {
  config::Options options = spec.options;
  std::vector<std::unique_ptr<Provider>> sinks;
  if (spec.kind == "webhook") {
    sinks.push_back(WebhookProvider::create(spec.name, options));
  } else if (spec.kind == "slack") {
    sinks.push_back(SlackProvider::create(spec.name, options));
  } else if (spec.kind == "discord") {
    sinks.push_back(DiscordProvider::create(spec.name, options));
  } else if (spec.kind == "teams") {
    sinks.push_back(TeamsProvider::create(spec.name, options));
  } else if (spec.kind == "pagerduty") {
    sinks.push_back(PagerDutyProvider::create(spec.name, options));
  } else if (spec.kind == "alertmanager") {
    sinks = AlertmanagerProvider::create(spec.name, options);
  } else {
    options.fail("kind", "unknown alert kind '" + spec.kind +
                             "' (known: webhook, slack, discord, teams, pagerduty, alertmanager)");
  }
  options.finish();
  return sinks;
}

}  // namespace watchdog::alerts
