// The Paho adapter against a real Mosquitto: delivery on the io_context, reconnection after a
// broker restart with re-subscription, refusal to publish while disconnected, and publishing while
// Paho's receive thread waits for paused delivery.
#include "shared/mqtt/link.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>

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

// TCP_NODELAY of each of this process's TCP sockets connected to `port`.
std::vector<bool> nodelay_towards(int port) {
  std::vector<bool> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    const std::string name = entry.path().filename().string();
    int fd = -1;
    if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc{}) continue;
    sockaddr_storage peer{};
    socklen_t peer_size = sizeof peer;
    if (getpeername(fd, static_cast<sockaddr*>(static_cast<void*>(&peer)), &peer_size) != 0) continue;
    if (peer.ss_family != AF_INET) continue;
    sockaddr_in v4{};
    std::memcpy(&v4, &peer, sizeof v4);
    if (ntohs(v4.sin_port) != port) continue;
    int on = 0;
    socklen_t on_size = sizeof on;
    REQUIRE(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &on_size) == 0);
    found.push_back(on != 0);
  }
  return found;
}

}  // namespace

TEST_CASE("a published message reaches a subscriber through a real broker, on the io_context thread") {
  testing::Mosquitto broker;
  boost::asio::io_context io;
  Link subscriber(io, options_for(broker, "subscriber"));
  Link publisher(io, options_for(broker, "publisher"));
  std::vector<Message> received;
  std::thread::id handler_thread;
  subscriber.on_message([&](const Message& message) {
    handler_thread = std::this_thread::get_id();
    received.push_back(message);
  });
  subscriber.subscribe({"recount/test/#"}, Qos::kAtLeastOnce);
  subscriber.start();
  publisher.start();
  REQUIRE(run_until(io, [&] { return subscriber.connected() && publisher.connected(); }));
  std::optional<Result<void>> completion;
  publisher.publish({"recount/test/a", "héllo", false}, Qos::kAtLeastOnce,
                    [&](const Result<void>& result) { completion = result; });
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
  link.publish({"recount/test/a", "x", false}, Qos::kAtLeastOnce,
               [&](const Result<void>& result) { completion = result; });
  REQUIRE(run_until(io, [&] { return completion.has_value(); }));
  REQUIRE_FALSE(completion->has_value());
  CHECK(completion->error().code == ErrorCode::kUnavailable);
  link.stop();
}

// A retained message arrives as soon as its subscription is made, which may be before connected():
// what its handler publishes (the hub's reply, or the clearing of that very message) goes out.
TEST_CASE("a publish made while handling a subscription's first message is sent, even before connected()") {
  testing::Mosquitto broker;
  boost::asio::io_context io;
  {
    Link retainer(io, options_for(broker, "retainer"));
    retainer.start();
    REQUIRE(run_until(io, [&] { return retainer.connected(); }));
    std::optional<Result<void>> retained;
    retainer.publish({"recount/test/retained", "r", true}, Qos::kAtLeastOnce,
                     [&](const Result<void>& result) { retained = result; });
    REQUIRE(run_until(io, [&] { return retained.has_value(); }));
    REQUIRE(retained->has_value());
    retainer.stop();
  }
  // The window is short; several connects, each with more subscriptions after the retained one's,
  // as the hub has, make it likely that some message lands in it.
  int handled_early = 0;
  for (int attempt = 0; attempt < 20; ++attempt) {
    Link replier(io, options_for(broker, "replier-" + std::to_string(attempt)));
    std::optional<Result<void>> reply;
    replier.on_message([&](const Message& message) {
      if (message.topic != "recount/test/retained") return;
      if (!replier.connected()) ++handled_early;
      replier.publish({"recount/test/reply", "ok", false}, Qos::kAtLeastOnce,
                      [&](const Result<void>& result) { reply = result; });
    });
    std::vector<std::string> filters{"recount/test/retained"};
    for (int other = 0; other < 8; ++other) filters.push_back("recount/test/other/" + std::to_string(other));
    replier.subscribe(filters, Qos::kAtLeastOnce);
    replier.start();
    REQUIRE(run_until(io, [&] { return reply.has_value(); }));
    CHECK_MESSAGE(reply->has_value(), "attempt " << attempt << ": " << reply->error().message);
    replier.stop();
  }
  MESSAGE(handled_early << " of 20 first messages arrived before connected()");
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
  subscriber.on_message([&](const Message& message) { received.push_back(message.payload); });
  subscriber.subscribe({"recount/test/restart"}, Qos::kAtLeastOnce);
  subscriber.start();
  publisher.start();
  REQUIRE(run_until(io, [&] { return subscriber.connected() && publisher.connected(); }));

  broker.stop();
  REQUIRE(run_until(io, [&] { return !subscriber.connected() && disconnects == 1; }));
  broker.start();  // no persistence: the broker forgot every session and subscription
  REQUIRE(run_until(io, [&] { return subscriber.connected() && publisher.connected() && connects == 2; }));
  // connected() means Paho holds the subscription again, not that the broker has acknowledged it:
  // a message the broker takes before that reaches no one, so publish until one arrives.
  bool arrived = false;
  for (int attempt = 0; attempt < 50 && !arrived; ++attempt) {
    publisher.publish({"recount/test/restart", "after", false}, Qos::kAtLeastOnce);
    arrived = run_until(
        io, [&] { return !received.empty(); }, std::chrono::milliseconds(300));
  }
  REQUIRE(arrived);
  CHECK(received.front() == "after");
  subscriber.stop();
  publisher.stop();
}

