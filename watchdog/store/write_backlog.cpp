#include "watchdog/store/write_backlog.h"

#include <utility>

namespace watchdog::store {

std::exception_ptr WriteBacklog::submit(Write write) {
  if (!waiting_.empty()) {
    keep(std::move(write));  // behind the others: the journal keeps its order
    return nullptr;
  }
  try {
    write();
    return nullptr;
  } catch (const std::exception&) {
    keep(std::move(write));
    return std::current_exception();
  }
}

std::exception_ptr WriteBacklog::flush() {
  if (waiting_.empty()) return nullptr;
  try {
    Transaction transaction(db_);
    for (const auto& write : waiting_) write();
    transaction.commit();
  } catch (const std::exception&) {
    return std::current_exception();  // rolled back: every write still waits
  }
  waiting_.clear();
  return nullptr;
}

void WriteBacklog::keep(Write write) {
  if (capacity_ == 0) {
    ++dropped_;
    return;
  }
  if (waiting_.size() >= capacity_) {
    waiting_.pop_front();
    ++dropped_;
  }
  waiting_.push_back(std::move(write));
}

}  // namespace watchdog::store
