// recount-hub's wiring in one process: ready once connected, the API on the port it bound, and a
// shutdown that lets the last acks out before it disconnects.
#include "hub/daemon/hub_daemon.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <thread>

#include <boost/asio/post.hpp>

#include "hub/audit/checkpoint.hpp"
#include "hub/auth/token_store.hpp"
#include "hub/daemon/signing_key.hpp"
#include "hub/http/client.hpp"
#include "hub/reconcile/sqlite_queries.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/signed_payload.hpp"
#include "shared/protocol/topics.hpp"
#include "tests/hub/ledger_fixtures.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/mqtt_fixtures.hpp"

namespace recount::hub {
namespace {

HubOptions options_for(const testing::Mosquitto& broker) {
  HubOptions options;
  options.mqtt_uri = broker.uri();
  options.http = HostPort{"127.0.0.1", 0};
  return options;
}

// A live stream (GET /api/v1/live) read without blocking, so the test's thread can run the hub's
// io_context between reads.
class LiveReader {
 public:
  LiveReader(const HostPort& hub, const std::string& token) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(hub.port);
    // The kernel completes a loopback connect from the listen backlog, without the hub's thread.
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    const std::string request =
        "GET /api/v1/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n\r\n";
    REQUIRE(::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  }
  ~LiveReader() { ::close(fd_); }
  LiveReader(const LiveReader&) = delete;
  LiveReader& operator=(const LiveReader&) = delete;

  // Everything received so far, after taking what waits in the socket.
  const std::string& text() {
    char chunk[4096];
    ssize_t got = 0;
    while ((got = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT)) > 0)
      text_.append(chunk, static_cast<std::size_t>(got));
    return text_;
  }

  // The data of each `event` received so far, parsed.
  std::vector<nlohmann::json> events(const std::string& event) {
    std::vector<nlohmann::json> found;
    const std::string marker = "event: " + event + "\ndata: ";
    const std::string& all = text();
    for (auto at = all.find(marker); at != std::string::npos; at = all.find(marker, at + 1)) {
      const auto begin = at + marker.size();
      found.push_back(nlohmann::json::parse(all.substr(begin, all.find('\n', begin) - begin)));
    }
    return found;
  }

 private:
  int fd_;
  std::string text_;
};

TEST_CASE("the hub is ready once connected, serves its API where it bound, and shuts down cleanly") {
  testing::Mosquitto broker;
  testing::LedgerFixture store;
  boost::asio::io_context io;
  auto daemon = HubDaemon::create(io, store.ledger, store.dir.path(), options_for(broker)).value();
  const auto address = daemon->http_address();
  REQUIRE(address.has_value());
  CHECK(address->port != 0);
  int ready = 0;
  daemon->start([&] { ++ready; });
  REQUIRE(testing::run_until(io, [&] { return ready == 1; }));

  std::thread server([&] { io.run(); });
  const auto health = http_get(*address, "/api/v1/health");
  bool done = false;
  boost::asio::post(io, [&] { daemon->shutdown([&] { done = true; }); });
  server.join();  // run() returns on its own: the shutdown leaves no work behind

  CHECK(done);
  REQUIRE(health.has_value());
  CHECK(health->status == 200);
  CHECK(nlohmann::json::parse(health->body)["mqtt"] == "connected");
  CHECK_FALSE(http_get(*address, "/api/v1/health", std::chrono::milliseconds(500)).has_value());
}

TEST_CASE("a shutdown right after a commit still gets that commit's ack to the device") {
  testing::Mosquitto broker;
  testing::LedgerFixture store;
  boost::asio::io_context io;
  auto daemon = HubDaemon::create(io, store.ledger, store.dir.path(), options_for(broker)).value();
  bool ready = false;
  daemon->start([&] { ready = true; });
  testing::TestDevice device(io, broker.uri(), "device-1", {"recount/v1/+/+/ack"});
  REQUIRE(testing::run_until(io, [&] { return ready; }));
  // A hello answered proves both subscriptions are in place.
  const protocol::Hello hello{"site-1", "device-1", "00000000000000e0", 0, 0, testing::kFixedNowMs, HlcStamp{}, "test"};
  REQUIRE(testing::run_until(io, [&] {
    device.publish(protocol::device_topic("site-1", "device-1", protocol::DeviceChannel::kHello),
                   protocol::encode(hello));
    return testing::run_until(
        io, [&] { return !device.received.empty(); }, std::chrono::milliseconds(300));
  }));
  device.received.clear();

  protocol::EventBatch batch{"site-1", "device-1", "00000000000000e1", {testing::count_event(1)}};
  device.publish(protocol::device_topic("site-1", "device-1", protocol::DeviceChannel::kEvents),
                 protocol::encode(batch));
  // One handler at a time, so the shutdown starts right after the commit, before the broker's
  // PUBACK for the ack can have been handled.
  auto committed = [&] { return !store.ledger.events().events({"device-1", batch.epoch, 0, 1}).value().empty(); };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!committed() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_one_for(std::chrono::milliseconds(10));
  }
  REQUIRE(committed());
  bool done = false;
  daemon->shutdown([&] { done = true; });
  // The batch's ack, not a late answer to a hello sent again while the first was on its way.
  auto batch_ack = [&]() -> std::optional<protocol::Ack> {
    for (const auto& message : device.received) {
      if (auto ack = protocol::decode_ack(message.payload); ack && ack->epoch == batch.epoch) return *ack;
    }
    return std::nullopt;
  };
  REQUIRE(testing::run_until(io, [&] { return done && batch_ack().has_value(); }));
  CHECK(batch_ack()->acked_through == 1);
}

