// What the count plan tests share: a hub whose policy has a weekly plan of the pick faces of
// site-1 from 2026-09-01 (the fixed now, 2026-09-21, is in its third period, opened 2026-09-15),
// with SKU-1 at A-1 counted (shortage_events) and SKU-2 at A-2 only given a baseline: one count
// done, one overdue since 2026-09-08.
#pragma once

#include "hub/http/plan_routes.hpp"
#include "tests/hub/delivery_fixtures.hpp"
#include "tests/hub/write_fixtures.hpp"

namespace recount::testing {

inline constexpr std::int64_t kPlanDayMs = 24LL * 3600 * 1000;
inline constexpr std::int64_t kPlanStartMs = 1'788'220'800'000;  // 2026-09-01

struct PlanHub : WriteSide {
  PlanHub() {
    catalog.put(protocol::Catalog{
        "site-1",
        1,
        {protocol::CatalogItem{"SKU-1", "widget", 250, "", {}}, protocol::CatalogItem{"SKU-2", "gadget", 100, "", {}}},
        {protocol::CatalogLocation{"A-1", "A-1", "pick"}, protocol::CatalogLocation{"A-2", "A-2", "pick"}},
        {}});
    auto policy = hub::reconcile::parse_policy(R"({"plans": [{"name": "pick-faces", "location_classes": ["pick"],
        "every_days": 7, "owner": "shift-lead", "start": "2026-09-01"}]})");
    REQUIRE(policy.has_value());
    REQUIRE(writer.write(
        [&](hub::LedgerWrite&, std::int64_t now_ms) { return reconciler.set_policy(*policy, "plans-test", now_ms); }));
    auto events = shortage_events();
    Event other = events[0];
    other.seq = 3;
    other.event_id = event_id_for(1, 3);
    other.location = "A-2";
    other.sku = "SKU-2";
    events.push_back(other);
    deliver(store.ledger, reconciler, events);
    REQUIRE(hub::add_plan_routes(router, store.ledger.database(), catalog, queries, fixed_clock()).has_value());
  }
};

}  // namespace recount::testing
