#include "watchdog/alerts/factory.h"

#include "watchdog/alerts/webhook_provider.h"

namespace watchdog::alerts {

std::unique_ptr<Provider> make_provider(const config::AlertSpec& spec) {
  config::Options options = spec.options;
  std::unique_ptr<Provider> provider;
  if (spec.kind == "webhook") {
    provider = WebhookProvider::create(spec.name, options);
  } else {
    options.fail("kind", "unknown alert kind '" + spec.kind + "' (known: webhook)");
  }
  options.finish();
  return provider;
}

}  // namespace watchdog::alerts