TEST_CASE("with a settle delay, a count is judged once its delay has ended, with no further traffic") {
  testing::Mosquitto broker;
  testing::LedgerFixture store;
  const auto policy_file = store.dir / "policy.json";
  constexpr std::int64_t kDelayMs = 3000;
  {
    std::ofstream out(policy_file);
    out << R"({"settle_delay_ms": )" << kDelayMs << "}";
  }
  boost::asio::io_context io;
  HubOptions options = options_for(broker);
  options.policy_file = policy_file;
  options.settle_poll = std::chrono::milliseconds(100);
  auto daemon = HubDaemon::create(io, store.ledger, store.dir.path(), options).value();
  bool ready = false;
  daemon->start([&] { ready = true; });
  testing::TestDevice device(io, broker.uri(), "device-1", {"recount/v1/+/+/ack"});
  REQUIRE(testing::run_until(io, [&] { return ready; }));

  // A count of 3 where the ledger expects nothing: a discrepancy, once judged. Resent until acked,
  // as agents do: the hub's subscription may still be on its way.
  protocol::EventBatch batch{"site-1", "device-1", "00000000000000e1", {testing::count_event(1)}};
  REQUIRE(testing::run_until(io, [&] {
    device.publish(protocol::device_topic("site-1", "device-1", protocol::DeviceChannel::kEvents),
                   protocol::encode(batch));
    return testing::run_until(
        io, [&] { return !device.received.empty(); }, std::chrono::milliseconds(300));
  }));
  // Queries on the ledger's connection read what the daemon's reconciler wrote (same thread).
  auto reader = reconcile::SqliteQueries::prepare(store.ledger.database()).value();
  const auto received_ms = store.ledger.events().events({"device-1", batch.epoch, 0, 1}).value().at(0).received_ms;
  const auto opened = [&] { return !reader.discrepancies({}).value().empty(); };
  CHECK_FALSE(opened());  // the commit that stored the count did not judge it: its delay runs

  REQUIRE(testing::run_until(io, opened, std::chrono::seconds(20)));
  CHECK(reader.discrepancies({}).value().at(0).opened_ms >= received_ms + kDelayMs);
  bool done = false;
  daemon->shutdown([&] { done = true; });
  REQUIRE(testing::run_until(io, [&] { return done; }));
}

TEST_CASE("the hub signs its chain's head when it moved, into the checkpoint directory and retained on MQTT") {
  testing::Mosquitto broker;
  testing::LedgerFixture store;
  testing::TempDir elsewhere;
  store.apply(testing::batch_of(testing::origin_of("device-1"), 1, 2));
  boost::asio::io_context io;
  HubOptions options = options_for(broker);
  options.checkpoint_every = std::chrono::milliseconds(20);
  options.audit_checkpoints = elsewhere / "checkpoints";
  auto daemon = HubDaemon::create(io, store.ledger, store.dir.path(), options).value();
  bool ready = false;
  daemon->start([&] { ready = true; });
  const auto key = load_signing_key(store.dir.path()).value();
  const auto latest = elsewhere / "checkpoints/latest.json";
  auto latest_entry = [&]() -> std::int64_t {
    std::ifstream in(latest);
    const std::string text(std::istreambuf_iterator<char>(in), {});
    auto checkpoint = read_checkpoint(text, key.public_key());
    return checkpoint ? checkpoint->entry_id : 0;
  };
  auto head_id = [&] { return store.ledger.audit().head()->id; };
  REQUIRE(testing::run_until(io, [&] { return ready && latest_entry() == head_id(); }));
  const std::int64_t first = latest_entry();
  store.apply(testing::batch_of(testing::origin_of("device-1"), 3, 4));
  REQUIRE(head_id() > first);
  REQUIRE(testing::run_until(io, [&] { return latest_entry() == head_id(); }));
  char first_file[64];
  std::snprintf(first_file, sizeof first_file, "checkpoints/checkpoint-%020lld.json", static_cast<long long>(first));
  CHECK(std::filesystem::exists(elsewhere / first_file));

  // Subscribing after the checkpoints were published, an auditor gets the one the broker retains.
  // The file is written as the message is handed to the link, so the broker may still hold the
  // one before: the head's may follow it, live.
  testing::TestDevice auditor(io, broker.uri(), "auditor", {std::string(kCheckpointTopic)});
  const auto newest = [&]() -> std::optional<Checkpoint> {
    if (auditor.received.empty()) return std::nullopt;
    auto checkpoint = read_checkpoint(auditor.received.back().payload, key.public_key());
    REQUIRE(checkpoint.has_value());
    return *checkpoint;
  };
  REQUIRE(testing::run_until(io, [&] { return newest() && newest()->entry_id == head_id(); }));
  CHECK(auditor.received.front().retained);
  CHECK(newest()->head_hash == store.ledger.audit().head()->hash);

  bool done = false;
  daemon->shutdown([&] { done = true; });
  REQUIRE(testing::run_until(io, [&] { return done; }));
}

