// The /api/v1 handlers over a real ledger, called through the router (the server_test covers
// the network side).
#include "hub/http/api.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include "shared/crypto/ed25519.hpp"
#include "shared/protocol/codec.hpp"
#include "tests/hub/auth_fixtures.hpp"
#include "tests/hub/ledger_fixtures.hpp"

namespace recount::hub {
namespace {

using testing::batch_of;
using testing::origin_of;

// A link that is never started, so the hub looks disconnected from its broker.
mqtt::LinkOptions never_started() {
  mqtt::LinkOptions options;
  options.uri = "tcp://127.0.0.1:1";
  options.client_id = "api-test";
  return options;
}

struct ApiFixture {
  testing::LedgerFixture store;
  boost::asio::io_context io;
  HybridLogicalClock clock;
  mqtt::Link link{io, never_started()};
  reconcile::CatalogSnapshot catalog;
  reconcile::Reconciler reconciler = reconcile::Reconciler::open(store.ledger.database(), catalog).value();
  crypto::SigningKey signing_key = crypto::SigningKey::generate();
  TaskListPublisher tasks{io, link, reconciler, signing_key};
  Ingest ingest;
  Router router;

  explicit ApiFixture(IngestOptions options = {})
      : ingest(io, link, store.ledger, reconciler, tasks, clock, system_wall_clock(), options) {
    add_api_routes(router, store.ledger, ingest, link);
  }

