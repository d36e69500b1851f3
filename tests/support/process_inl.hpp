// Template definitions of process.hpp.
#pragma once

#include <thread>

namespace recount::testing {

template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout, std::chrono::milliseconds interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace recount::testing