TEST_CASE(
    "a hub whose ledger holds older versions than the broker's records of what was published sends its task list and "
    "catalog above them") {
  testing::Mosquitto broker;
  testing::LedgerFixture store;
  boost::asio::io_context io;
  auto daemon = HubDaemon::create(io, store.ledger, store.dir.path(), options_for(broker)).value();
  const auto key = load_signing_key(store.dir.path()).value();
  // What a hub published before this ledger went back in time (a failover to a standby that
  // lagged, a restore from a backup): the floor holds these versions.
  testing::TestDevice floor(io, broker.uri(), "floor",
                            {protocol::tasks_topic("store-1"), protocol::catalog_topic("store-1")});
  floor.publish("recount/hub/v1/published/store-1", sign_published("store-1", SitePublished{40, 30}, key), true);
  floor.received.clear();
  const auto version_sent = [&](const std::string& topic) -> std::uint64_t {
    std::uint64_t highest = 0;
    for (const auto& message : floor.received) {
      if (message.topic != topic) continue;
      auto text = protocol::verified_payload(message.payload, key.public_key());
      REQUIRE(text.has_value());
      highest = std::max(highest, topic == protocol::tasks_topic("store-1")
                                      ? protocol::decode_task_list(*text).value().version
                                      : protocol::decode_catalog(*text).value().version);
    }
    return highest;
  };
  daemon->start({});
  CHECK(testing::run_until(io, [&] {
    return version_sent(protocol::tasks_topic("store-1")) == 41 &&
           version_sent(protocol::catalog_topic("store-1")) == 31;
  }));
  bool done = false;
  daemon->shutdown([&] { done = true; });
  REQUIRE(testing::run_until(io, [&] { return done; }));
  CHECK(catalog_version(store.ledger.database()).value() == 31);
}

TEST_CASE("the live feed sends a device once per change of what is shown of it: online, backlog, offline") {
  testing::Mosquitto broker;
  testing::LedgerFixture store;
  const auto token = auth::TokenStore::open(store.ledger.database())
                         .value()
                         .create("ops-vi", auth::Role::kViewer, std::nullopt, testing::kFixedNowMs)
                         .value();
  boost::asio::io_context io;
  auto daemon = HubDaemon::create(io, store.ledger, store.dir.path(), options_for(broker)).value();
  bool ready = false;
  daemon->start([&] { ready = true; });
  testing::TestDevice device(io, broker.uri(), "device-1", {});
  REQUIRE(testing::run_until(io, [&] { return ready; }));
  LiveReader live(*daemon->http_address(), token);
  REQUIRE(testing::run_until(io, [&] { return live.text().starts_with("HTTP/1.1 200 OK\r\n"); }));

  const auto status_topic = protocol::device_topic("site-1", "device-1", protocol::DeviceChannel::kStatus);
  const auto status = [&](protocol::DeviceState state, std::uint64_t backlog, std::int64_t wall_ms) {
    device.publish(status_topic, protocol::encode(protocol::Status{"device-1", state, backlog, 0, -120, wall_ms}));
  };
  const auto devices = [&] { return live.events("device"); };
  // The hub's subscription may still be on its way: sent again until the hub has the device.
  REQUIRE(testing::run_until(io, [&] {
    status(protocol::DeviceState::kOnline, 3, testing::kFixedNowMs);
    return testing::run_until(
        io, [&] { return !devices().empty(); }, std::chrono::milliseconds(300));
  }));
  const auto online = devices().front();
  CHECK(online["site"] == "site-1");
  CHECK(online["device"] == "device-1");
  CHECK(online["status"]["state"] == "online");
  CHECK(online["status"]["backlog"] == 3);
  CHECK(online["status"]["skew_ms"] == -120);
  CHECK(online.contains("epochs"));  // the whole device, as GET /api/v1/stats shows it

  // The same status again changes nothing shown (only when it was composed): no event. Then the
  // backlog drains after an ack, and the device goes offline (what its last will says).
  status(protocol::DeviceState::kOnline, 3, testing::kFixedNowMs + 1000);
  status(protocol::DeviceState::kOnline, 0, testing::kFixedNowMs + 2000);
  REQUIRE(testing::run_until(io, [&] { return devices().back()["status"]["backlog"] == 0; }));
  status(protocol::DeviceState::kOffline, 0, 0);
  REQUIRE(testing::run_until(io, [&] { return devices().back()["status"]["state"] == "offline"; }));
  const auto sent = devices();
  REQUIRE(sent.size() == 3);
  CHECK(sent[1]["status"]["state"] == "online");
  CHECK(sent[1]["status"]["backlog"] == 0);

  bool done = false;
  daemon->shutdown([&] { done = true; });
  REQUIRE(testing::run_until(io, [&] { return done; }));
}