  Response get(const std::string& target) {
    return router.handle(testing::signed_in(Request::from_target("GET", target).value()));
  }
  nlohmann::json get_json(const std::string& target, unsigned status = 200) {
    const auto response = get(target);
    INFO(target << " -> " << response.body);
    CHECK(response.status == status);
    return nlohmann::json::parse(response.body);
  }
  void reject_payload(const std::string& device, const std::string& reason) {
    auto write = store.ledger.begin_write();
    REQUIRE(write
                ->reject(DeadLetter{0, testing::kFixedNowMs, "recount/v1/site-1/" + device + "/events",
                                    origin_of(device, ""), std::nullopt, "", "", reason, "junk", 4})
                .has_value());
    REQUIRE(write->commit().has_value());
  }
};

TEST_CASE("stats of a hub that has seen no device is an empty list") {
  ApiFixture api;
  CHECK(api.get_json("/api/v1/stats") == nlohmann::json{{"devices", nlohmann::json::array()}});
}

TEST_CASE("stats give each device the events of all its epochs and the acked_through of its current one") {
  ApiFixture api;
  api.store.apply(batch_of(origin_of("device-1", "00000000000000e1"), 1, 10, 1));
  api.store.apply(batch_of(origin_of("device-1", "00000000000000e2"), 1, 3, 2));
  api.store.apply(batch_of(origin_of("device-2"), 4, 6, 3));  // a gap: nothing contiguous yet
  const auto devices = api.get_json("/api/v1/stats")["devices"];
  REQUIRE(devices.size() == 2);

  const auto& first = devices[0];
  CHECK(first["site"] == "site-1");
  CHECK(first["device"] == "device-1");
  CHECK(first["epoch"] == "00000000000000e2");
  CHECK(first["events"] == 13);
  CHECK(first["acked_through"] == 3);
  CHECK(first["dead_letters"] == 0);
  CHECK(first["last_seen_ms"] == testing::kFixedNowMs);
  CHECK(first["status"].is_null());
  REQUIRE(first["epochs"].size() == 2);
  CHECK(first["epochs"][0]["epoch"] == "00000000000000e1");
  CHECK(first["epochs"][0]["acked_through"] == 10);

  CHECK(devices[1]["events"] == 3);
  CHECK(devices[1]["acked_through"] == 0);
}

TEST_CASE("stats show a device's last status in its wire form") {
  ApiFixture api;
  auto write = api.store.ledger.begin_write();
  const protocol::Status status{"device-1", protocol::DeviceState::kOffline, 7, 90, -15, testing::kFixedNowMs - 1};
  REQUIRE(write->status("site-1", status, testing::kFixedNowMs, LedgerWrite::Freshness::kLive).has_value());
  REQUIRE(write->commit().has_value());
  const auto shown = api.get_json("/api/v1/stats")["devices"][0]["status"];
  CHECK(shown["state"] == "offline");
  CHECK(shown["backlog"] == 7);
  CHECK(shown["acked_through"] == 90);
  CHECK(shown["skew_ms"] == -15);
  CHECK(shown["received_ms"] == testing::kFixedNowMs);
  CHECK_FALSE(shown.contains("v"));
}

TEST_CASE("dead letters are listed with their reasons, by device if asked, a page at a time") {
  ApiFixture api;
  api.reject_payload("device-1", "not JSON");
  api.reject_payload("device-2", "wrong version");
  api.reject_payload("device-1", "too large");

  const auto all = api.get_json("/api/v1/deadletters");
  REQUIRE(all["dead_letters"].size() == 3);
  CHECK(all["dead_letters"][0]["reason"] == "not JSON");
  CHECK(all["dead_letters"][0]["seq"].is_null());
  CHECK(all["dead_letters"][0]["payload"] == "junk");
  CHECK(all["next_after"].is_null());

  const auto mine = api.get_json("/api/v1/deadletters?device=device-1");
  REQUIRE(mine["dead_letters"].size() == 2);
  CHECK(mine["dead_letters"][1]["reason"] == "too large");

  const auto page = api.get_json("/api/v1/deadletters?limit=2");
  REQUIRE(page["dead_letters"].size() == 2);
  const auto next = page["next_after"].get<std::int64_t>();
  const auto rest = api.get_json("/api/v1/deadletters?limit=2&after=" + std::to_string(next));
  REQUIRE(rest["dead_letters"].size() == 1);
  CHECK(rest["dead_letters"][0]["reason"] == "too large");
}

TEST_CASE("listing parameters out of range or not integers are answered 400 naming the parameter") {
  ApiFixture api;
  for (const std::string target : {"/api/v1/deadletters?limit=0", "/api/v1/deadletters?limit=1001",
                                   "/api/v1/deadletters?after=-3", "/api/v1/audit?limit=ten"}) {
    const auto body = api.get_json(target, 400);
    CHECK(body["error"]["code"] == "invalid_input");
    CHECK(body["error"]["message"].get<std::string>().find(target.find("after") != std::string::npos ? "after"
                                                                                                     : "limit") == 0);
  }
}

TEST_CASE("events of one epoch are listed in their wire form with where and when they arrived") {
  ApiFixture api;
  api.store.apply(batch_of(origin_of("device-1"), 1, 5));
  const auto page = api.get_json("/api/v1/events?device=device-1&epoch=00000000000000e1&after=2&limit=2");
  REQUIRE(page["events"].size() == 2);
  const auto& event = page["events"][0];
  CHECK(event["seq"] == 3);
  CHECK(event["type"] == "count");
  CHECK(event["event_id"] == testing::event_id_for(1, 3));
  CHECK(event["qty"] == 3);
  CHECK(event["device"] == "device-1");
  CHECK(event["received_ms"] == testing::kFixedNowMs);
  CHECK_FALSE(event.contains("v"));
  CHECK(page["next_after"] == 4);
}

TEST_CASE("listing events without naming the device and epoch is answered 400") {
  ApiFixture api;
  CHECK(api.get("/api/v1/events?device=device-1").status == 400);
  CHECK(api.get("/api/v1/events").status == 400);
}

TEST_CASE("the audit trail is listed with details as JSON, and its verification reports an intact chain") {
  ApiFixture api;
  api.store.apply(batch_of(origin_of("device-1"), 1, 5));
  api.reject_payload("device-1", "not JSON");
  const auto entries = api.get_json("/api/v1/audit")["entries"];
  REQUIRE(entries.size() == 2);
  CHECK(entries[0]["kind"] == "sync.batch");
  CHECK(entries[0]["detail"]["new"] == 5);
  CHECK(entries[1]["prev_hash"] == entries[0]["hash"]);

  const auto rejected = api.get_json("/api/v1/audit?kind=sync.payload")["entries"];
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0]["kind"] == "sync.payload_rejected");
  CHECK(api.get_json("/api/v1/audit?from_ms=" + std::to_string(testing::kFixedNowMs + 1))["entries"].empty());
  CHECK(api.get_json("/api/v1/audit?actor=nobody")["entries"].empty());
  CHECK(api.get_json("/api/v1/audit?from_ms=5&to_ms=5", 400)["error"]["message"] ==
        "to_ms: must be later than from_ms (5)");
  CHECK(api.get_json("/api/v1/audit?to_ms=x", 400)["error"]["message"].get<std::string>().starts_with("to_ms:"));

