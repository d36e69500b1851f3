// The broker link locked down as docs/broker/ ships it, with real processes: a real Mosquitto
// with TLS (certificates made by openssl at test time), a password file, client certificates and
// the ACL that `recountctl device provision` fills; recount-hub and recount-agent over mqtts.
#include <doctest/doctest.h>

#include <fstream>

#include "shared/mqtt/link.hpp"
#include "shared/protocol/device_bundle.hpp"
#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"

namespace recount::testing {
namespace {

constexpr auto kDeliveryTimeout = std::chrono::seconds(60);
constexpr const char* kHubPassword = "hub-broker-secret";

// A locked broker with the hub's user, a hub data directory and the hub's broker options.
struct SecureSite {
  SecureSite() : broker(BrokerSecurity::kLocked) {
    broker.add_user("recount-hub", kHubPassword);
    std::ofstream(dir / "hub-password") << kHubPassword << "\n";
  }

  std::vector<std::string> hub_options() const {
    return {"--mqtt-ca",   broker.ca_file().string(), "--mqtt-username",
            "recount-hub", "--mqtt-password-file",    (dir / "hub-password").string()};
  }

  // `recountctl device provision` for S1/DEVICE, then `recount-agent provision` into DIR/DEVICE;
  // reloads the broker. Returns the bundle.
  protocol::DeviceBundle provision(const std::string& device) {
    const auto bundle_file = dir / (device + ".bundle");
    const auto made = run_command({RECOUNTCTL_BIN, "--data", (dir / "hub").string(), "device", "provision", "--site",
                                   "S1", "--device", device, "--broker", broker.uri(), "--ca",
                                   broker.ca_file().string(), "--passwords", broker.password_file().string(), "--acl",
                                   broker.acl_file().string(), "--out", bundle_file.string()});
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    CHECK(made.out.find("Reload the broker") != std::string::npos);
    broker.reload();
    const auto joined =
        run_command({RECOUNT_AGENT_BIN, "provision", "--data", (dir / device).string(), bundle_file.string()});
    INFO(joined.err);
    REQUIRE(joined.exit_code == 0);
    return protocol::decode_bundle(read_file(bundle_file)).value();
  }

  std::unique_ptr<Hub> start_hub() { return std::make_unique<Hub>(dir / "hub", broker.uri(), hub_options()); }

  // `recount-agent run --data DIR/<data> extra...`, its output in files beside the directory.
  std::unique_ptr<Process> run_agent(const std::string& data, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{RECOUNT_AGENT_BIN, "run", "--data", (dir / data).string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<Process>(std::move(argv), dir / (data + "-run"));
  }

  TempDir dir;
  Mosquitto broker;
};

// The hub's count of a device's stored events; 0 when the hub has never heard of it.
std::uint64_t hub_events(const Hub& hub, const std::string& device) {
  const auto stats = hub.stats();  // kept: a range-for over a temporary's member would dangle
  for (const auto& entry : stats["devices"]) {
    if (entry["device"] == device) return entry["events"].get<std::uint64_t>();
  }
  return 0;
}

// Every event of the device's journal is stored by the hub and acked to the device.
bool synced(const Hub& hub, const std::filesystem::path& data, const std::string& device) {
  const auto status = agent_status(data);
  const auto count = status["last_seq"].get<std::uint64_t>();
  return count > 0 && hub_events(hub, device) == count && status["last_acked_seq"].get<std::uint64_t>() == count;
}

// A link of our own (the hub's adapter) as a given broker user, for what an attacker's client does.
struct Client {
  Client(const SecureSite& site, const std::string& client_id, const std::string& username, const std::string& password)
      : link(io, [&] {
          mqtt::LinkOptions options;
          options.uri = site.broker.uri();
          options.client_id = client_id;
          options.clean_session = true;
          options.security.ca_file = site.broker.ca_file();
          options.security.username = username;
          options.security.password = password;
          return options;
        }()) {
    link.on_message([this](mqtt::Message message) { received.push_back(std::move(message)); });
  }
  // Runs the io_context until `done` or the timeout.
  template <typename Done>
  bool run_until(Done done, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(std::chrono::milliseconds(20));
    }
    return done();
  }
  bool got(const std::string& topic) const {
    return std::any_of(received.begin(), received.end(), [&](const auto& message) { return message.topic == topic; });
  }

