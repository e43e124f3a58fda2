// The engine applies the journal's retention from its plan — from the first store check on,
// never with the built-in limits (a longer configured retention must keep what it says).
#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"
#include "tests/unit/watchdog/engine/engine_fixture.h"
#include "watchdog/store/incident_journal.h"

namespace watchdog::core {
namespace {

using namespace engine_fixture;
using std::chrono::hours;

void closed_incident(store::IncidentJournal& journal, const std::string& id, hours closed_ago) {
  store::IncidentRecord r;
  r.id = id;
  r.component = "api";
  r.closed = Clock::now() - closed_ago;
  r.opened = *r.closed - hours(1);
  r.worst_state = "DEGRADED";
  r.reason = "probe failed";
  journal.upsert(r);
}

TEST(EngineRetention, StartPrunesByTheConfiguredRetentionNotTheBuiltInOne) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  {
    store::IncidentJournal journal(store->db());
    closed_incident(journal, "api-100-days-ago", hours(24 * 100));  // past the built-in 90 days
    closed_incident(journal, "api-400-days-ago", hours(24 * 400));
  }
  Fixture f;
  f.add("api", std::make_shared<SwitchProbe>("p"),
        std::make_shared<FakeAction>("fix", 5ms, nullptr));
  f.plan.config.watchdog.journal_retention = hours(24 * 365);
  Engine engine(f.metrics, f.dispatcher, {.seed = 5, .store = store.get()});
  engine.start(f.plan);
  // A connection of our own: the engine's is its loop thread's.
  store::Database reader(store::StateStore::file_in(dir.path()));
  store::IncidentJournal journal(reader);
  EXPECT_TRUE(wait_until([&] { return !journal.find("api-400-days-ago"); }, 10s))
      << "the retention never ran";
  EXPECT_TRUE(journal.find("api-100-days-ago")) << "pruned by the built-in 90 days";
  EXPECT_EQ(journal.incident_counts().at("api"), 2);
  engine.stop();
}

}  // namespace
}  // namespace watchdog::core
