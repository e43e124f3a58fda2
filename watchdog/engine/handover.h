#pragma once
// Handover between replicas (issue: "each replica alerts under its own incident id"): which of
// the incidents in another holder's leader record (watchdog/leader/leader_record.h) this
// replica continues under that holder's id, and — once it leads — which it must close at the
// receivers because nothing here continues them. Pure; the engine applies the answer
// (engine_handover.cpp).
//
// Rules, per incident of the record:
// - its component is open here under another id → adopt the record's id (a follower keeps its
//   journal in step with the leader's; a new leader's alerts then continue what the receivers
//   already have open, and its resolution closes it there);
// - open here under that id already → nothing;
// - this replica leads and the component is HEALTHY here after a check, none failing → resolve
//   (the outage ended while the lease changed hands, or only the old leader saw it); not
//   configured here → resolve; not checked here yet, or a probe failing below its threshold →
//   pending (decided later: it may open here and continue under the record's id);
// - a follower never resolves: the holder still speaks for its incidents.
// A record this replica published itself is ignored.

#include <cstddef>
#include <string>
#include <vector>

#include "watchdog/leader/leader_record.h"

namespace watchdog::core {

struct LocalIncident {
  std::string component;
  std::string incident_id;  // "" while HEALTHY
  bool checked = false;     // every probe has run at least once since this process started
  bool suspect = false;     // a probe failed its latest check(s), below the threshold so far
};

struct Adoption {
  std::size_t local = 0;  // index into the `local` argument
  HandedIncident incident;
};

struct HandoverPlan {
  std::vector<Adoption> adopt;
  std::vector<HandedIncident> resolve;
  std::vector<HandedIncident> pending;
  bool empty() const { return adopt.empty() && resolve.empty() && pending.empty(); }
};

// `incidents`: the record's incidents still to be decided (all of them the first time, the
// pending ones after that).
HandoverPlan plan_handover(const std::vector<LocalIncident>& local,
                           const std::vector<HandedIncident>& incidents, bool leader);

}  // namespace watchdog::core
