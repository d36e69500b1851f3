// MQTT helpers for tests: running an io_context until something happens, and a test
// device that publishes through the real Link and keeps what it receives.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "shared/mqtt/link.hpp"

namespace recount::testing {

// Runs `io` in short slices until `done` or the timeout; returns whether `done` became true.
template <typename Done>
bool run_until(boost::asio::io_context& io, Done done, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  return done();
}

inline mqtt::LinkOptions test_link_options(const std::string& uri, std::string client_id) {
  mqtt::LinkOptions options;
  options.uri = uri;
  options.client_id = std::move(client_id);
  options.clean_session = true;
  options.reconnect_min = std::chrono::milliseconds(50);
  options.reconnect_max = std::chrono::milliseconds(500);
  return options;
}

// A client on `io` subscribed to `filters`; `received` holds what arrived, in order.
class TestDevice {
 public:
  TestDevice(boost::asio::io_context& io, const std::string& uri, std::string client_id,
             const std::vector<std::string>& filters)
      : io_(io), link_(io, test_link_options(uri, std::move(client_id))) {
    link_.on_message([this](mqtt::Message message) { received.push_back(std::move(message)); });
    if (!filters.empty()) link_.subscribe(filters, mqtt::Qos::kAtLeastOnce);
    link_.start();
    REQUIRE(run_until(io_, [this] { return link_.connected(); }));
  }

  // Publishes at QoS 1 and waits until the broker took it.
  void publish(const std::string& topic, const std::string& payload, bool retained = false) {
    std::optional<Result<void>> sent;
    link_.publish({topic, payload, retained}, mqtt::Qos::kAtLeastOnce,
                  [&](const Result<void>& result) { sent = result; });
    REQUIRE(run_until(io_, [&] { return sent.has_value(); }));
    REQUIRE(sent->has_value());
  }

  mqtt::Link& link() { return link_; }

  std::vector<mqtt::Message> received;

 private:
  boost::asio::io_context& io_;
  mqtt::Link link_;
};

}  // namespace recount::testing
