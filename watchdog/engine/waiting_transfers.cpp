#include "watchdog/engine/waiting_transfers.h"

#include <algorithm>

namespace watchdog::core {

void WaitingTransfers::push(Entry entry) {
  const std::uint64_t number = next_number_++;
  deadlines_.emplace(entry.deadline(), number);
  line_.emplace(number, std::move(entry));
}

WaitingTransfers::Entry WaitingTransfers::pop_oldest() {
  auto node = line_.extract(line_.begin());
  deadlines_.erase({node.mapped().deadline(), node.key()});
  return std::move(node.mapped());
}

std::vector<WaitingTransfers::Entry> WaitingTransfers::pop_expired(SteadyTime now) {
  std::vector<std::uint64_t> numbers;
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    numbers.push_back(deadlines_.begin()->second);
    deadlines_.erase(deadlines_.begin());
  }
  std::sort(numbers.begin(), numbers.end());  // in the order they came
  std::vector<Entry> expired;
  expired.reserve(numbers.size());
  for (std::uint64_t number : numbers) {
    auto node = line_.extract(number);
    expired.push_back(std::move(node.mapped()));
  }
  return expired;
}

std::optional<WaitingTransfers::SteadyTime> WaitingTransfers::next_deadline() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.begin()->first;
}

}  // namespace watchdog::core
