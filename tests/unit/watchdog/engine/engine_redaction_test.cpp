// Issue #20 item 5: the engine takes probe results and action outcomes in through the
// redaction registry, so a secret a target echoes never reaches the status, the journal or the
// alerts (the integration test SecretRedaction.* covers the log, sinks, CLI and API end to end).
#include <gtest/gtest.h>

#include "config/redaction.h"
#include "tests/unit/watchdog/engine/engine_fixture.h"
#include "watchdog/store/incident_journal.h"
#include "watchdog/store/state_store.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
using namespace engine_fixture;

constexpr const char* kToken = "echoed-t0ken-5ecret-value";

class EchoingProbe : public probes::Probe {
 public:
  EchoingProbe() : Probe("echo") {}
  std::string_view kind() const override { return "fake"; }
  probes::ProbeResult check(std::chrono::milliseconds) noexcept override {
    return probes::unhealthy(probes::FailureKind::Auth,
                             std::string("HTTP 401: Authorization: Bearer ") + kToken);
  }
};

class EchoingAction : public actions::Action {
 public:
  EchoingAction() : Action("fix") {}
  std::string_view kind() const override { return "fake"; }
  std::string describe() const override { return "fake"; }
  actions::ActionOutcome run(const actions::Incident&,
                             std::chrono::milliseconds) noexcept override {
    return {false, std::string("HTTP 401: Bearer ") + kToken, std::string("out ") + kToken, 1ms};
  }
};

TEST(EngineRedaction, ResultsAndOutcomesAreScrubbedAsTheyArrive) {
  config::install_secrets({std::string("Bearer ") + kToken});
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  Fixture f;
  auto switch_probe = std::make_shared<SwitchProbe>("echo");
  auto& c = f.add("api", switch_probe, std::make_shared<FakeAction>("fix", 1ms, nullptr));
  c.probes[0].probe = std::make_shared<EchoingProbe>();
  c.ladder[0].action = std::make_shared<EchoingAction>();
  c.spec.recovery.max_attempts = 1;
  Engine engine(f.metrics, f.dispatcher, {.seed = 7, .store = store.get()});
  engine.start(f.plan);
  ASSERT_TRUE(wait_until([&] { return state_of(engine, "api") == State::Failed; }));
  const auto status = engine.status();
  engine.stop();
  config::clear_secrets();

  ASSERT_EQ(status.components.size(), 1u);
  EXPECT_EQ(status.components[0].probes.at(0).detail, "HTTP 401: Authorization: [REDACTED]");
  store::IncidentJournal journal(store->db());
  std::string everything;
  for (const auto& incident : journal.list(10, false)) {
    for (const auto& event : journal.timeline(incident.id)) {
      everything += event.summary + " " + event.data + "\n";
    }
  }
  EXPECT_NE(everything.find("HTTP 401: [REDACTED]"), std::string::npos) << everything;
  EXPECT_NE(everything.find("out [REDACTED]"), std::string::npos) << everything;
  EXPECT_EQ(everything.find(kToken), std::string::npos) << everything;
}

}  // namespace
}  // namespace watchdog::core
