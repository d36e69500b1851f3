// The reconciliation routes over a real reconciler on a ledger in a temp directory.
#include "hub/http/reconcile_routes.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "hub/reconcile/sqlite_queries.hpp"
#include "hub/writes/hub_writer.hpp"
#include "tests/hub/auth_fixtures.hpp"
#include "tests/hub/delivery_fixtures.hpp"

namespace recount::hub {
namespace {

// The routes' clock: five seconds after the fixed clock the events arrive on.
constexpr std::int64_t kNowMs = testing::kFixedNowMs + 5000;

struct RoutesFixture {
  testing::LedgerFixture store;
  reconcile::CatalogSnapshot catalog;
  reconcile::Reconciler reconciler = reconcile::Reconciler::open(store.ledger.database(), catalog).value();
  reconcile::SqliteQueries queries = reconcile::SqliteQueries::prepare(store.ledger.database()).value();
  Router router;

  RoutesFixture() {
    add_reconcile_routes(router, queries, [] { return kNowMs; });
  }

  nlohmann::json get_json(const std::string& target, unsigned status = 200,
                          const auth::Principal& as = {"ops-anna", auth::Role::kAdmin, std::nullopt}) {
    const auto response = router.handle(
        testing::signed_in(Request::from_target("GET", target).value(), as.role, as.name, as.approval_limit_cents));
    INFO(target << " -> " << response.body);
    CHECK(response.status == status);
    return nlohmann::json::parse(response.body);
  }
};

TEST_CASE("a shortage shows as an open discrepancy and a recount task for its site") {
  RoutesFixture hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());

  const auto discrepancies = hub.get_json("/api/v1/discrepancies")["discrepancies"];
  REQUIRE(discrepancies.size() == 1);
  CHECK(discrepancies[0]["location"] == "A-1");
  CHECK(discrepancies[0]["expected"] == 10);
  CHECK(discrepancies[0]["counted"] == 7);
  CHECK(discrepancies[0]["variance"] == -3);
  CHECK(hub.get_json("/api/v1/discrepancies?state=all")["discrepancies"].size() == 1);

  const auto tasks = hub.get_json("/api/v1/tasks?site=site-1")["tasks"];
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0]["sku"] == "SKU-1");
  CHECK(tasks[0]["exclude_user"] == "user-1");
  CHECK(tasks[0]["discrepancy_id"] == discrepancies[0]["id"]);
  CHECK(hub.get_json("/api/v1/tasks?site=site-2")["tasks"].empty());
}

TEST_CASE("tasks without a site are those of every site, discrepancies in an unknown state are refused") {
  RoutesFixture hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());
  CHECK(hub.get_json("/api/v1/tasks")["tasks"].size() == 1);
  CHECK(hub.get_json("/api/v1/discrepancies?state=pending", 400).dump().find("state") != std::string::npos);
}

TEST_CASE("tasks show open ones by default, or all, each with the device holding it and how long it is open") {
  RoutesFixture hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());
  const auto tasks = hub.get_json("/api/v1/tasks?state=open")["tasks"];
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0]["held_by"] == "");
  CHECK(tasks[0]["age_ms"] == 5000);
  CHECK(hub.get_json("/api/v1/tasks?state=all")["tasks"].size() == 1);
  CHECK(hub.get_json("/api/v1/tasks?state=done", 400)["error"]["message"] == "state: must be open or all");
}

TEST_CASE("the queue answers a page with the total, offset and limit, each item with its system and age") {
  RoutesFixture hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());
  const auto every = hub.get_json("/api/v1/discrepancies");
  CHECK(every["total"] == 1);
  CHECK(every["offset"] == 0);
  CHECK(every["limit"].is_null());
  REQUIRE(every["discrepancies"].size() == 1);
  CHECK(every["discrepancies"][0]["system"] == "warehouse");
  CHECK(every["discrepancies"][0]["age_ms"] == 5000);

  const auto page = hub.get_json("/api/v1/discrepancies?state=all&limit=1&sort=-value&site=site-1");
  CHECK(page["total"] == 1);
  CHECK(page["limit"] == 1);
  CHECK(page["discrepancies"].size() == 1);
  const auto past = hub.get_json("/api/v1/discrepancies?limit=10&offset=1");
  CHECK(past["discrepancies"].empty());
  CHECK(past["total"] == 1);
  CHECK(past["offset"] == 1);
  CHECK(hub.get_json("/api/v1/discrepancies?state=closed")["total"] == 0);
  CHECK(hub.get_json("/api/v1/discrepancies?min_age_ms=5001")["total"] == 0);
  CHECK(hub.get_json("/api/v1/discrepancies?min_age_ms=5000")["total"] == 1);
  CHECK(hub.get_json("/api/v1/discrepancies?limit=1001", 400)["error"]["message"].get<std::string>().starts_with(
      "limit:"));
  CHECK(hub.get_json("/api/v1/discrepancies?sort=x", 400)["error"]["message"].get<std::string>().starts_with("sort:"));
}

