// The alert store on a real SQLite file and a real PostgreSQL database: one open alert per (rule,
// subject), acknowledgement by a person, audited, a new alert after an acknowledgement only when the
// condition comes back, and the delivery outbox.
#include "hub/alerts/alert_store.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "tests/hub/alert_fixtures.hpp"
#include "tests/hub/ledger_fixtures.hpp"

namespace recount::hub::alerts {
namespace {

template <typename Backend>
struct Store {
  testing::LedgerOn<Backend> fixture;
  Ledger& ledger = fixture.ledger;
  reconcile::AlertRule rule = testing::rule_named("stuck");
  Store() {
    REQUIRE(open_alerts(ledger.database()).has_value());
    rule.channels.webhook = true;
    rule.channels.email = {"ops@example.com"};
  }
  std::optional<std::int64_t> raise_now(const std::string& subject = "discrepancy/1",
                                        const std::string& site = "site-1") {
    auto write = ledger.begin_write().value();
    auto id = raise(write, Observation{&rule, subject, site, "stuck for a day"}, testing::kFixedNowMs);
    REQUIRE(id.has_value());
    REQUIRE(write.commit().has_value());
    return *id;
  }
  void release_now(const std::string& subject = "discrepancy/1") {
    auto write = ledger.begin_write().value();
    REQUIRE(release(write, rule.name, subject).has_value());
    REQUIRE(write.commit().has_value());
  }
  Result<Alert> ack(std::int64_t id, const std::string& actor = "lead-lee") {
    auto write = ledger.begin_write().value();
    auto acked = acknowledge(write, id, actor, testing::kFixedNowMs + 1);
    if (acked) REQUIRE(write.commit().has_value());
    return acked;
  }
};

TEST_CASE_TEMPLATE("a condition that keeps holding raises one alert, with a delivery per channel, audited", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  Store<Backend> store;
  const auto first = store.raise_now();
  REQUIRE(first.has_value());
  CHECK_FALSE(store.raise_now().has_value());
  CHECK(store.raise_now("discrepancy/2").has_value());  // another subject is another alert
  const auto deliveries = list_deliveries(store.ledger.database(), *first).value();
  REQUIRE(deliveries.size() == 2);
  CHECK(deliveries[0].channel == "webhook");
  CHECK(deliveries[1].channel == "email");
  CHECK(deliveries[1].target == "ops@example.com");
  CHECK(deliveries[1].state == "pending");
  const auto audited = store.ledger.audit().entries(0, 100).value();
  CHECK(std::count_if(audited.begin(), audited.end(), [](const auto& entry) { return entry.kind == "alert.raised"; }) ==
        2);
}

TEST_CASE_TEMPLATE("an acknowledged alert is raised again only after its condition stopped holding and came back",
                   Backend, testing::SqliteLedger, testing::PostgresLedger) {
  Store<Backend> store;
  const auto id = store.raise_now().value();
  const auto acked = store.ack(id);
  REQUIRE(acked.has_value());
  CHECK(acked->state == AlertState::kAcknowledged);
  CHECK(acked->acked_by == "lead-lee");
  // Still holding: acknowledged is acknowledged.
  CHECK_FALSE(store.raise_now().has_value());
  store.release_now();
  const auto again = store.raise_now();
  REQUIRE(again.has_value());
  CHECK(*again != id);
  CHECK(list_alerts(store.ledger.database(), AlertFilter{AlertState::kOpen, "", 100}).value().size() == 1);
}

TEST_CASE_TEMPLATE("an open alert whose condition cleared and came back stays the one alert", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  Store<Backend> store;
  const auto id = store.raise_now().value();
  store.release_now();
  CHECK_FALSE(store.raise_now().has_value());
  CHECK(list_alerts(store.ledger.database(), AlertFilter{}).value().size() == 1);
  CHECK(find_alert(store.ledger.database(), id).value()->state == AlertState::kOpen);
}

TEST_CASE_TEMPLATE(
    "acknowledging twice or an unknown alert is refused, and an acknowledgement is audited with its actor", Backend,
    testing::SqliteLedger, testing::PostgresLedger) {
  Store<Backend> store;
  const auto id = store.raise_now().value();
  REQUIRE(store.ack(id).has_value());
  const auto twice = store.ack(id, "lead-kim");
  REQUIRE_FALSE(twice.has_value());
  CHECK(twice.error().code == ErrorCode::kConflict);
  CHECK(twice.error().message.find("lead-lee") != std::string::npos);
  CHECK(store.ack(99).error().code == ErrorCode::kNotFound);
  const auto audited = store.ledger.audit().entries(0, 100).value();
  const auto entry =
      std::find_if(audited.begin(), audited.end(), [](const auto& each) { return each.kind == "alert.acknowledged"; });
  REQUIRE(entry != audited.end());
  CHECK(entry->detail.find("lead-lee") != std::string::npos);
}

TEST_CASE_TEMPLATE("the outbox hands out due deliveries oldest first and keeps how each attempt ended", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  Store<Backend> store;
  constexpr std::int64_t kNow = testing::kFixedNowMs;
  const auto first = store.raise_now("discrepancy/1").value();
  const auto second = store.raise_now("discrepancy/2").value();
  storage::Connection& database = store.ledger.database();
  CHECK(due_deliveries(database, kNow - 1, 10).value().empty());
  CHECK(due_deliveries(database, kNow, 3).value().size() == 3);
  const auto due = due_deliveries(database, kNow, 10).value();
  REQUIRE(due.size() == 4);
  CHECK(due[0].alert_id == first);
  CHECK(due[3].alert_id == second);

  auto write = store.ledger.begin_write().value();
  REQUIRE(record_outcome(write.database(), DeliveryOutcome{due[0].id, true, "", std::nullopt}, kNow + 5).has_value());
  REQUIRE(record_outcome(write.database(), DeliveryOutcome{due[1].id, false, "HTTP 503", kNow + 1000}, kNow + 5)
              .has_value());
  REQUIRE(record_outcome(write.database(), DeliveryOutcome{due[2].id, false, "no such mailbox", std::nullopt}, kNow + 5)
              .has_value());
  REQUIRE(write.commit().has_value());

  const auto kept = list_deliveries(database, first).value();
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].state == "delivered");
  CHECK(kept[0].attempts == 1);
  CHECK(kept[0].delivered_ms == kNow + 5);
  CHECK(kept[1].state == "pending");
  CHECK(kept[1].last_error == "HTTP 503");
  CHECK(kept[1].next_attempt_ms == kNow + 1000);
  CHECK(kept[1].delivered_ms == 0);
  CHECK(list_deliveries(database, second).value()[0].state == "failed");
  const auto later = due_deliveries(database, kNow + 1000, 10).value();
  REQUIRE(later.size() == 2);
  CHECK(later[0].id == due[3].id);  // due since kNow
  CHECK(later[1].id == due[1].id);
}

