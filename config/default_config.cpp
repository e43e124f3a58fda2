#include "config/loader.h"

namespace watchdog::config {

const std::string& embedded_default_yaml() {
  static const std::string yaml = R"(# Built-in configuration for `watchdog run` without --config.
watchdog:
  listen: 127.0.0.1:9187
  state_dir: ${WATCHDOG_STATE_DIR:-/var/lib/watchdog}
components:
  - name: host
    critical: true
    probes:
      - name: root-disk
        kind: disk
        path: /
      - name: state-disk
        kind: disk
        path: ${WATCHDOG_STATE_DIR:-/var/lib/watchdog}
)";
  return yaml;
}

}  // namespace watchdog::config
