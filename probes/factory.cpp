#include "probes/factory.h"

#include <algorithm>
#include <array>

#include "probes/backup_age_probe.h"
#include "probes/backup_probe.h"
#include "probes/command_probe.h"
#include "probes/disk_probe.h"
#include "probes/docker_probe.h"
#include "probes/http_probe.h"
#include "probes/kubernetes_probe.h"
#include "probes/mysql_probe.h"
#include "probes/postgres_probe.h"
#include "probes/redis_probe.h"
#include "probes/tcp_probe.h"

namespace watchdog::probes {
namespace {

using Backups = std::vector<config::BackupTargetSpec>;

// A kind's create() in one shape: only `backup` reads the backup targets.
template <auto Create>
std::unique_ptr<Probe> plain(std::string name, config::Options& options, const Backups&) {
  return Create(std::move(name), options);
}

struct Kind {
  std::string_view name;
  std::unique_ptr<Probe> (*create)(std::string name, config::Options& options,
                                   const Backups& backups);
};

// Every probe kind, in the order error messages list them. Adding a kind = one line here.
constexpr std::array kKinds = {
    Kind{"disk", plain<DiskProbe::create>},
    Kind{"backup_age", plain<BackupAgeProbe::create>},
    Kind{"http", plain<HttpProbe::create>},
    Kind{"tcp", plain<TcpProbe::create>},
    Kind{"command", plain<CommandProbe::create>},
    Kind{"postgres", plain<PostgresProbe::create>},
    Kind{"redis", plain<RedisProbe::create>},
    Kind{"mysql", plain<MysqlProbe::create>},
    Kind{"backup", BackupProbe::create},
    Kind{"docker", plain<DockerProbe::create>},
    Kind{"kubernetes", plain<KubernetesProbe::create>},
};

}  // namespace

std::unique_ptr<Probe> make_probe(const config::ProbeSpec& spec, const Backups& backups) {
  config::Options options = spec.options;
  std::unique_ptr<Probe> probe;
  const auto kind = std::find_if(kKinds.begin(), kKinds.end(),
                                 [&](const Kind& k) { return k.name == spec.kind; });
  if (kind != kKinds.end()) {
    probe = kind->create(spec.name, options, backups);
  } else {
    std::string known;
    for (auto name : probe_kinds()) known += (known.empty() ? "" : ", ") + std::string(name);
    options.fail("kind", "unknown probe kind '" + spec.kind + "' (known: " + known + ")");
  }
  options.finish();  // any key the kind did not read is a typo
  return probe;
}

const std::vector<std::string_view>& probe_kinds() {
  static const std::vector<std::string_view> kinds = [] {
    std::vector<std::string_view> names;
    for (const auto& kind : kKinds) names.push_back(kind.name);
    return names;
  }();
  return kinds;
}

}  // namespace watchdog::probes