TEST_CASE("a hub whose HTTP address is taken is not created, and says which address") {
  testing::Mosquitto broker;
  testing::LedgerFixture store;
  boost::asio::io_context io;
  auto first = HubDaemon::create(io, store.ledger, store.dir.path(), options_for(broker)).value();
  auto options = options_for(broker);
  options.http = first->http_address();
  auto second = HubDaemon::create(io, store.ledger, store.dir.path(), options);
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code == ErrorCode::kUnavailable);
  CHECK(second.error().message.find(first->http_address()->to_string()) != std::string::npos);
}

// A request routed as the server routes it, from an admin, and what its handler posted run.
Response admin_request(HubDaemon& daemon, boost::asio::io_context& io, const std::string& method,
                       const std::string& target, const std::string& body = "") {
  auto request = Request::from_target(method, target, body).value();
  request.principal = auth::Principal{"test", auth::Role::kAdmin, std::nullopt};
  auto response = daemon.router().handle(std::move(request));
  io.restart();
  io.poll();
  return response;
}

// The hub's items are every site's: a site with no locations of its own, as an Amazon
// fulfilment site has none, still values what its system reports. Before, the reconciler knew
// items only at sites with locations or floor users, and valued such a site's variances at 0.
TEST_CASE("a site without locations values what its system reports at the items' cost, and again after a new cost") {
  testing::LedgerFixture store;
  boost::asio::io_context io;
  HubOptions options;
  options.mqtt_uri = "tcp://127.0.0.1:1";  // never started: the routes are enough
  auto daemon = HubDaemon::create(io, store.ledger, store.dir.path(), options).value();
  const auto import_items = [&](int unit_cost_cents) {
    const auto items = admin_request(*daemon, io, "POST", "/api/v1/import/items",
                                     "sku,description,unit_cost_cents,item_class,barcode,pack_qty\n"
                                     "SKU-1,Mug," +
                                         std::to_string(unit_cost_cents) + ",grocery,5901234123457,1\n");
    REQUIRE(items.status == 200);
  };
  const auto fba_discrepancy = [&] {
    const auto listed = admin_request(*daemon, io, "GET", "/api/v1/discrepancies?system=fba");
    REQUIRE(listed.status == 200);
    const auto found = nlohmann::json::parse(listed.body)["discrepancies"];
    REQUIRE(found.size() == 1);
    return found[0];
  };
  import_items(250);
  const std::string report =
      "seller-sku\tfulfillment-channel-sku\tasin\tcondition-type\tWarehouse-Condition-code\tQuantity Available\n"
      "SKU-1\tX000000042\tB000000042\tNewItem\tSELLABLE\t8\n";
  REQUIRE(admin_request(*daemon, io, "POST", "/api/v1/imports/fba?site=fba-eu", report).status == 200);
  CHECK(fba_discrepancy()["variance"] == 8);
  CHECK(fba_discrepancy()["value_cents"] == 8 * 250);

  // A new cost reaches the reconciler: the report judged again (a re-evaluation) is valued at it.
  import_items(300);
  REQUIRE(admin_request(*daemon, io, "PUT", "/api/v1/policy?reevaluate=true",
                        R"({"ambiguity_window_ms":60000,"settle_delay_ms":0,"max_recount_rounds":2,)"
                        R"("approval_limit_cents":10000,"tolerances":[]})")
              .status == 200);
  CHECK(fba_discrepancy()["value_cents"] == 8 * 300);
}

}  // namespace
}  // namespace recount::hub
