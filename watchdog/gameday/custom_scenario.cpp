// A component's own scenario (gameday.scenarios): the operator's inject and revert argv, run
// without a shell and with a hard timeout (the whole process group is killed at the deadline),
// and the expectation the operator wrote. The revert must be idempotent like every revert: it
// runs again after a crash or an interrupted game day.
#include <memory>

#include "probes/clients/process_runner.h"
#include "watchdog/gameday/service_scenarios.h"

namespace watchdog::gameday {
namespace {

constexpr std::chrono::minutes kCommandTimeout{2};

std::string argv_text(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) text += (text.empty() ? "" : " ") + arg;
  return text;
}

class CustomScenario : public Scenario {
 public:
  explicit CustomScenario(config::CustomScenarioSpec spec) : spec_(std::move(spec)) {
    if (spec_.inject.empty() || spec_.revert.empty()) {
      throw ScenarioError("custom scenario " + spec_.name + " needs both inject and revert");
    }
  }

  config::GamedayExpect expect() const override { return spec_.expect; }

  std::vector<std::string> plan() const override {
    return {"run: " + argv_text(spec_.inject), "revert: run: " + argv_text(spec_.revert)};
  }

  void inject(Context& ctx) override { run(ctx, spec_.inject, "inject"); }
  void revert(Context& ctx) override { run(ctx, spec_.revert, "revert"); }

 private:
  void run(Context& ctx, const std::vector<std::string>& argv, const char* step) const {
    probes::ProcessSpec process;
    process.argv = argv;
    process.timeout = kCommandTimeout;
    const auto result = probes::run_process(process);
    const std::string what = spec_.name + ": " + step;
    if (!result.started) throw ScenarioError(what + " could not start: " + result.start_error);
    if (result.timed_out) {
      throw ScenarioError(what + " timed out after " + std::to_string(kCommandTimeout.count()) +
                          " min");
    }
    if (result.signal != 0 || result.exit_code != 0) {
      throw ScenarioError(what + " failed (" +
                          (result.signal ? probes::signal_name(result.signal)
                                         : "exit " + std::to_string(result.exit_code)) +
                          "): " + probes::first_line(result.output_tail));
    }
    ctx.note(what + ": " + argv_text(argv) + " done");
  }

  config::CustomScenarioSpec spec_;
};

}  // namespace

std::unique_ptr<Scenario> make_custom(const config::CustomScenarioSpec& spec, const config::Config&,
                                      const config::ComponentSpec&) {
  return std::make_unique<CustomScenario>(spec);
}

}  // namespace watchdog::gameday
