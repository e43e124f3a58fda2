#include "watchdog/gameday/advice.h"

#include <set>

#include "config/units.h"

namespace watchdog::gameday {
namespace {

using config::format_duration;
using std::chrono::duration_cast;

milliseconds span(TimePoint from, TimePoint to) { return duration_cast<milliseconds>(to - from); }

std::string probe_settings(const Result& r) {
  if (r.probe_interval.count() <= 0) return "";
  return " at a " + format_duration(r.probe_interval) + " interval with failure_threshold " +
         std::to_string(r.failure_threshold);
}

// Detection is slow when it takes over a fifth of the RTO (over 2 minutes without one): the
// rest is for the action, the verification (success_threshold passes) and the margin.
void detection(const Result& r, std::vector<std::string>& out) {
  const auto took = r.time_to_detect();
  if (!took) return;
  const bool slow = r.rto.count() > 0 ? *took * 5 > r.rto : *took > std::chrono::minutes(2);
  if (!slow) return;
  out.push_back("detection took " + duration_text(*took) + probe_settings(r) +
                " — lower the threshold or add a faster probe");
}

// Which of detect → act → healthy took longest, for an RTO that was missed.
std::string longest_phase(const Result& r) {
  if (!r.fault || !r.detected || !r.recovered) return "";
  const auto detect = span(*r.fault, *r.detected);
  const auto act = r.first_action ? span(*r.detected, *r.first_action) : milliseconds(0);
  const auto heal = span(r.first_action ? *r.first_action : *r.detected, *r.recovered);
  if (detect >= act && detect >= heal) return "detection (" + duration_text(detect) + ")";
  if (act >= heal) return "the wait for the first action (" + duration_text(act) + ")";
  return "the actions and their verification (" + duration_text(heal) + ")";
}

void recovery(const Result& r, std::vector<std::string>& out) {
  if (r.expect != config::GamedayExpect::Recover) return;
  if (r.worst_state == "FAILED") {
    out.push_back("recovery gave up after " + std::to_string(r.attempts) +
                  " attempts — the ladder cannot mend this fault: add a rung for it (incident " +
                  r.incident_id + ")");
    return;
  }
  if (r.detected && !r.first_action) {
    out.push_back("no recovery action started — give " + r.component +
                  " a recovery ladder, or look for a hold in incident " + r.incident_id);
  }
  if (r.recovered && r.attempts == 0) {
    out.push_back(
        "HEALTHY again without an action of the watchdog: something else (a restart "
        "policy?) mended it, so the ladder was not tested");
  }
  const auto took = r.time_to_recover();
  if (!took) return;
  if (r.rto.count() <= 0) {
    out.push_back("no rto set for " + r.component + ": recovery took " + duration_text(*took) +
                  " — set rto: to judge it");
  } else if (*took <= r.rto) {
    out.push_back("RTO " + format_duration(r.rto) + " met with " + duration_text(r.rto - *took) +
                  " to spare");
  } else {
    const auto phase = longest_phase(r);
    out.push_back("RTO " + format_duration(r.rto) + " missed by " + duration_text(*took - r.rto) +
                  (phase.empty() ? "" : ": " + phase + " took longest"));
  }
}

void data(const Result& r, std::vector<std::string>& out) {
  if (!r.data_loss) return;
  const auto& loss = *r.data_loss;
  if (!loss.backup_started || !r.fault) {
    out.push_back("no backup was found to restore from — check the backup target's schedule");
    return;
  }
  const auto age = span(*loss.backup_started, *r.fault);
  const std::string lost = std::to_string(loss.rows_lost()) + " rows lost";
  if (loss.rows_written > 0 && loss.rows_present == 0 && !loss.backup_predates_writer()) {
    out.push_back("none of the " + std::to_string(loss.rows_written) +
                  " rows came back although a backup " + duration_text(age) +
                  " old was there — check that recovery restores this database");
  } else if (loss.rpo.count() <= 0) {
    out.push_back("backup was " + duration_text(age) + " old at the fault, " + lost +
                  " — set rpo: on the backup target to judge it");
  } else if (age <= loss.rpo) {
    out.push_back("backup was " + duration_text(age) + " old at the fault: RPO " +
                  format_duration(loss.rpo) + " met, " + lost);
  } else {
    out.push_back("backup was " + duration_text(age) + " old at the fault: RPO " +
                  format_duration(loss.rpo) + " missed — back up more often");
  }
}

void alerts(const Result& r, std::vector<std::string>& out) {
  std::set<std::string> told;  // one line per sink: its first slow or lost alert
  for (const auto& alert : r.alerts) {
    if (told.contains(alert.sink)) continue;
    const auto latency = alert.latency();
    if (alert.status == "delivered" && latency && *latency > kSlowAlert) {
      out.push_back("alert to " + alert.sink + " took " + duration_text(*latency) +
                    " (retries): check the sink");
    } else if (alert.status == "pending") {
      out.push_back("alert to " + alert.sink + " (" + alert.state +
                    ") was still pending when the game day ended: check the sink");
    } else if (alert.status != "delivered") {
      out.push_back("alert to " + alert.sink + " (" + alert.state + ") was not delivered (" +
                    alert.status + "): check the sink");
    } else {
      continue;
    }
    told.insert(alert.sink);
  }
  if (r.alerts.empty() && r.detected) {
    out.push_back("no alert went out for the incident — route " + r.component +
                  " to an alerts: sink");
  }
}

}  // namespace

std::vector<std::string> advise(const Result& r) {
  std::vector<std::string> out;
  switch (r.outcome) {
    case Outcome::Interrupted:
      out.push_back("interrupted before the outcome" +
                    (r.reason.empty() ? "" : " (" + r.reason + ")") +
                    ": the revert ran; run it again");
      return out;
    case Outcome::Error:
      out.push_back("a step failed" + (r.reason.empty() ? "" : ": " + r.reason) +
                    " — fix it and run again");
      return out;
    case Outcome::Undetected:
      out.push_back("no incident opened" +
                    (r.fault ? " within " + duration_text(span(*r.fault, r.ended)) : "") +
                    ": the probes did not notice the fault — add a probe that covers it");
      break;
    default:
      break;
  }
  detection(r, out);
  recovery(r, out);
  data(r, out);
  alerts(r, out);
  return out;
}

}  // namespace watchdog::gameday
