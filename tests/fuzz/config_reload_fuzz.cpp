// libFuzzer target: SIGHUP reload of the config file. A good config (with an API token file) is
// loaded once, the way load_plan does (watchdog/plan.cpp: a SecretCollector around
// load_config_file, install_secrets only when the load succeeded); then, for each input, the
// file the daemon watches is overwritten with the fuzzed bytes and loaded again the same way.
// Properties, each a trap when broken:
//   - the load answers with a Config or a ConfigError (one line per message, no control byte);
//     anything else thrown, a crash or a hang of this process is a finding;
//   - a rejected reload leaves the running configuration's secrets in force: the old token is
//     still redacted afterwards (config/redaction.h promises it);
//   - a reload that succeeds is deterministic: loading the same file again gives the same
//     listen address, state_dir and component names.
// The factories' half of load_plan (probes/, actions/, alerts/ objects) is not linked here: it
// would triple the build; those constructors are covered by their own unit tests.
// Built and run by scripts/fuzz.sh, not by the test suite.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/loader.h"
#include "config/redaction.h"

namespace {

namespace fs = std::filesystem;
using namespace watchdog::config;

void check(bool property) {
  if (!property) __builtin_trap();
}

const std::string kToken = "fuzz-reload-token-5b1e0c9a";

struct Files {
  fs::path dir;
  fs::path config;
  Files() {
    char pattern[] = "/tmp/wd-fuzz-reload-XXXXXX";
    dir = ::mkdtemp(pattern);
    config = dir / "watchdog.yaml";
    std::ofstream(dir / "token") << kToken << "\n";
    fs::permissions(dir / "token", fs::perms::owner_read | fs::perms::owner_write);
  }
  ~Files() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string good_yaml() const {
    return "watchdog:\n  listen: 127.0.0.1:9187\n  state_dir: " + (dir / "state").string() +
           "\n  api_token_file: " + (dir / "token").string() +
           "\ncomponents:\n  - name: api\n    probes:\n      - {name: api-tcp, kind: tcp, "
           "host: 127.0.0.1, port: 8000}\n";
  }
  void write(const std::string& text) const {
    std::ofstream(config, std::ios::binary | std::ios::trunc) << text;
  }
};

// load_plan's config half: only a load that succeeds replaces the secrets.
bool reload(const fs::path& path, Config* loaded) {
  SecretCollector secrets;
  try {
    Config config = load_config_file(path);
    install_secrets(secrets.take());
    if (loaded) *loaded = std::move(config);
    return true;
  } catch (const ConfigError& error) {
    if (!loaded) std::fprintf(stderr, "the good config was refused: %s\n", error.what());
    for (const char c : std::string(error.what())) {
      check(static_cast<unsigned char>(c) >= 0x20);
    }
    return false;
  }
}

std::vector<std::string> names(const Config& config) {
  std::vector<std::string> out;
  for (const auto& component : config.components) out.push_back(component.name);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Files files;
  // The running configuration, as after the daemon's start; loaded again only after a fuzzed
  // reload succeeded (a rejected one changed nothing: that is the property under test).
  static bool good_in_force = false;
  if (!good_in_force) {
    files.write(files.good_yaml());
    check(reload(files.config, nullptr));
    check(redact("Bearer " + kToken).find(kToken) == std::string::npos);
    good_in_force = true;
  }

  files.write(std::string(reinterpret_cast<const char*>(data), size));
  Config first;
  if (!reload(files.config, &first)) {
    check(redact("echo: " + kToken).find(kToken) == std::string::npos);
    return 0;
  }
  good_in_force = false;
  Config second;
  check(reload(files.config, &second));
  check(first.watchdog.listen.text() == second.watchdog.listen.text());
  check(first.watchdog.state_dir == second.watchdog.state_dir);
  check(names(first) == names(second));
  return 0;
}
