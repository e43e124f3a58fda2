// Link seam for the `*_inproc` fuzz targets (scripts/fuzz.sh): linked instead of
// config/parse_guard.cpp, it runs the parse in this process instead of a forked child.
//
// Why: through the real guard every input costs a fork of an ASan process (and 0.9 s for the
// inputs that hit yaml-cpp 0.7's endless loop), ~20-60 inputs/s here, so a million inputs would
// take days. In process the same loader runs at thousands per second; libFuzzer's fork mode
// (-fork=1 -ignore_timeouts=1 -ignore_ooms=1) then takes yaml-cpp's known loop as a timeout and
// goes on, keeping each such input as a timeout-* file. Those are replayed through the guarded
// target afterwards (scripts/fuzz.sh does it): there every one must be answered.
#include <new>

#include "config/parse_guard.h"

namespace watchdog::config {

ChildVerdict run_in_limited_child(const std::function<void()>& work, const ChildLimits&) {
  using Outcome = ChildVerdict::Outcome;
  try {
    work();
    return {Outcome::Ok, ""};
  } catch (const std::bad_alloc&) {
    return {Outcome::OutOfMemory, ""};
  } catch (const std::exception& error) {
    return {Outcome::Failed, error.what()};
  }
}

}  // namespace watchdog::config
