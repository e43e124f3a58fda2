#pragma once
// The HTTP checks waiting for a place under the event loop's transfer cap (async_loop.h): first
// come first served, each with its own deadline (its submission + its timeout), so a check that
// can no longer start in time is found wherever it stands in the line — a short timeout behind
// a long one included. Pure: no clock reads, no threads (the loop thread owns it).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "probes/clients/http_client.h"

namespace watchdog::core {

class WaitingTransfers {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  struct Entry {
    probes::HttpRequest request;
    std::function<void(probes::HttpResponse)> done;
    SteadyTime submitted;
    SteadyTime deadline() const { return submitted + request.timeout; }
  };

  void push(Entry entry);
  bool empty() const { return line_.empty(); }
  std::size_t size() const { return line_.size(); }
  Entry pop_oldest();  // requires !empty()
  // Every entry whose deadline is ≤ now, in the order they came.
  std::vector<Entry> pop_expired(SteadyTime now);
  std::optional<SteadyTime> next_deadline() const;

 private:
  std::uint64_t next_number_ = 0;
  std::map<std::uint64_t, Entry> line_;                       // by arrival
  std::set<std::pair<SteadyTime, std::uint64_t>> deadlines_;  // by deadline
};

}  // namespace watchdog::core
