// Alert rules matched against discrepancies and devices: every filter narrows, an unset one does not.
#include "hub/alerts/conditions.hpp"

#include <doctest/doctest.h>

#include "tests/hub/alert_fixtures.hpp"

namespace recount::hub::alerts {
namespace {

using reconcile::AlertKind;
using reconcile::AlertRule;
using reconcile::Classification;
using reconcile::Discrepancy;
using reconcile::DiscrepancyState;

constexpr std::int64_t kNow = 1'790'000'000'000;
constexpr std::int64_t kDay = 86'400'000;

Discrepancy awaiting_approval(std::int64_t value_cents, std::int64_t since_ms) {
  Discrepancy discrepancy;
  discrepancy.id = 7;
  discrepancy.position = {"site-1", "A-1", "SKU-1", ""};
  discrepancy.state = DiscrepancyState::kAwaitingApproval;
  discrepancy.classification = Classification::kVariance;
  discrepancy.value_cents = value_cents;
  discrepancy.updated_ms = since_ms;
  return discrepancy;
}

TEST_CASE("a rule with no filters matches every active discrepancy and no closed one") {
  const AlertRule rule = testing::rule_named("any");
  CHECK(holds(rule, awaiting_approval(0, kNow), kNow));
  Discrepancy closed = awaiting_approval(0, kNow);
  closed.state = DiscrepancyState::kClosed;
  CHECK_FALSE(holds(rule, closed, kNow));
}

TEST_CASE("awaiting approval for more than 24 h holds only once the day has passed") {
  AlertRule rule = testing::rule_named("stuck");
  rule.states = {"awaiting_approval"};
  rule.in_state_for_ms = kDay;
  CHECK_FALSE(holds(rule, awaiting_approval(0, kNow - kDay + 1), kNow));
  CHECK(holds(rule, awaiting_approval(0, kNow - kDay), kNow));
  Discrepancy recounting = awaiting_approval(0, kNow - 2 * kDay);
  recounting.state = DiscrepancyState::kRecountRequested;
  CHECK_FALSE(holds(rule, recounting, kNow));
}

TEST_CASE("variance over $500 holds for shortages and overages above 50000 cents, not at it") {
  AlertRule rule = testing::rule_named("big");
  rule.value_over_cents = 50'000;
  CHECK_FALSE(holds(rule, awaiting_approval(50'000, kNow), kNow));
  CHECK(holds(rule, awaiting_approval(50'001, kNow), kNow));
  CHECK(holds(rule, awaiting_approval(-60'000, kNow), kNow));
}

TEST_CASE("sites, systems and classifications narrow a discrepancy rule") {
  AlertRule rule = testing::rule_named("narrow");
  rule.sites = {"site-2"};
  CHECK_FALSE(holds(rule, awaiting_approval(0, kNow), kNow));
  rule.sites = {"site-1", "site-2"};
  CHECK(holds(rule, awaiting_approval(0, kNow), kNow));
  rule.systems = {"shopify"};
  CHECK_FALSE(holds(rule, awaiting_approval(0, kNow), kNow));
  rule.systems = {"warehouse"};
  rule.classifications = {"uom_error"};
  CHECK_FALSE(holds(rule, awaiting_approval(0, kNow), kNow));
}

TEST_CASE("device offline 2 h with a backlog holds only offline, long enough, with enough unsent events") {
  AlertRule rule = testing::rule_named("silent");
  rule.kind = AlertKind::kDeviceOffline;
  rule.offline_for_ms = std::int64_t{2} * 3'600'000;
  rule.min_backlog = 1;
  DeviceCondition device{"site-1", "dev-1", true, kNow - std::int64_t{2} * 3'600'000, 5};
  CHECK(holds(rule, device, kNow));
  CHECK_FALSE(holds(rule, device, kNow - 1));
  device.backlog = 0;
  CHECK_FALSE(holds(rule, device, kNow));
  device.backlog = 5;
  device.offline = false;
  CHECK_FALSE(holds(rule, device, kNow));
  // Rules of one kind never hold for the other's subjects.
  CHECK_FALSE(holds(rule, awaiting_approval(0, kNow), kNow));
  CHECK_FALSE(holds(testing::rule_named("any"), DeviceCondition{"site-1", "dev-1", true, 0, 9}, kNow));
}

}  // namespace
}  // namespace recount::hub::alerts
