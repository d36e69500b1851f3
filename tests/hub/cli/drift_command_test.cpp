// recountctl drift as a function against the real route served over HTTP: a position's origin
// with its candidates and events, a site's list, and refusing bad arguments without asking the hub.
#include "hub/cli/drift_command.hpp"

#include <doctest/doctest.h>

#include "hub/http/drift_routes.hpp"
#include "tests/hub/delivery_fixtures.hpp"
#include "tests/hub/serving_fixtures.hpp"
#include "tests/hub/write_fixtures.hpp"

namespace recount::hub {
namespace {

// A sale of 3 booked at A-1 (seq 2) and never picked: the count (seq 3) finds them still there.
std::vector<Event> unpicked_sale() {
  auto events = testing::shortage_events();  // baseline 10 (seq 1), count 7 (seq 2) at A-1
  // Minutes apart, so the count did not come during the sale's movement.
  events[0].wall_ms -= std::int64_t{20} * 60'000;
  events[0].hlc = HlcStamp::from_parts(events[0].wall_ms, 0);
  Event sale = events[1];
  sale.wall_ms -= std::int64_t{10} * 60'000;
  sale.hlc = HlcStamp::from_parts(sale.wall_ms, 0);
  sale.type = EventType::kSale;
  sale.qty = 3;
  sale.user.clear();
  sale.session.clear();
  Event count = testing::count_event(3);
  count.location = "A-1";
  count.sku = "SKU-1";
  count.qty = 10;
  return {events[0], sale, count};
}

struct DriftCommandFixture {
  testing::WriteSide hub;
  DriftCommandFixture() {
    testing::deliver(hub.store.ledger, hub.reconciler, unpicked_sale());
    REQUIRE(add_drift_routes(hub.router, hub.store.ledger.database(), hub.catalog, hub.queries, testing::fixed_clock())
                .has_value());
  }
};

TEST_CASE("recountctl drift prints a position's origin, its candidates with evidence and the events around it") {
  DriftCommandFixture fixture;
  testing::Serving serving(fixture.hub.router);
  const auto output =
      drift_command(serving.hub(), OutputFormat::kTable, DriftSubject{"site-1/A-1/SKU-1", "", "", 50, ""});
  INFO(output.out << output.err);
  CHECK(output.exit_code == 0);
  CHECK(output.out.starts_with("site-1/A-1/SKU-1\norigin:     counted 10 where the ledger held 7 (+3) by user-1 at "));
  CHECK(output.out.find("known good: no count agreed before\n") != std::string::npos);
  CHECK(output.out.find("80     sale_without_pick") != std::string::npos);
  CHECK(output.out.find(testing::event_id_for(1, 3)) != std::string::npos);  // the sale, as evidence and event
  CHECK(output.out.find("TIME") != std::string::npos);
  const auto json = drift_command(serving.hub(), OutputFormat::kJson, DriftSubject{"site-1/A-1/SKU-1", "", "", 50, ""});
  CHECK(nlohmann::json::parse(json.out)["drifts"][0]["candidates"][0]["kind"] == "sale_without_pick");
}

TEST_CASE("recountctl drift --site lists drifting positions with their top candidate") {
  DriftCommandFixture fixture;
  testing::Serving serving(fixture.hub.router);
  const auto output = drift_command(serving.hub(), OutputFormat::kTable, DriftSubject{"", "site-1", "SKU-1", 50, ""});
  INFO(output.out << output.err);
  CHECK(output.exit_code == 0);
  CHECK(output.out.starts_with("POSITION          ORIGIN"));
  CHECK(output.out.find("site-1/A-1/SKU-1") != std::string::npos);
  CHECK(output.out.find("+3        1       sale_without_pick  80\n") != std::string::npos);
  CHECK(output.out.ends_with("1 of 1 drifting positions (1 examined)\n"));
  CHECK(drift_command(serving.hub(), OutputFormat::kTable, DriftSubject{"", "site-2", "", 50, ""}).out ==
        "no drift: every position examined agrees with its latest count\n");
  const auto missing =
      drift_command(serving.hub(), OutputFormat::kTable, DriftSubject{"site-1/Z-9/SKU-1", "", "", 50, ""});
  CHECK(missing.exit_code == kExitFailed);
  CHECK(missing.err.find("Z-9/SKU-1") != std::string::npos);
}

TEST_CASE("recountctl drift --system traces a connected system's reports over the whole site") {
  testing::WriteSide hub;
  auto events = unpicked_sale();
  // Shopify still reports the 10 units the site held before the sale.
  Event report = testing::count_event(4);
  report.type = EventType::kSnapshot;
  report.system = "shopify";
  report.location.clear();
  report.sku = "SKU-1";
  report.qty = 10;
  report.user.clear();
  report.session.clear();
  report.reference = "shopify-on-hand-wide";
  events.push_back(report);
  testing::deliver(hub.store.ledger, hub.reconciler, events);
  REQUIRE(add_drift_routes(hub.router, hub.store.ledger.database(), hub.catalog, hub.queries, testing::fixed_clock())
              .has_value());
  testing::Serving serving(hub.router);
  const auto output =
      drift_command(serving.hub(), OutputFormat::kTable, DriftSubject{"", "site-1", "SKU-1", 50, "shopify"});
  INFO(output.out << output.err);
  CHECK(output.exit_code == 0);
  CHECK(
      output.out.starts_with("shopify site-1/(whole site)/SKU-1\norigin:     shopify reported 10 where the ledger "
                             "held 7 (+3) as of "));
  CHECK(output.out.find("known good: no report agreed before\n") != std::string::npos);
  CHECK(output.out.find("85     movement_not_in_system") != std::string::npos);
  CHECK(output.out.find("LOCATION") != std::string::npos);
  const auto json = drift_command(serving.hub(), OutputFormat::kJson, DriftSubject{"", "site-1", "", 50, "shopify"});
  const auto body = nlohmann::json::parse(json.out);
  CHECK(body["system"] == "shopify");
  CHECK(body["drifts"][0]["system"] == "shopify");
  CHECK(body["drifts"][0]["origin"]["snapshot_id"].get<std::int64_t>() > 0);
  CHECK(body["drifts"][0]["around"][0]["location"] == "A-1");
  // The floor's counts are a separate question.
  CHECK(drift_command(serving.hub(), OutputFormat::kTable, DriftSubject{"", "site-1", "", 50, "fba"}).out ==
        "no drift: every subject examined agrees with fba's latest report\n");
}

TEST_CASE("recountctl drift refuses a bad subject by name without asking the hub") {
  const HostPort nowhere{"127.0.0.1", 1};
  const auto check_refused = [&](const DriftSubject& subject, const std::string& named) {
    const auto output = drift_command(nowhere, OutputFormat::kTable, subject);
    CHECK(output.exit_code == kExitFailed);
    CHECK_MESSAGE(output.err.find(named) != std::string::npos, output.err);
  };
  check_refused(DriftSubject{"", "", "", 50, ""}, "name a position or --site");
  check_refused(DriftSubject{"site-1/A-1/SKU-1", "site-1", "", 50, ""}, "name a position or --site");
  check_refused(DriftSubject{"site-1/A-1/SKU-1", "", "SKU-1", 50, ""}, "--sku");
  check_refused(DriftSubject{"site-1/A-1", "", "", 50, ""}, "POSITION");
  check_refused(DriftSubject{"", "no such", "", 50, ""}, "--site");
  check_refused(DriftSubject{"", "site-1", "", 0, ""}, "--limit");
  check_refused(DriftSubject{"", "site-1", "", 50, "no such"}, "--system");
}

}  // namespace
}  // namespace recount::hub