// Stores `events` as a batch of device-1 that the hub received at `received_ms`, and reconciles.
void deliver_at(Ledger& ledger, reconcile::Reconciler& reconciler, const std::vector<Event>& events,
                std::int64_t received_ms) {
  IncomingBatch batch = testing::batch_of(testing::origin_of("device-1"), 1, 0);
  batch.events = events;
  batch.first_seq = events.front().seq;
  batch.last_seq = events.back().seq;
  batch.received_ms = received_ms;
  auto write = ledger.begin_write();
  REQUIRE(write.has_value());
  REQUIRE(write->apply(batch).has_value());
  REQUIRE(settle_and_commit(*write, reconciler, {}, received_ms).has_value());
}

TEST_CASE("the detail's timeline marks an event that arrived after later ones with how late it was") {
  RoutesFixture hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());
  // A receipt made before the count, that reached the hub 4 s after it.
  Event receipt = testing::count_event(3);
  receipt.type = EventType::kReceive;
  receipt.location = "A-1";
  receipt.sku = "SKU-1";
  receipt.qty = 1;
  receipt.reference = "PO-1";
  receipt.wall_ms = testing::kFixedNowMs - 59'999;  // the baseline's (seq 1) millisecond, before the count's
  receipt.hlc = HlcStamp::from_parts(receipt.wall_ms, 1);
  deliver_at(hub.store.ledger, hub.reconciler, {receipt}, testing::kFixedNowMs + 4000);

  const auto timeline = hub.get_json("/api/v1/discrepancies/1")["timeline"];
  REQUIRE(timeline.size() == 3);
  CHECK(timeline[0]["type"] == "baseline");
  CHECK(timeline[0]["arrived_ms"] == testing::kFixedNowMs);
  CHECK(timeline[0]["late_ms"] == 0);
  CHECK(timeline[1]["type"] == "receive");
  CHECK(timeline[1]["device"] == "device-1");
  CHECK(timeline[1]["arrived_ms"] == testing::kFixedNowMs + 4000);
  CHECK(timeline[1]["late_ms"] == 63'999);
  CHECK(timeline[2]["type"] == "count");
  CHECK(timeline[2]["late_ms"] == 0);
}

TEST_CASE("the detail lists the resolve actions the caller's role and limit allow in the discrepancy's state") {
  RoutesFixture hub;
  hub.catalog.put(protocol::Catalog{"site-1", 1, {protocol::CatalogItem{"SKU-1", "widget", 250, "", {}}}, {}, {}});
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());  // recount requested, worth 750
  const auto actions = [&](auth::Role role, std::optional<std::int64_t> limit) {
    return hub.get_json("/api/v1/discrepancies/1", 200, {"ops-x", role, limit})["allowed_actions"];
  };
  using Json = nlohmann::json;
  CHECK(actions(auth::Role::kViewer, std::nullopt) == Json::array());
  CHECK(actions(auth::Role::kCounterLead, std::nullopt) == Json{"reject"});
  CHECK(actions(auth::Role::kApprover, std::nullopt) == Json{"write-off", "reject"});  // no approve before the recount
  CHECK(actions(auth::Role::kApprover, 749) == Json{"reject"});
  CHECK(actions(auth::Role::kAdmin, std::nullopt) == Json{"write-off", "reject"});
  const auto detail = hub.get_json("/api/v1/discrepancies/1");
  REQUIRE(detail["tasks"].size() == 1);
  CHECK(detail["tasks"][0]["held_by"] == "");
}

// The shortage at site-1/A-1/SKU-1, and a baseline of 4 units of SKU-2 (lot L/7) at B-1.
std::vector<Event> two_positions() {
  auto events = testing::shortage_events();
  Event baseline = events.front();
  baseline.seq = 3;
  baseline.event_id = testing::event_id_for(1, 3);
  baseline.location = "B-1";
  baseline.sku = "SKU-2";
  baseline.lot = "L/7";
  baseline.qty = 4;
  events.push_back(baseline);
  return events;
}

TEST_CASE("positions list on-hand and movements, filtered by site and SKU, in pages") {
  RoutesFixture hub;
  testing::deliver(hub.store.ledger, hub.reconciler, two_positions());

  const auto all = hub.get_json("/api/v1/positions");
  REQUIRE(all["positions"].size() == 2);
  CHECK(all["next_after"].is_null());
  CHECK(all["positions"][0]["location"] == "A-1");
  CHECK(all["positions"][0]["sku"] == "SKU-1");
  CHECK(all["positions"][0]["lot"] == "");
  CHECK(all["positions"][0]["on_hand"] == 10);
  CHECK(all["positions"][0]["movements"] == 1);
  CHECK(all["positions"][1]["lot"] == "L/7");
  CHECK(all["positions"][1]["on_hand"] == 4);

  const auto first = hub.get_json("/api/v1/positions?limit=1");
  REQUIRE(first["positions"].size() == 1);
  CHECK(first["next_after"] == first["positions"][0]["id"]);
  const auto second = hub.get_json("/api/v1/positions?limit=1&after=" + first["next_after"].dump());
  REQUIRE(second["positions"].size() == 1);
  CHECK(second["positions"][0]["sku"] == "SKU-2");

  CHECK(hub.get_json("/api/v1/positions?sku=SKU-2")["positions"].size() == 1);
  CHECK(hub.get_json("/api/v1/positions?site=site-2")["positions"].empty());
  CHECK(hub.get_json("/api/v1/positions?limit=0", 400)["error"]["message"].get<std::string>().starts_with("limit"));
}