TEST_CASE("the link's connection to the broker has Nagle's algorithm off, after a reconnect too") {
  // With Nagle on, a small packet written while an earlier one is unacknowledged waits for the
  // peer's delayed ACK (up to 40 ms): most of scan-to-task latency (docs/performance.md).
  testing::Mosquitto broker;
  boost::asio::io_context io;
  Link link(io, options_for(broker, "nodelay"));
  link.start();
  REQUIRE(run_until(io, [&] { return link.connected(); }));
  CHECK(nodelay_towards(broker.port()) == std::vector<bool>{true});

  broker.stop();
  REQUIRE(run_until(io, [&] { return !link.connected(); }));
  broker.start();
  REQUIRE(run_until(io, [&] { return link.connected(); }));
  CHECK(nodelay_towards(broker.port()) == std::vector<bool>{true});
  link.stop();
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
  watcher.on_message([&](const Message& message) { statuses.push_back(message); });
  watcher.subscribe({"recount/test/status"}, Qos::kAtLeastOnce);
  watcher.start();
  REQUIRE(run_until(io, [&] { return !statuses.empty(); }));
  CHECK(statuses.front().payload == "online");
  CHECK(statuses.front().retained);
  watcher.stop();
  mortal.stop();
}

TEST_CASE("publishing while delivery is paused and Paho's receive thread waits never blocks the io_context") {
  // The hub pauses delivery when its ingest queue is full and keeps publishing acks meanwhile.
  testing::Mosquitto broker;
  boost::asio::io_context io;
  Link receiver(io, options_for(broker, "receiver"));
  Link sender(io, options_for(broker, "sender"));
  std::size_t received = 0;
  receiver.on_message([&](const Message&) { ++received; });
  receiver.subscribe({"recount/test/flood"}, Qos::kAtLeastOnce);
  receiver.start();
  sender.start();
  REQUIRE(run_until(io, [&] { return receiver.connected() && sender.connected(); }));
  run_until(
      io, [] { return false; }, std::chrono::milliseconds(300));  // the SUBACK arrives
  receiver.set_delivery(Delivery::kPaused);
  // With the old adapter the publishes below waited forever for Paho's lock; the watchdog frees
  // them (from another thread, which set_delivery tolerates) so the failure is reported, not a hang.
  std::atomic<bool> returned{false};
  std::atomic<bool> rescued{false};
  std::thread watchdog([&] {
    for (int i = 0; i < 100 && !returned; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!returned) {
      rescued = true;
      receiver.set_delivery(Delivery::kFlowing);
    }
  });
  constexpr std::size_t kMessages = 5;
  std::size_t taken = 0;
  for (std::size_t i = 0; i < kMessages; ++i) {
    sender.publish({"recount/test/flood", std::to_string(i), false}, Qos::kAtLeastOnce,
                   [&](const Result<void>& result) { taken += result.has_value() ? 1 : 0; });
  }
  // Paho's receive thread (one for every client of the process) now holds the first message and
  // waits for delivery to flow; even the sender's PUBACKs wait behind it.
  run_until(
      io, [] { return false; }, std::chrono::milliseconds(500));
  CHECK(received == 0);

  std::optional<Result<void>> completion;
  receiver.publish({"recount/test/reply", "ack", false}, Qos::kAtLeastOnce,
                   [&](const Result<void>& result) { completion = result; });
  returned = true;
  watchdog.join();
  CHECK_FALSE(rescued);

  receiver.set_delivery(Delivery::kFlowing);
  REQUIRE(run_until(io, [&] { return received == kMessages && taken == kMessages && completion.has_value(); }));
  CHECK(completion->has_value());
  receiver.stop();
  sender.stop();
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

// This process's threads named `name` (Paho names its two "MQTTAsync_send" and "MQTTAsync_rcv").
int threads_named(const std::string& name) {
  int count = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (std::getline(comm, line) && line == name) ++count;
  }
  return count;
}

