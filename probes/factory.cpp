#include "probes/factory.h"

#include "probes/backup_age_probe.h"
#include "probes/backup_probe.h"
#include "probes/command_probe.h"
#include "probes/disk_probe.h"
#include "probes/docker_probe.h"
#include "probes/http_probe.h"
#include "probes/kubernetes_probe.h"
#include "probes/postgres_probe.h"
#include "probes/redis_probe.h"
#include "probes/tcp_probe.h"

namespace watchdog::probes {

std::unique_ptr<Probe> make_probe(const config::ProbeSpec& spec,
                                  const std::vector<config::BackupTargetSpec>& backups) {
  config::Options options = spec.options;
  std::unique_ptr<Probe> probe;
  if (spec.kind == "disk") {
    probe = DiskProbe::create(spec.name, options);
  } else if (spec.kind == "backup_age") {
    probe = BackupAgeProbe::create(spec.name, options);
  } else if (spec.kind == "backup") {
    probe = BackupProbe::create(spec.name, options, backups);
  } else if (spec.kind == "http") {
    probe = HttpProbe::create(spec.name, options);
  } else if (spec.kind == "tcp") {
    probe = TcpProbe::create(spec.name, options);
  } else if (spec.kind == "command") {
    probe = CommandProbe::create(spec.name, options);
  } else if (spec.kind == "postgres") {
    probe = PostgresProbe::create(spec.name, options);
  } else if (spec.kind == "redis") {
    probe = RedisProbe::create(spec.name, options);
  } else if (spec.kind == "docker") {
    probe = DockerProbe::create(spec.name, options);
  } else if (spec.kind == "kubernetes") {
    probe = KubernetesProbe::create(spec.name, options);
  } else {
    std::string known;
    for (auto kind : probe_kinds()) known += (known.empty() ? "" : ", ") + std::string(kind);
    options.fail("kind", "unknown probe kind '" + spec.kind + "' (known: " + known + ")");
  }
  options.finish();  // any key the kind did not read is a typo
  return probe;
}

const std::vector<std::string_view>& probe_kinds() {
  static const std::vector<std::string_view> kinds = {"disk",    "backup_age", "http",  "tcp",
                                                      "command", "postgres",   "redis", "backup",
                                                      "docker",  "kubernetes"};
  return kinds;
}

}  // namespace watchdog::probes
