#pragma once
// `teams`: a Microsoft Teams Workflows ("When a Teams webhook request is received") message —
// the envelope {"type":"message","attachments":[{Adaptive Card 1.4}]} with the title coloured
// by severity, the summary, the facts as a FactSet, the probe lines and an "Open incident"
// button when a link is known. The whole body stays under 28 000 bytes: probe lines and fact
// values are shortened (then dropped) until it fits. (The old MessageCard connectors are
// retired; use a Workflows URL.)
// Keys: url | url_file (secret), the shared delivery/route keys; rate_limit defaults to 1/s.
// A workflow answers 202 (some 200).

#include <memory>

#include "config/options.h"
#include "watchdog/alerts/provider.h"

namespace watchdog::alerts {

class TeamsProvider : public Provider {
 public:
  static std::unique_ptr<Provider> create(std::string name, config::Options& options);
  TeamsProvider(std::string name, DeliveryPolicy policy, Route route, config::Secret url);

  std::string_view kind() const override { return "teams"; }
  std::string describe() const override;
  probes::HttpRequest format(const AlertEvent& event) const override;
  bool accepted(const probes::HttpResponse& response) const override;

 private:
  config::Secret url_;
};

// Largest body sent to Teams, in bytes.
inline constexpr std::size_t kTeamsBodyMax = 28'000;

}  // namespace watchdog::alerts