  boost::asio::io_context io;
  mqtt::Link link;
  std::vector<mqtt::Message> received;
};

}  // namespace

TEST_CASE("a provisioned device syncs its events to the hub over mqtts with its own password") {
  SecureSite site;
  site.provision("d1");
  record_events(site.dir / "d1", "S1", "d1", 25, 7);
  auto hub = site.start_hub();
  auto agent = site.run_agent("d1");  // no --mqtt: the provisioned link
  CHECK(eventually([&] { return synced(*hub, site.dir / "d1", "d1"); }, kDeliveryTimeout));
  INFO(agent->errors());
  CHECK(read_file(site.dir / "hub" / "mqtt-client-id").starts_with("recount-hub-"));
  CHECK(site.broker.log().find("recount-hub-") != std::string::npos);
}

TEST_CASE("device B's credentials cannot publish on device A's topics: the hub never sees it") {
  SecureSite site;
  site.provision("dA");
  const auto b = site.provision("dB");
  record_events(site.dir / "dB", "S1", "dB", 5, 11);
  // An impostor: a journal that claims to be dA, sending with dB's user name and password.
  record_events(site.dir / "impostor", "S1", "dA", 5, 12);
  std::ofstream(site.dir / "b-password") << b.password << "\n";
  auto impostor = site.run_agent(
      "impostor", {"--mqtt", site.broker.uri(), "--mqtt-ca", site.broker.ca_file().string(), "--mqtt-username",
                   b.username, "--mqtt-password-file", (site.dir / "b-password").string()});
  auto hub = site.start_hub();
  auto genuine = site.run_agent("dB");
  REQUIRE(eventually([&] { return synced(*hub, site.dir / "dB", "dB"); }, kDeliveryTimeout));
  // dB's batches went through while the impostor kept sending since before the hub started.
  CHECK(hub_events(*hub, "dA") == 0);
  CHECK(agent_status(site.dir / "impostor")["last_acked_seq"] == 0);
  CHECK(hub->stats()["devices"].size() == 1);
}

TEST_CASE("an agent without credentials is refused by the broker and says so while it retries") {
  SecureSite site;
  record_events(site.dir / "anonymous", "S1", "d9", 3, 5);
  auto agent = site.run_agent("anonymous", {"--mqtt", site.broker.uri(), "--mqtt-ca", site.broker.ca_file().string()});
  CHECK(eventually([&] { return agent->errors().find("not authorized") != std::string::npos; }, kDeliveryTimeout));
  CHECK(agent->running());
}

TEST_CASE("a hub refuses a broker certificate from a CA it does not trust, or for another host") {
  SecureSite site;
  auto options = site.hub_options();
  options[1] = site.broker.other_ca_file().string();
  std::vector<std::string> argv{RECOUNT_HUB_BIN, "--data", (site.dir / "hub").string(), "--mqtt", site.broker.uri()};
  argv.insert(argv.end(), options.begin(), options.end());
  Process wrong_ca(argv, site.dir / "hub-wrong-ca");
  CHECK(eventually([&] { return wrong_ca.errors().find("not signed by a trusted CA") != std::string::npos; },
                   kDeliveryTimeout));
  CHECK(wrong_ca.running());
  CHECK(wrong_ca.output().find("ready") == std::string::npos);
  wrong_ca.stop(SIGTERM);

  argv[4] = site.broker.mismatched_uri();
  argv[6] = site.broker.ca_file().string();
  Process wrong_host(argv, site.dir / "hub-wrong-host");
  CHECK(eventually([&] { return wrong_host.errors().find("does not name the host") != std::string::npos; },
                   kDeliveryTimeout));
  CHECK(wrong_host.output().find("ready") == std::string::npos);
}

TEST_CASE("a device cannot publish an ack, a nack, a catalog or a task list, nor another device's status") {
  SecureSite site;
  const auto a = site.provision("dA");
  Client watcher(site, "watcher", "recount-hub", kHubPassword);
  watcher.link.subscribe({"recount/#"}, mqtt::Qos::kAtLeastOnce);
  watcher.link.start();
  Client device(site, "device-a", a.username, a.password);
  device.link.start();
  REQUIRE(watcher.run_until([&] { return watcher.link.connected(); }));
  REQUIRE(device.run_until([&] { return device.link.connected(); }));
  for (const char* topic : {"recount/v1/S1/dA/ack", "recount/v1/S1/dA/nack", "recount/v1/S1/catalog",
                            "recount/v1/S1/tasks", "recount/v1/S1/dB/status"}) {
    device.link.publish({topic, R"({"v":1,"acked_through":1000000})", false}, mqtt::Qos::kAtLeastOnce);
  }
  // Its own status, last: once the watcher has it, the forged ones would have arrived before it.
  device.link.publish({"recount/v1/S1/dA/status", "{}", false}, mqtt::Qos::kAtLeastOnce);
  device.run_until([&] { return false; }, std::chrono::milliseconds(200));
  REQUIRE(watcher.run_until([&] { return watcher.got("recount/v1/S1/dA/status"); }));
  CHECK(watcher.received.size() == 1);
  device.link.stop();
  watcher.link.stop();
}

TEST_CASE("a device with a client certificate whose CN is its user name syncs without a password") {
  SecureSite site;
  site.provision("d3");  // its ACL block; the certificate replaces the password
  const auto certificate = site.broker.issue_client_certificate("S1.d3");
  record_events(site.dir / "d3", "S1", "d3", 10, 3);
  auto hub = site.start_hub();
  auto agent = site.run_agent(
      "d3", {"--mqtt", site.broker.certificate_uri(), "--mqtt-ca", site.broker.ca_file().string(), "--mqtt-cert",
             certificate.cert_file.string(), "--mqtt-key", certificate.key_file.string()});
  CHECK(eventually([&] { return synced(*hub, site.dir / "d3", "d3"); }, kDeliveryTimeout));
  INFO(agent->errors());
  CHECK((std::filesystem::status(site.dir / "d3" / "broker" / "client.key").permissions() &
         std::filesystem::perms::others_all) == std::filesystem::perms::none);
  CHECK_FALSE(std::filesystem::exists(site.dir / "d3" / "broker" / "password"));
}

}  // namespace recount::testing