// Destroying Paho's last client tears its global state down without waiting for its receive
// thread to finish tracing into it: hubs crashed on SIGTERM (16 of 2,976 stops in a stress loop,
// SIGSEGV in MQTTAsync_rcv). So Paho must never see its last client go: its threads outlive every
// link. Without that, Paho stops them within ~200 ms of the destroy.
TEST_CASE("Paho's threads outlive the last link, so its global state is never torn down under them") {
  testing::Mosquitto broker;
  {
    boost::asio::io_context io;
    Link link(io, options_for(broker, "last-one"));
    link.start();
    REQUIRE(run_until(io, [&] { return link.connected(); }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(threads_named("MQTTAsync_rcv") == 1);
  CHECK(threads_named("MQTTAsync_send") == 1);
}

// A device stopped while offline is usually in the middle of a connect: Paho refuses to disconnect
// then, so stop() destroys the client mid-connect. That must neither crash (Paho's threads still
// hold the connect; valgrind found no invalid access in 10 such stops) nor wait for the connect's
// timeout. A frozen broker takes the TCP connection and never answers the CONNECT.
TEST_CASE("stopping while a connect is in progress returns, and the broker takes the next client") {
  testing::Mosquitto broker;
  broker.freeze();
  for (int i = 0; i < 10; ++i) {
    boost::asio::io_context io;
    Link link(io, options_for(broker, "mid-connect-" + std::to_string(i)));
    bool failed = false;
    link.on_connect_failed([&](const std::string&) { failed = true; });
    link.start();
    // Stopped at a different point of the connect each time, before it could time out.
    run_until(
        io, [] { return false; }, std::chrono::milliseconds(20 + 40 * i));
    CHECK_FALSE(failed);
    link.stop();
    CHECK_FALSE(link.connected());
  }
  broker.thaw();
  boost::asio::io_context io;
  Link link(io, options_for(broker, "after-mid-connect"));
  link.start();
  CHECK(run_until(io, [&] { return link.connected(); }));
  link.stop();
}

}  // namespace recount::mqtt

namespace recount::mqtt {
namespace {

// Connects a link and runs until it is connected or reports a failed connect; returns that
// failure's reason, or "" once connected.
std::string connect_outcome(LinkOptions options) {
  boost::asio::io_context io;
  Link link(io, std::move(options));
  std::optional<std::string> failure;
  link.on_connect_failed([&](const std::string& reason) { failure = reason; });
  link.start();
  REQUIRE(run_until(io, [&] { return link.connected() || failure.has_value(); }));
  link.stop();
  return failure.value_or("");
}

LinkOptions locked_options(const testing::Mosquitto& broker, std::string client_id) {
  auto options = options_for(broker, std::move(client_id));
  options.security.ca_file = broker.ca_file();
  return options;
}

}  // namespace

TEST_CASE("over mqtts with the broker's CA and a password, the link connects and messages flow") {
  testing::Mosquitto broker(testing::BrokerSecurity::kLocked);
  broker.add_user("recount-hub", "hub-secret");
  auto options = locked_options(broker, "tls-hub");
  options.security.username = "recount-hub";
  options.security.password = "hub-secret";
  boost::asio::io_context io;
  Link link(io, options);
  std::vector<Message> received;
  link.on_message([&](const Message& message) { received.push_back(message); });
  link.subscribe({"recount/test/#"}, Qos::kAtLeastOnce);
  link.start();
  REQUIRE(run_until(io, [&] { return link.connected(); }));
  link.publish({"recount/test/tls", "sealed", false}, Qos::kAtLeastOnce);
  REQUIRE(run_until(io, [&] { return !received.empty(); }));
  CHECK(received.front().payload == "sealed");
  link.stop();
}

TEST_CASE("a wrong password and a missing one are refused with the broker's reason") {
  testing::Mosquitto broker(testing::BrokerSecurity::kLocked);
  broker.add_user("recount-hub", "hub-secret");
  auto wrong = locked_options(broker, "tls-wrong");
  wrong.security.username = "recount-hub";
  wrong.security.password = "guess";
  CHECK(connect_outcome(wrong).find("broker refused") != std::string::npos);
  const auto anonymous = connect_outcome(locked_options(broker, "tls-anonymous"));
  CHECK(anonymous.find("not authorized") != std::string::npos);
}

TEST_CASE("a broker certificate from another CA is refused as a failed TLS handshake") {
  testing::Mosquitto broker(testing::BrokerSecurity::kLocked);
  broker.add_user("recount-hub", "hub-secret");
  auto options = locked_options(broker, "tls-other-ca");
  options.security.ca_file = broker.other_ca_file();
  options.security.username = "recount-hub";
  options.security.password = "hub-secret";
  const auto reason = connect_outcome(options);
  CHECK(reason.find("TLS handshake failed") != std::string::npos);
  CHECK(reason.find("not signed by a trusted CA") != std::string::npos);
}

TEST_CASE("a broker certificate for another host name is refused though its CA is trusted") {
  testing::Mosquitto broker(testing::BrokerSecurity::kLocked);
  broker.add_user("recount-hub", "hub-secret");
  auto options = locked_options(broker, "tls-mismatch");
  options.uri = broker.mismatched_uri();
  options.security.username = "recount-hub";
  options.security.password = "hub-secret";
  CHECK(connect_outcome(options).find("does not name the host") != std::string::npos);
}

TEST_CASE("a client certificate signed by the broker's CA logs in as its common name") {
  testing::Mosquitto broker(testing::BrokerSecurity::kLocked);
  const auto certificate = broker.issue_client_certificate("recount-hub");
  auto options = locked_options(broker, "tls-certificate");
  options.uri = broker.certificate_uri();
  options.security.cert_file = certificate.cert_file;
  options.security.key_file = certificate.key_file;
  CHECK(connect_outcome(options).empty());
  auto without = locked_options(broker, "tls-no-certificate");
  without.uri = broker.certificate_uri();
  CHECK_FALSE(connect_outcome(without).empty());
}

TEST_CASE("broker settings that cannot work are refused before any connect, naming the option") {
  LinkSecurity none;
  CHECK(check_broker("tcp://127.0.0.1:1883", none).has_value());
  CHECK(check_broker("mqtts://broker.example:8883", none).has_value());
  CHECK(check_broker("http://broker:1883", none).error().field == "--mqtt");
  CHECK(check_broker("tcp://broker", none).error().field == "--mqtt");
  CHECK(check_broker("tcp://broker:port", none).error().field == "--mqtt");
  LinkSecurity with_ca;
  with_ca.ca_file = "/etc/hostname";
  CHECK(check_broker("tcp://broker:1883", with_ca).error().field == "--mqtt-ca");
  LinkSecurity missing_ca;
  missing_ca.ca_file = "/nonexistent/ca.pem";
  CHECK(check_broker("mqtts://broker:8883", missing_ca).error().field == "--mqtt-ca");
  LinkSecurity half_certificate;
  half_certificate.cert_file = "/etc/hostname";
  CHECK(check_broker("mqtts://broker:8883", half_certificate).error().field == "--mqtt-key");
  LinkSecurity password_only;
  password_only.password = "secret";
  CHECK(check_broker("mqtts://broker:8883", password_only).error().field == "--mqtt-username");
}

}  // namespace recount::mqtt
