#include "watchdog/leader/leader_lock.h"

#include <unistd.h>

#include <cstdio>
#include <random>

#include "watchdog/leader/kubernetes_leader_lock.h"
#include "watchdog/leader/postgres_leader_lock.h"
#include "watchdog/leader/redis_leader_lock.h"

namespace watchdog::core {

std::unique_ptr<LeaderLock> make_leader_lock(const config::LeaderSpec& spec,
                                             const std::string& identity) {
  config::Options options = spec.options;  // shares the read marks; finish() sees our reads
  std::unique_ptr<LeaderLock> lock;
  if (spec.kind == "redis") {
    lock = RedisLeaderLock::create(options, spec.lease, identity);
  } else if (spec.kind == "postgres") {
    lock = PostgresLeaderLock::create(options, identity);
  } else if (spec.kind == "kubernetes") {
    lock = KubernetesLeaderLock::create(options, spec.lease, identity);
  } else if (!spec.kind.empty()) {
    options.fail("kind", "unknown leader lock kind '" + spec.kind +
                             "' (expected redis, postgres or kubernetes)");
  }
  options.finish();
  return lock;
}

std::string default_identity() {
  char host[256] = {};
  const std::string name =
      gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0' ? host : "watchdog";
  // In a container the pid is the same small number at every start, and host-network replicas
  // share the host name: a random part keeps two live replicas from sharing one identity.
  std::random_device random;
  char suffix[9];
  std::snprintf(suffix, sizeof(suffix), "%08x", static_cast<unsigned>(random()));
  return name + ":" + std::to_string(getpid()) + ":" + suffix;
}

}  // namespace watchdog::core
