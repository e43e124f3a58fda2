// libFuzzer target: load_config_text on arbitrary bytes, through the same guard as the daemon
// (a child with limits, then the in-process parse). Any exception but ConfigError, a crash, or
// a hang of the parent is a finding. Built and run by scripts/fuzz.sh, not by the test suite.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    watchdog::config::load_config_text(text, "fuzz.yaml");
  } catch (const watchdog::config::ConfigError& error) {
    // Every message is escaped: no control byte may survive.
    for (const char c : std::string(error.what())) {
      if (static_cast<unsigned char>(c) < 0x20) __builtin_trap();
    }
  }
  return 0;
}