TEST_CASE_TEMPLATE("alerts list newest first by state and site, and the holding pairs are those not released", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  Store<Backend> store;
  const auto first = store.raise_now("discrepancy/1").value();
  const auto second = store.raise_now("discrepancy/2").value();
  const auto third = store.raise_now("discrepancy/3", "site-2").value();
  REQUIRE(store.ack(first).has_value());
  storage::Connection& database = store.ledger.database();
  // The ids listed, as "3 2 1".
  const auto ids = [&](const AlertFilter& filter) {
    std::string listed;
    const auto alerts = list_alerts(database, filter).value();
    for (const auto& alert : alerts) listed += std::to_string(alert.id) + " ";
    return listed;
  };
  const auto expect = [](std::initializer_list<std::int64_t> listed) {
    std::string text;
    for (const auto id : listed) text += std::to_string(id) + " ";
    return text;
  };
  CHECK(ids(AlertFilter{}) == expect({third, second, first}));
  CHECK(ids(AlertFilter{std::nullopt, "", 2}) == expect({third, second}));
  CHECK(ids(AlertFilter{AlertState::kOpen, "", 100}) == expect({third, second}));
  CHECK(ids(AlertFilter{AlertState::kAcknowledged, "", 100}) == expect({first}));
  CHECK(ids(AlertFilter{std::nullopt, "site-2", 100}) == expect({third}));
  CHECK(ids(AlertFilter{AlertState::kAcknowledged, "site-2", 100}).empty());
  const auto acked = find_alert(database, first).value();
  REQUIRE(acked.has_value());
  CHECK(acked->acked_by == "lead-lee");
  CHECK(acked->acked_ms == testing::kFixedNowMs + 1);
  CHECK(find_alert(database, second).value()->acked_ms == 0);
  CHECK_FALSE(find_alert(database, 99).value().has_value());

  store.release_now("discrepancy/2");
  auto pairs = holding(database).value();
  std::sort(pairs.begin(), pairs.end());
  CHECK(pairs ==
        std::vector<std::pair<std::string, std::string>>{{"stuck", "discrepancy/1"}, {"stuck", "discrepancy/3"}});
}

}  // namespace
}  // namespace recount::hub::alerts
