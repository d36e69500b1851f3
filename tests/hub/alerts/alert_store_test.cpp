// The alert store on a real SQLite file: one open alert per (rule, subject), acknowledgement by a
// person, audited, and a new alert after an acknowledgement only when the condition comes back.
#include "hub/alerts/alert_store.hpp"

#include <doctest/doctest.h>

#include "tests/hub/alert_fixtures.hpp"
#include "tests/hub/ledger_fixtures.hpp"

namespace recount::hub::alerts {
namespace {

struct Store : testing::LedgerFixture {
  reconcile::AlertRule rule = testing::rule_named("stuck");
  Store() {
    REQUIRE(open_alerts(ledger.database()).has_value());
    rule.channels.webhook = true;
    rule.channels.email = {"ops@example.com"};
  }
  std::optional<std::int64_t> raise_now(const std::string& subject = "discrepancy/1") {
    auto write = ledger.begin_write().value();
    auto id = raise(write, Observation{&rule, subject, "site-1", "stuck for a day"}, testing::kFixedNowMs);
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

TEST_CASE("a condition that keeps holding raises one alert, with a delivery per channel, audited") {
  Store store;
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

TEST_CASE("an acknowledged alert is raised again only after its condition stopped holding and came back") {
  Store store;
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

TEST_CASE("an open alert whose condition cleared and came back stays the one alert") {
  Store store;
  const auto id = store.raise_now().value();
  store.release_now();
  CHECK_FALSE(store.raise_now().has_value());
  CHECK(list_alerts(store.ledger.database(), AlertFilter{}).value().size() == 1);
  CHECK(find_alert(store.ledger.database(), id).value()->state == AlertState::kOpen);
}

TEST_CASE("acknowledging twice or an unknown alert is refused, and an acknowledgement is audited with its actor") {
  Store store;
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

}  // namespace
}  // namespace recount::hub::alerts
