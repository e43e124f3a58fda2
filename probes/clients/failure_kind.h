#pragma once
// Why a check did not pass. Defined below the probes because the shared clients (Docker,
// Kubernetes) classify their errors with it, and probes, actions and alerts all report it.

#include <cerrno>
#include <cstring>
#include <string_view>

namespace watchdog::probes {

// Why a check did not pass; lets alerts and metrics say more than "failed".
enum class FailureKind {
  None,
  Timeout,      // the target did not answer in time
  Refused,      // connection refused / nothing listening
  Auth,         // credentials rejected
  NotFound,     // file, database, container … does not exist
  BadResponse,  // answered, but not what was expected (status, body, exit code)
  Threshold,    // a measurement crossed its warning or critical threshold
  Error,        // anything else (bad local state, library error)
  Corrupt,      // the target answered that its data is damaged (PostgreSQL SQLSTATE XX001, …)
  Locked,       // the check waited on a lock someone else holds (a migration, VACUUM FULL)
  Stopped,      // stopped on purpose by an operator (docker stop, scaled to 0): not an outage
  // The watchdog itself ran out of something (file descriptors, memory, processes, threads):
  // the check says nothing about its target, so it never moves the target toward CRITICAL.
  LocalResource,
};

// errno values of the watchdog's own calls (socket, pipe, fork, thread creation) that mean
// local exhaustion rather than anything about the target.
inline bool is_local_exhaustion(int error) {
  return error == EMFILE || error == ENFILE || error == ENOMEM || error == ENOBUFS;
}

// Starting a child: fork() (and execve()) also say EAGAIN when the watchdog's user is at its
// process limit. Not part of the above: for a socket, EAGAIN can come from the peer.
inline bool is_local_process_exhaustion(int error) {
  return is_local_exhaustion(error) || error == EAGAIN;
}

// A client library's text that ends with strerror() of a local-exhaustion errno ("Can't create
// socket: Too many open files"): compared with this C library's own wording, never a fixed one.
// Only for text the library wrote about the watchdog's own calls, never a server's reply.
inline bool ends_with_local_exhaustion(std::string_view text) {
  for (int error : {EMFILE, ENFILE, ENOMEM, ENOBUFS}) {
    const std::string_view reason = std::strerror(error);
    if (text.size() >= reason.size() && text.substr(text.size() - reason.size()) == reason) {
      return true;
    }
  }
  return false;
}

}  // namespace watchdog::probes
