// Runs an io_context in short slices until a condition holds, bounded, for tests of
// asynchronous inputs.
#pragma once

#include <chrono>

#include <boost/asio/io_context.hpp>

namespace recount::testing {

// True once `condition()` holds; false if `timeout` passed first.
template <typename Condition>
bool run_until(boost::asio::io_context& io, Condition condition,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(20));
    io.restart();
  }
  return condition();
}

}  // namespace recount::testing
