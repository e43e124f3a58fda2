// A component's own scenario (gameday.scenarios): the operator's inject and revert argv, run
// without a shell and with a hard timeout (the whole process group is killed at the deadline),
// and the expectation the operator wrote. The revert must be idempotent like every revert: it
// runs again after a crash or an interrupted game day. Both argv are shown redacted
// (operator_command.h): secrets belong in files or environment the commands read themselves.
#include <memory>

#include "watchdog/gameday/operator_command.h"
#include "watchdog/gameday/service_scenarios.h"

namespace watchdog::gameday {
namespace {

constexpr std::chrono::milliseconds kCommandTimeout{std::chrono::minutes(2)};

class CustomScenario : public Scenario {
 public:
  explicit CustomScenario(config::CustomScenarioSpec spec) : spec_(std::move(spec)) {
    if (spec_.inject.empty() || spec_.revert.empty()) {
      throw ScenarioError("custom scenario " + spec_.name + " needs both inject and revert");
    }
  }

  config::GamedayExpect expect() const override { return spec_.expect; }

  std::vector<std::string> plan() const override {
    return {"run: " + redacted_argv(spec_.inject), "revert: run: " + redacted_argv(spec_.revert)};
  }

  void inject(Context& ctx) override { run(ctx, spec_.inject, "inject"); }
  void revert(Context& ctx) override { run(ctx, spec_.revert, "revert"); }

 private:
  void run(Context& ctx, const std::vector<std::string>& argv, const char* step) const {
    const std::string what = spec_.name + ": " + step;
    run_operator_command(argv, kCommandTimeout, what);
    ctx.note(what + ": " + redacted_argv(argv) + " done");
  }

  config::CustomScenarioSpec spec_;
};

}  // namespace

std::unique_ptr<Scenario> make_custom(const config::CustomScenarioSpec& spec, const config::Config&,
                                      const config::ComponentSpec&) {
  return std::make_unique<CustomScenario>(spec);
}

}  // namespace watchdog::gameday