TEST_CASE("a position's history gives its events and counts in event-time order with the running balance") {
  RoutesFixture hub;
  testing::deliver(hub.store.ledger, hub.reconciler, two_positions());

  const auto history = hub.get_json("/api/v1/positions/history?site=site-1&location=A-1&sku=SKU-1");
  CHECK(history["on_hand"] == 10);
  const auto& entries = history["entries"];
  REQUIRE(entries.size() == 2);
  CHECK(entries[0]["type"] == "baseline");
  CHECK(entries[0]["balance"] == 10);
  CHECK(entries[1]["type"] == "count");
  CHECK(entries[1]["qty"] == 7);
  CHECK(entries[1]["delta"] == 0);
  CHECK(entries[1]["balance"] == 10);
  CHECK(entries[1]["user"] == "user-1");
  CHECK(entries[1]["device"] == "device-1");
  CHECK(entries[1]["session"] == "session-1");
  REQUIRE(history["counts"].size() == 1);
  CHECK(history["counts"][0]["counted"] == 7);
  CHECK(history["counts"][0]["expected"] == 10);
  CHECK(history["counts"][0]["verdict"] == "out_of_tolerance");
  CHECK(history["counts"][0]["discrepancy_id"] == 1);

  // A lot containing '/' travels percent-encoded in the query.
  CHECK(hub.get_json("/api/v1/positions/history?site=site-1&location=B-1&sku=SKU-2&lot=L%2F7")["on_hand"] == 4);
}

TEST_CASE("the history of a position the ledger does not know is a 404 naming it, a missing part is a 400") {
  RoutesFixture hub;
  testing::deliver(hub.store.ledger, hub.reconciler, two_positions());
  CHECK(hub.get_json("/api/v1/positions/history?site=site-1&location=A-9&sku=SKU-1", 404)["error"]["message"] ==
        "no position site-1/A-9/SKU-1 in the ledger");
  // The lot is part of the position: B-1/SKU-2 exists only with lot L/7.
  CHECK(hub.get_json("/api/v1/positions/history?site=site-1&location=B-1&sku=SKU-2", 404)["error"]["message"] ==
        "no position site-1/B-1/SKU-2 in the ledger");
  CHECK(hub.get_json("/api/v1/positions/history?site=site-1&location=A-1", 400)["error"]["message"]
            .get<std::string>()
            .starts_with("sku"));
  CHECK(hub.get_json("/api/v1/positions/history?site=a/b&location=A-1&sku=SKU-1", 400)["error"]["message"]
            .get<std::string>()
            .starts_with("site"));
}

TEST_CASE("a discrepancy's detail has every transition with its time, actor and cause, its tasks and counts") {
  RoutesFixture hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());

  const auto detail = hub.get_json("/api/v1/discrepancies/1");
  CHECK(detail["id"] == 1);
  CHECK(detail["state"] == "recount_requested");
  const auto& transitions = detail["transitions"];
  REQUIRE(transitions.size() == 2);
  CHECK(transitions[0]["from"].is_null());
  CHECK(transitions[0]["to"] == "open");
  CHECK(transitions[0]["at_ms"] == testing::kFixedNowMs);
  CHECK(transitions[0]["actor"] == nlohmann::json{{"kind", "user"}, {"id", "user-1"}});
  CHECK(transitions[0]["cause_event_id"] == testing::event_id_for(1, 2));
  CHECK_FALSE(transitions[0]["cause"].get<std::string>().empty());
  CHECK(transitions[1]["from"] == "open");
  CHECK(transitions[1]["to"] == "recount_requested");
  REQUIRE(detail["tasks"].size() == 1);
  CHECK(detail["tasks"][0]["task_id"] == "rt-1-1");
  REQUIRE(detail["counts"].size() == 1);
  CHECK(detail["counts"][0]["counted"] == 7);
}

TEST_CASE("an unknown discrepancy is a 404 naming it, and an id that is not a positive integer a 400") {
  RoutesFixture hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());
  CHECK(hub.get_json("/api/v1/discrepancies/2", 404)["error"]["message"] == "no discrepancy 2");
  for (const std::string id : {"x", "0", "-1", "1x", "99999999999999999999"}) {
    CHECK(hub.get_json("/api/v1/discrepancies/" + id, 400)["error"]["message"] ==
          "id: '" + id + "' is not a discrepancy id (a positive integer)");
  }
}

}  // namespace
}  // namespace recount::hub