  const auto verification = api.get_json("/api/v1/audit/verify");
  CHECK(verification["intact"] == true);
  CHECK(verification["entries"] == 2);
  CHECK(verification["head_hash"] == entries[1]["hash"]);
  CHECK(verification["broken_id"].is_null());
}

TEST_CASE("health is 503 degraded while the hub is not connected to the broker, and says why") {
  ApiFixture api;
  const auto health = api.get_json("/api/v1/health", 503);
  CHECK(health["status"] == "degraded");
  CHECK(health["reasons"] == nlohmann::json{"broker_unreachable"});
  CHECK(health["mqtt"] == "disconnected");
  CHECK(health["unreviewed_conflicts"] == 0);
  CHECK(health["ingest"]["commits"] == 0);
}

TEST_CASE("health names unreviewed conflicts as a reason, and stats count them per device") {
  ApiFixture api;
  const auto origin = origin_of("device-1");
  api.store.apply(batch_of(origin, 1, 2));
  auto forged = batch_of(origin, 2, 2);
  forged.events[0].qty = 99;
  api.store.apply(forged);
  const auto health = api.get_json("/api/v1/health", 503);
  CHECK(health["reasons"] == nlohmann::json{"broker_unreachable", "conflicts"});
  CHECK(health["unreviewed_conflicts"] == 1);
  const auto device = api.get_json("/api/v1/stats")["devices"][0];
  CHECK(device["conflicts"] == 1);
  CHECK(device["dead_letter_overflow"] == 0);
  CHECK(device["clock_flagged"] == 0);
}

TEST_CASE("health names a full disk while the last commit failed for it") {
  ApiFixture api;
  // Below the database's size, the limit holds it at its size: it cannot grow by a page.
  REQUIRE(api.store.ledger.database().execute("PRAGMA max_page_count = 1").has_value());
  protocol::EventBatch batch{"site-1", "device-1", "00000000000000e1", {}};
  for (std::uint64_t seq = 1; seq <= 300; ++seq) batch.events.push_back(testing::count_event(seq));
  const auto payload = protocol::encode(batch);
  api.ingest.deliver(mqtt::Message{"recount/v1/site-1/device-1/events", payload, false});
  api.io.poll();
  REQUIRE(api.ingest.counters().failed_commits == 1);
  const auto health = api.get_json("/api/v1/health", 503);
  CHECK(health["reasons"] == nlohmann::json{"disk_full", "broker_unreachable"});
}

TEST_CASE("health names an ingest backlog while the queue is at its bound and the link paused") {
  IngestOptions options;
  options.max_queued_messages = 2;
  ApiFixture api(options);
  for (int i = 0; i < 2; ++i) api.ingest.deliver(mqtt::Message{"recount/v1/site-1/device-1/hello", "{}", false});
  const auto health = api.get_json("/api/v1/health", 503);
  CHECK(health["reasons"] == nlohmann::json{"ingest_backlog", "broker_unreachable"});
  CHECK(health["ingest"]["backpressure"] == 1);
  CHECK(health["ingest"]["queued"] == 2);
  CHECK(health["ingest"]["queued_bytes"] == 4);
  api.io.poll();  // the queue drains: taking messages again
  CHECK(api.get_json("/api/v1/health", 503)["reasons"] == nlohmann::json{"broker_unreachable"});
}

}  // namespace
}  // namespace recount::hub
