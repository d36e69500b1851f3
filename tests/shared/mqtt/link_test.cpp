// The Paho adapter against a real Mosquitto: delivery on the io_context, reconnection after a
// broker restart with re-subscription, and refusal to publish while disconnected.
#include "shared/mqtt/link.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <thread>

#include "tests/support/mosquitto.hpp"

namespace recount::mqtt {
namespace {

// Runs the io_context until `done` or the timeout; returns whether `done` became true.
template <typename Done>
bool run_until(boost::asio::io_context& io, Done done, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(20));
  }
  return done();
}

LinkOptions options_for(const testing::Mosquitto& broker, std::string client_id) {
  LinkOptions options;
  options.uri = broker.uri();
  options.client_id = std::move(client_id);
  options.reconnect_min = std::chrono::milliseconds(50);
  options.reconnect_max = std::chrono::milliseconds(200);
  return options;
}

}  // namespace

TEST_CASE("a published message reaches a subscriber through a real broker, on the io_context thread") {
  testing::Mosquitto broker;
  boost::asio::io_context io;
  Link subscriber(io, options_for(broker, "subscriber"));
  Link publisher(io, options_for(broker, "publisher"));
  std::vector<Message> received;
  std::thread::id handler_thread;
  subscriber.on_message([&](Message message) {
    handler_thread = std::this_thread::get_id();
    received.push_back(std::move(message));
  });
  subscriber.subscribe({"recount/test/#"}, Qos::kAtLeastOnce);
  subscriber.start();
  publisher.start();
  REQUIRE(run_until(io, [&] { return subscriber.connected() && publisher.connected(); }));
  std::optional<Result<void>> completion;
  publisher.publish({"recount/test/a", "héllo", false}, Qos::kAtLeastOnce, [&](Result<void> result) { completion = result; });
  REQUIRE(run_until(io, [&] { return !received.empty() && completion.has_value(); }));
  CHECK(received.front().topic == "recount/test/a");
  CHECK(received.front().payload == "héllo");
  CHECK(completion->has_value());
  CHECK(handler_thread == std::this_thread::get_id());
  subscriber.stop();
  publisher.stop();
}

TEST_CASE("publishing while disconnected fails at once with an unavailable error") {
  testing::Mosquitto broker;
  broker.stop();
  boost::asio::io_context io;
  Link link(io, options_for(broker, "lonely"));
  link.start();
  std::optional<Result<void>> completion;
  link.publish({"recount/test/a", "x", false}, Qos::kAtLeastOnce, [&](Result<void> result) { completion = result; });
  REQUIRE(run_until(io, [&] { return completion.has_value(); }));
  REQUIRE_FALSE(completion->has_value());
  CHECK(completion->error().code == ErrorCode::kUnavailable);
  link.stop();
}

TEST_CASE("the link reconnects after a broker restart and subscribes again") {
  testing::Mosquitto broker;
  boost::asio::io_context io;
  Link subscriber(io, options_for(broker, "resubscriber"));
  Link publisher(io, options_for(broker, "republisher"));
  int connects = 0;
  int disconnects = 0;
  std::vector<std::string> received;
  subscriber.on_connected([&] { ++connects; });
  subscriber.on_disconnected([&](const std::string&) { ++disconnects; });
  subscriber.on_message([&](Message message) { received.push_back(message.payload); });
  subscriber.subscribe({"recount/test/restart"}, Qos::kAtLeastOnce);
  subscriber.start();
  publisher.start();
  REQUIRE(run_until(io, [&] { return subscriber.connected() && publisher.connected(); }));

  broker.stop();
  REQUIRE(run_until(io, [&] { return !subscriber.connected() && disconnects == 1; }));
  broker.start();  // no persistence: the broker forgot every session and subscription
  REQUIRE(run_until(io, [&] { return subscriber.connected() && publisher.connected() && connects == 2; }));
  publisher.publish({"recount/test/restart", "after", false}, Qos::kAtLeastOnce);
  REQUIRE(run_until(io, [&] { return !received.empty(); }));
  CHECK(received.front() == "after");
  subscriber.stop();
  publisher.stop();
}

TEST_CASE("the birth message is published again on every reconnect") {
  testing::Mosquitto broker;
  boost::asio::io_context io;
  auto options = options_for(broker, "mortal");
  options.birth = Message{"recount/test/status", "online", true};
  Link mortal(io, options);
  mortal.start();
  REQUIRE(run_until(io, [&] { return mortal.connected(); }));
  broker.stop();
  REQUIRE(run_until(io, [&] { return !mortal.connected(); }));
  broker.start();  // a fresh broker: the retained birth is gone until the link says it again
  REQUIRE(run_until(io, [&] { return mortal.connected(); }));

  Link watcher(io, options_for(broker, "watcher"));
  std::vector<Message> statuses;
  watcher.on_message([&](Message message) { statuses.push_back(std::move(message)); });
  watcher.subscribe({"recount/test/status"}, Qos::kAtLeastOnce);
  watcher.start();
  REQUIRE(run_until(io, [&] { return !statuses.empty(); }));
  CHECK(statuses.front().payload == "online");
  CHECK(statuses.front().retained);
  watcher.stop();
  mortal.stop();
}

TEST_CASE("stopping with QoS 1 publishes still in flight returns without terminating") {
  testing::Mosquitto broker;
  boost::asio::io_context io;
  Link link(io, options_for(broker, "hasty"));
  link.start();
  REQUIRE(run_until(io, [&] { return link.connected(); }));
  broker.freeze();  // no PUBACK comes back: the publishes stay in flight
  for (int i = 0; i < 2; ++i) link.publish({"recount/test/hasty", "x", false}, Qos::kAtLeastOnce);
  link.stop(Message{"recount/test/hasty", "bye", false}, std::chrono::milliseconds(300));
  CHECK_FALSE(link.connected());
  broker.thaw();
}

}  // namespace recount::mqtt
