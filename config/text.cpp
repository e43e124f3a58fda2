#include "config/text.h"

#include <cstring>

namespace watchdog::config {

std::string errno_text(int error) {
  char buffer[256];
  // GNU strerror_r returns the message (maybe a static string, maybe `buffer`).
  return strerror_r(error, buffer, sizeof(buffer));
}

}  // namespace watchdog::config
