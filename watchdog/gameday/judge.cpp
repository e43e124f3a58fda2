// judge() (declared in measure.h): the expectations of the scenario as checks, then the advice.
#include <algorithm>
#include <set>

#include "config/units.h"
#include "watchdog/gameday/advice.h"
#include "watchdog/gameday/measure.h"

namespace watchdog::gameday {
namespace {

using config::GamedayExpect;

std::string since_fault(const Result& r, const std::optional<TimePoint>& at) {
  if (!r.fault || !at) return "";
  return duration_text(std::chrono::duration_cast<milliseconds>(*at - *r.fault)) +
         " after the fault";
}

Check detected(const Result& r) {
  Check check{"detected", r.detected.has_value(), ""};
  if (r.incident_id.empty()) {
    check.detail = "no incident opened (" + std::string(outcome_name(r.outcome)) + ")";
  } else if (!r.detected) {
    check.detail = "incident " + r.incident_id + " reached only " + r.worst_state;
  } else {
    check.detail = "incident " + r.incident_id + ", " + since_fault(r, r.detected);
    if (r.first_failure && r.fault) {
      check.detail += " (first failing probe " + since_fault(r, r.first_failure) + ")";
    }
  }
  return check;
}

std::string actions_text(int attempts) {
  if (attempts == 0) return "with no action of the watchdog";
  return "after " + std::to_string(attempts) + (attempts == 1 ? " action" : " actions");
}

Check recovered_alone(const Result& r) {
  Check check{"recovered without a person", false, ""};
  if (r.worst_state == "FAILED") {
    check.detail = "recovery gave up after " + std::to_string(r.attempts) + " attempts (FAILED)";
    if (!r.reason.empty()) check.detail += ": " + r.reason;
  } else if (!r.recovered) {
    check.detail = "still " + (r.worst_state.empty() ? "unknown" : r.worst_state) +
                   " when the wait ended (" + outcome_name(r.outcome) + ")";
  } else if (r.reverted && *r.reverted < *r.recovered) {
    check.detail = "HEALTHY only after the revert: the watchdog did not mend it";
  } else {
    check.passed = true;
    check.detail = "HEALTHY " + since_fault(r, r.recovered) + ", " + actions_text(r.attempts);
  }
  return check;
}

Check within_rto(const Result& r) {
  Check check{"within the RTO (" + config::format_duration(r.rto) + ")", false, ""};
  const auto took = r.time_to_recover();
  if (!took) {
    check.detail = "not recovered";
  } else if (*took <= r.rto) {
    check.passed = true;
    check.detail =
        "took " + duration_text(*took) + ", " + duration_text(r.rto - *took) + " to spare";
  } else {
    check.detail = "took " + duration_text(*took) + ", " + duration_text(*took - r.rto) + " over";
  }
  return check;
}

// Each sink that got an alert of one of `states` for the incident: was the first one delivered?
// Sinks whose routes took none of those states are not asked.
Check alerts_delivered(const Result& r, const std::string& what,
                       const std::set<std::string>& states) {
  Check check{what, true, ""};
  std::set<std::string> seen;
  for (const auto& alert : r.alerts) {
    if (!states.contains(alert.state) || !seen.insert(alert.sink).second) continue;
    std::string line = alert.sink + " " + alert.state;
    if (alert.status == "delivered") {
      line += alert.latency() ? " after " + duration_text(*alert.latency()) : " delivered";
    } else {
      check.passed = false;
      line += ": " + alert.status;
    }
    check.detail += (check.detail.empty() ? "" : ", ") + line;
  }
  if (seen.empty()) {
    check.passed = false;
    std::string names;
    for (const auto& state : states) names += (names.empty() ? "" : "/") + state;
    check.detail = "no " + names + " alert was queued" +
                   (r.incident_id.empty() ? "" : " for incident " + r.incident_id);
  }
  return check;
}

// alert-sink-down: every alert to the sink queued while it was down was delivered, and only
// after it came back (the outbox kept it; it was not lost, nor did the dead sink "accept" it).
Check delivered_after_outage(const Result& r, const SinkOutage& outage) {
  Check check{"alerts queued while " + outage.sink + " was down delivered after it came back",
              true, ""};
  if (!outage.up) {
    check.passed = false;
    check.detail = outage.sink + " was never started again";
    return check;
  }
  int queued = 0;
  for (const auto& alert : r.alerts) {
    if (alert.sink != outage.sink || alert.queued < outage.down || alert.queued >= *outage.up) {
      continue;
    }
    ++queued;
    std::string line = alert.state;
    if (alert.status != "delivered" || !alert.finished) {
      check.passed = false;
      line += ": " + alert.status;
    } else if (*alert.finished < *outage.up) {
      check.passed = false;
      line += ": delivered while the sink was down";
    } else {
      line += " delivered " + duration_text(*alert.latency()) + " after it was queued";
    }
    check.detail += (check.detail.empty() ? "" : ", ") + line;
  }
  if (queued == 0) {
    check.passed = false;
    check.detail = "no alert to " + outage.sink + " was queued while it was down";
  } else {
    check.detail += " (down for " + duration_text(std::chrono::duration_cast<milliseconds>(
                                        *outage.up - outage.down)) +
                    ")";
  }
  return check;
}

// The RPO achieved is what the writer lost: the time between the newest row that came back
// and the fault. The backup's age is only what the catalog offers; whether anything was
// restored from it is what counts (a database still missing or empty must fail this). When the
// backup is older than the writer's table, none of its rows can come back: then the database
// holding its tables again is what shows the restore, and the backup's age is the loss.
Check within_rpo(const Result& r, const DataLoss& loss) {
  Check check{"data loss within the RPO (" + config::format_duration(loss.rpo) + ")", false, ""};
  const std::string rows =
      std::to_string(loss.rows_lost()) + " of " + std::to_string(loss.rows_written) + " rows lost";
  const std::string backup = loss.backup_started && r.fault
                                 ? "; backup " +
                                       duration_text(std::chrono::duration_cast<milliseconds>(
                                           *r.fault - *loss.backup_started)) +
                                       " old at the fault"
                                 : "";
  if (!r.fault) {
    check.detail = "no fault time; " + rows;
  } else if (loss.backup_predates_writer()) {
    const auto age = std::chrono::duration_cast<milliseconds>(*r.fault - *loss.backup_started);
    check.passed = age <= loss.rpo;
    check.detail = "the data of the last " + duration_text(age) +
                   " before the fault lost (the backup predates the writer's table); " + rows +
                   backup;
  } else if (loss.rows_written > 0 && loss.rows_present == 0) {
    check.detail = "nothing came back: " + rows + backup;
  } else if (loss.last_present_written) {
    const auto achieved =
        std::max(milliseconds(0),
                 std::chrono::duration_cast<milliseconds>(*r.fault - *loss.last_present_written));
    check.passed = achieved <= loss.rpo;
    check.detail = "the data of the last " + duration_text(achieved) + " before the fault lost; " +
                   rows + backup;
  } else if (loss.backup_started) {  // the writer committed nothing: the backup's age is all
    const auto age = std::chrono::duration_cast<milliseconds>(*r.fault - *loss.backup_started);
    check.passed = age <= loss.rpo;
    check.detail = "the writer committed no rows to measure" + backup;
  } else {
    check.detail = "no backup was restored; " + rows;
  }
  return check;
}

Check healthy_after_revert(const Result& r) {
  Check check{"HEALTHY again after the revert", r.recovered.has_value(), ""};
  if (!r.recovered) {
    check.detail = "still " + r.worst_state + (r.reverted ? " after the revert" : " (no revert)");
  } else if (r.reverted && *r.recovered >= *r.reverted) {
    check.detail =
        "HEALTHY " +
        duration_text(std::chrono::duration_cast<milliseconds>(*r.recovered - *r.reverted)) +
        " after the revert";
  } else {
    check.detail = "HEALTHY " + since_fault(r, r.recovered);
  }
  return check;
}

Check ended_failed(const Result& r) {
  Check check{"ended FAILED", r.worst_state == "FAILED", ""};
  if (check.passed) {
    check.detail = "gave up after " + std::to_string(r.attempts) + " attempts";
  } else {
    check.detail = "worst state " + (r.worst_state.empty() ? "none" : r.worst_state) +
                   ": the watchdog never gave up (" + outcome_name(r.outcome) + ")";
  }
  return check;
}

}  // namespace

void judge(Result& r) {
  r.checks.clear();
  if (r.outcome == Outcome::Interrupted || r.outcome == Outcome::Error) {
    r.checks.push_back(
        {"ran to the end", false,
         std::string(outcome_name(r.outcome)) + (r.reason.empty() ? "" : ": " + r.reason)});
  } else {
    switch (r.expect) {
      case GamedayExpect::Recover:
        r.checks.push_back(detected(r));
        r.checks.push_back(recovered_alone(r));
        if (r.rto.count() > 0) r.checks.push_back(within_rto(r));
        r.checks.push_back(alerts_delivered(r, "alerts delivered", {"CRITICAL", "FAILED"}));
        break;
      case GamedayExpect::Detect:
        r.checks.push_back(detected(r));
        r.checks.push_back(alerts_delivered(r, "alerted", {"CRITICAL", "DEGRADED"}));
        r.checks.push_back(healthy_after_revert(r));
        break;
      case GamedayExpect::GiveUp:
        r.checks.push_back(ended_failed(r));
        r.checks.push_back(alerts_delivered(r, "FAILED alert delivered", {"FAILED"}));
        break;
    }
    if (r.sink_outage) r.checks.push_back(delivered_after_outage(r, *r.sink_outage));
    if (r.data_loss && r.data_loss->rpo.count() > 0) {
      r.checks.push_back(within_rpo(r, *r.data_loss));
    }
  }
  r.passed = std::all_of(r.checks.begin(), r.checks.end(), [](const Check& c) { return c.passed; });
  r.advice = advise(r);
}

}  // namespace watchdog::gameday
