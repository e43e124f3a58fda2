#pragma once
// The operator's argv of a game day (gameday.stop/start, a custom scenario's inject/revert):
// how it is shown and how it is run. Shared by service_switch.cpp and custom_scenario.cpp.
//
// Secrets: an argv is visible to every user of the host (ps, /proc/PID/cmdline) whatever we
// do, so a password for these commands belongs in a file or an environment variable the
// command reads itself (~/.my.cnf, REDISCLI_AUTH, PGPASSFILE). What we print — the plan, the
// report, the result JSON, the history, the daemon's log — still masks the usual forms, so a
// `redis-cli -a S3cret shutdown` written anyway does not spread further.

#include <chrono>
#include <string>
#include <vector>

namespace watchdog::gameday {

// argv joined by spaces for display, with secret values replaced by "***": argv[0] is kept;
// the value after -a, -p and any long option whose name says pass, token, secret, auth or
// api-key (--password, --pass, --token, --secret, --db-password); the attached forms -pVALUE,
// -aVALUE and --password=VALUE; NAME=VALUE words whose NAME says so (env PGPASSWORD=…); the
// password of user:password@ in a URL and of password=… in a conninfo. Errs on the side of
// masking (redis-cli's -p port is masked too).
std::string redacted_argv(const std::vector<std::string>& argv);

// The values redacted_argv() masks, for scrubbing them out of the command's own output.
std::vector<std::string> argv_secrets(const std::vector<std::string>& argv);

// Runs argv without a shell (own process group, killed whole at `timeout`). Throws
// ScenarioError "<what> failed (exit 1): <first output line>" / "could not start" /
// "timed out after …" when it did not exit 0; the output line has argv's secrets masked.
void run_operator_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::string& what);

}  // namespace watchdog::gameday
