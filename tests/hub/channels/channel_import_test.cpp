// Connected systems' imports through their route, over a real ledger, reconciler, catalog and
// outbox in a temp directory, with the connectors' fixture files (tests/data/channels): one
// discrepancy per system at each report's as-of time, correct-system producing exactly one
// correction and the next export closing it, FBA refusing it, idempotent re-imports, unmapped
// SKUs listed, POS movements on the sales floor.
#include "hub/channels/channel_import.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "hub/channels/outbox/corrections.hpp"
#include "hub/channels/outbox/shopify_file.hpp"
#include "hub/http/percent_encoding.hpp"
#include "shared/core/iso_time.hpp"
#include "tests/hub/channel_fixtures.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

TEST_CASE("channel import: a Shopify export and an FBA report give one discrepancy per system at their as-of time") {
  ChannelHub hub;
  const Json shopify = hub.imported(kShopify, channel_fixture("shopify/inventory-available-wide.csv"));
  CHECK(shopify["system"] == "shopify");
  CHECK(shopify["stored"].get<int>() >= 2);
  // "My Custom Location" is not in the map: left out, with a note.
  CHECK_FALSE(shopify["notes"].empty());
  // The red mug's SKU and the medium cap (no SKU) are not in the catalog: listed for mapping.
  CHECK_FALSE(shopify["unmapped"].empty());
  // Shopify holds 5 + 12 blue mugs across its two mapped locations where the ledger has 10.
  const auto mugs = hub.of_system("shopify");
  REQUIRE_FALSE(mugs.empty());
  const auto mug = std::find_if(mugs.begin(), mugs.end(), [](const auto& d) { return d.position.sku == "MUG-BLUE"; });
  REQUIRE(mug != mugs.end());
  CHECK(mug->expected == 10);
  CHECK(mug->counted == 17);
  CHECK(mug->state == reconcile::DiscrepancyState::kAwaitingReview);

  const Json fba = hub.imported("/api/v1/imports/fba?site=fba-eu&as_of=2026-09-20T12:00:00Z",
                                channel_fixture("fba/manage-fba-inventory-18.txt"));
  CHECK(fba["system"] == "fba");
  const auto at_amazon = hub.of_system("fba");
  REQUIRE(at_amazon.size() == 1);
  CHECK(at_amazon[0].position.sku == "000123456789");  // leading zeros kept
  CHECK(at_amazon[0].expected == 15);
  CHECK(at_amazon[0].counted == 12);
  // The warehouse's own ledger has no discrepancy: the same SKU can be right here and wrong there.
  CHECK(hub.of_system("warehouse").empty());
}

TEST_CASE("channel import: importing the same file again changes nothing") {
  ChannelHub hub;
  const Json first = hub.imported(kShopify, channel_fixture("shopify/inventory-available-wide.csv"));
  const Json again = hub.imported(kShopify, channel_fixture("shopify/inventory-available-wide.csv"));
  CHECK(again["stored"] == 0);
  CHECK(again["unchanged"] == first["stored"]);
  // Without --as-of too: the second import takes the first one's time.
  const std::string plain = "/api/v1/imports/shopify?site=s1";
  const Json once = hub.imported(plain, channel_fixture("shopify/inventory-all-2024.csv"));
  const Json twice = hub.imported(plain, channel_fixture("shopify/inventory-all-2024.csv"));
  CHECK(twice["stored"] == 0);
  CHECK(twice["as_of_ms"] == once["as_of_ms"]);
}

TEST_CASE("channel import: correct-system sends exactly one correction to Shopify and the next export closes it") {
  ChannelHub hub;
  hub.imported(kShopify, channel_fixture("shopify/inventory-available-wide.csv"));
  const auto mugs = hub.of_system("shopify");
  const auto mug = std::find_if(mugs.begin(), mugs.end(), [](const auto& d) { return d.position.sku == "MUG-BLUE"; });
  REQUIRE(mug != mugs.end());
  const auto resolved = hub.resolve(mug->id, "correct-system");
  INFO(resolved.body);
  REQUIRE(resolved.status == 200);
  CHECK(Json::parse(resolved.body)["discrepancy"]["state"] == "awaiting_system");
  const auto corrections =
      channels::list_corrections(hub.store.ledger.database(),
                                 channels::CorrectionFilter{"shopify", channels::CorrectionState::kPending})
          .value();
  REQUIRE(corrections.size() == 1);
  CHECK(corrections[0].correction.system == "shopify");
  CHECK(corrections[0].correction.sku == "MUG-BLUE");
  CHECK(corrections[0].correction.on_hand == 10);
  CHECK(corrections[0].correction.cause == "correct-system");

  const std::string next =
      "Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,SKU,HS Code,COO,"
      "Shop location\nmug,Mug,Color,Blue,,,,,MUG-BLUE,,,10\n";
  hub.imported("/api/v1/imports/shopify?site=s1&as_of=2026-09-20T18:00:00Z&locations=" +
                   percent_encode(R"({"Shop location": ""})"),
               next);
  const auto closed = hub.queries.discrepancy(mug->id).value().discrepancy;
  CHECK(closed.state == reconcile::DiscrepancyState::kClosed);
  CHECK(closed.resolution == reconcile::Resolution::kSystemAgrees);
}

TEST_CASE("channel import: correct-system on an FBA discrepancy is refused: FBA is read-only") {
  ChannelHub hub;
  const auto refused = hub.resolve(hub.fba_discrepancy().id, "correct-system");
  CHECK(refused.status == 409);
  CHECK(refused.body.find("FBA is read-only: ") != std::string::npos);
  for (const auto state : {channels::CorrectionState::kPending, channels::CorrectionState::kDelivered}) {
    CHECK(
        channels::list_corrections(hub.store.ledger.database(), channels::CorrectionFilter{"", state}).value().empty());
  }
}

TEST_CASE("channel import: POS movements land on the site's sales floor, once, a barcode resolved by the catalog") {
  ChannelHub hub;
  const Json first = hub.imported("/api/v1/imports/pos?site=s1", channel_fixture("pos/journal.csv"));
  CHECK(first["system"] == "pos");
  CHECK(first["stored"].get<int>() >= 3);
  const auto floor = hub.queries.positions(reconcile::PositionQuery{"s1", "MUG-BLUE", 0, 100}).value();
  const auto on_floor =
      std::find_if(floor.begin(), floor.end(), [](const auto& p) { return p.key.location == "FLOOR"; });
  REQUIRE(on_floor != floor.end());
  CHECK(on_floor->on_hand == -2);  // sold 2, sold 1 by barcode, 1 returned
  const Json again = hub.imported("/api/v1/imports/pos?site=s1", channel_fixture("pos/journal.csv"));
  CHECK(again["stored"] == 0);
}

TEST_CASE("channel import: a broken file is refused whole with its lines, and bad parameters name themselves") {
  ChannelHub hub;
  const auto bad = hub.post("/api/v1/imports/shopify?site=s1", channel_fixture("shopify/inventory-bad.csv"));
  CHECK(bad.status == 422);
  CHECK(bad.body.find("\"line\"") != std::string::npos);
  CHECK(hub.of_system("shopify").empty());
  const auto no_site = hub.post("/api/v1/imports/shopify", channel_fixture("shopify/inventory-all-2024.csv"));
  CHECK(no_site.status == 400);
  CHECK(no_site.body.find("site") != std::string::npos);
  const auto future = hub.post("/api/v1/imports/fba?site=s1&as_of=2099-01-01T00:00:00Z",
                               channel_fixture("fba/manage-fba-inventory-18.txt"));
  CHECK(future.status == 422);
  CHECK(hub.post("/api/v1/imports/erp?site=s1", "x").status == 404);
  CHECK(hub.post("/api/v1/imports/pos?site=s1&encoding=latin9", "x").status == 400);
  CHECK(hub.post("/api/v1/imports/pos?site=s1", channel_fixture("pos/journal.csv"), auth::Role::kViewer).status == 403);
}

TEST_CASE("channel import: a mapped SKU is imported from the next report on, and the systems listing shows it all") {
  ChannelHub hub;
  hub.imported(kShopify, channel_fixture("shopify/inventory-available-wide.csv"));
  const auto listing = hub.router.handle(
      testing::signed_in(Request::from_target("GET", "/api/v1/systems?site=s1").value(), auth::Role::kViewer));
  REQUIRE(listing.status == 200);
  const Json systems = Json::parse(listing.body);
  REQUIRE(systems["systems"].size() == 1);
  CHECK(systems["systems"][0]["system"] == "shopify");
  CHECK(systems["systems"][0]["open_discrepancies"].get<int>() >= 1);
  CHECK_FALSE(systems["systems"][0]["unmapped_skus"].empty());
  const auto mapped =
      hub.post("/api/v1/systems/shopify/aliases", Json{{"system_sku", "AD-04\n-OS-red"}, {"sku", "CAP-L"}}.dump());
  INFO(mapped.body);
  CHECK(mapped.status == 200);
  const auto unmapped = hub.channels.unmapped("s1").value();
  CHECK(std::none_of(unmapped.begin(), unmapped.end(), [](const auto& u) { return u.system_sku == "AD-04\n-OS-red"; }));
}

TEST_CASE("channel import: a Shopify variant without SKU is mapped by Handle and options, compared and corrected so") {
  ChannelHub hub;
  const std::string first = "/api/v1/imports/shopify?site=s1&as_of=2026-09-20T12:00:00Z";
  const Json listed = hub.imported(first, channel_fixture("shopify/inventory-variants.csv"));
  // Nothing SKU-less is in the catalog: each variant is listed by its key and its Handle and options.
  REQUIRE(listed["unmapped"].size() == 3);
  CHECK(listed["stored"] == 0);
  const auto unmapped = hub.channels.unmapped("s1").value();
  const auto tee = std::find_if(unmapped.begin(), unmapped.end(),
                                [](const auto& u) { return u.system_sku == "handle:tee/S%2FM/Black"; });
  REQUIRE(tee != unmapped.end());
  CHECK(tee->item_ref == "tee (Size: S/M, Color: Black)");

  // recountctl map-sku shopify --handle Königstiger --option 1:16 CAP-L: a capitalised Handle
  // names the same variant.
  const auto mapped = hub.post("/api/v1/systems/shopify/aliases",
                               Json{{"handle", "Königstiger"}, {"options", {"1:16"}}, {"sku", "CAP-L"}}.dump());
  INFO(mapped.body);
  REQUIRE(mapped.status == 200);
  CHECK(Json::parse(mapped.body)["system_sku"] == "handle:königstiger/1:16");
  // The key itself maps too, normalised the same way.
  const auto by_key =
      hub.post("/api/v1/systems/shopify/aliases", Json{{"system_sku", "handle:Tumbler"}, {"sku", "MUG-BLUE"}}.dump());
  CHECK(by_key.status == 200);
  CHECK(Json::parse(by_key.body)["system_sku"] == "handle:tumbler");

  // The next export compares them: Shopify has 3 tigers (CAP-L) where the ledger has 5.
  hub.imported("/api/v1/imports/shopify?site=s1&as_of=2026-09-20T13:00:00Z",
               channel_fixture("shopify/inventory-variants.csv"));
  const auto found = hub.of_system("shopify");
  const auto tiger = std::find_if(found.begin(), found.end(), [](const auto& d) { return d.position.sku == "CAP-L"; });
  REQUIRE(tiger != found.end());
  CHECK(tiger->expected == 5);
  CHECK(tiger->counted == 3);

  // The correction names the variant to Shopify by its Handle and option value, SKU empty.
  REQUIRE(hub.resolve(tiger->id, "correct-system").status == 200);
  const auto corrections =
      channels::list_corrections(hub.store.ledger.database(),
                                 channels::CorrectionFilter{"shopify", channels::CorrectionState::kPending})
          .value();
  REQUIRE(corrections.size() == 1);
  CHECK(corrections[0].correction.sku == "handle:königstiger/1:16");
  const auto file = parse_csv(channels::shopify_inventory_import(corrections[0])).value();
  REQUIRE(file.size() == 2);
  REQUIRE(file[1].fields.size() == 19);
  CHECK(file[1].fields[0] == "königstiger");
  CHECK(file[1].fields[3] == "1:16");
  CHECK(file[1].fields[8].empty());
  CHECK(file[1].fields[11] == "Shop location");
  CHECK(file[1].fields[18] == "5");
}

TEST_CASE("channel import: a variant alias names a Shopify variant, and a bad one says what is wrong") {
  ChannelHub hub;
  const auto alias = [&](const std::string& system, const Json& body) {
    return hub.post("/api/v1/systems/" + system + "/aliases", body.dump());
  };
  CHECK(alias("fba", {{"handle", "mug"}, {"sku", "MUG-BLUE"}}).status == 400);
  CHECK(alias("shopify", {{"handle", "  "}, {"sku", "MUG-BLUE"}}).body.find("handle") != std::string::npos);
  CHECK(alias("shopify", {{"handle", "mug"}, {"options", {"a", "b", "c", "d"}}, {"sku", "MUG-BLUE"}}).status == 400);
  CHECK(alias("shopify", {{"handle", "mug"}, {"system_sku", "M"}, {"sku", "MUG-BLUE"}}).status == 400);
  const auto bad_key = alias("shopify", {{"system_sku", "handle:mug/%zz"}, {"sku", "MUG-BLUE"}});
  CHECK(bad_key.status == 400);
  CHECK(bad_key.body.find("is not a variant key") != std::string::npos);
  CHECK(alias("shopify", {{"handle", "mug"}, {"options", {"Blue"}}, {"sku", "MUG-BLUE"}}).status == 200);
  CHECK(hub.channels.alias("shopify", "handle:mug/Blue").value() == std::optional<std::string>("MUG-BLUE"));
}

TEST_CASE("channel import: a system's discrepancy detail shows the report's other figures and its own names") {
  ChannelHub hub;
  const Json detail = hub.detail(hub.fba_discrepancy().id);
  INFO(detail.dump());
  CHECK(detail["proposal"] == "reimbursement-claim");
  const Json& snapshot = detail["snapshot"];
  CHECK(snapshot["reported"] == 12);
  CHECK(snapshot["expected_at_as_of"] == 15);
  CHECK(snapshot["system_sku"] == "000123456789");
  CHECK(snapshot["item_ref"].get<std::string>().find("X000456789") != std::string::npos);
  // warehouse 12 = fulfillable 10 + unsellable 1 + reserved 1; inbound tracked, not held.
  CHECK(snapshot["figures"]["fulfillable"] == 10);
  CHECK(snapshot["figures"]["unsellable"] == 1);
  CHECK(snapshot["figures"]["reserved"] == 1);
  CHECK(snapshot["figures"]["inbound-working"] == 5);
}

TEST_CASE("channel import: an FBA claim is filed, shown in the detail, and reimbursed closes it at Amazon's figure") {
  ChannelHub hub;
  const auto id = hub.fba_discrepancy().id;
  const auto filed = hub.claim(id, {{"case_id", "CASE-17"}}, auth::Role::kApprover);
  INFO(filed.body);
  REQUIRE(filed.status == 200);
  CHECK(Json::parse(filed.body)["discrepancy"]["state"] == "awaiting_review");
  Json detail = hub.detail(id);
  REQUIRE(detail["claims"].size() == 1);
  CHECK(detail["claims"][0]["case_id"] == "CASE-17");
  CHECK(detail["claims"][0]["state"] == "filed");
  CHECK(detail["claims"][0]["actor"] == "ops-anna");
  // The listing gives each FBA discrepancy's newest claim step.
  const auto listed = hub.router.handle(
      testing::signed_in(Request::from_target("GET", "/api/v1/discrepancies?system=fba").value(), auth::Role::kViewer));
  REQUIRE(listed.status == 200);
  CHECK(Json::parse(listed.body)["discrepancies"][0]["claim"]["case_id"] == "CASE-17");
  const auto audited = hub.store.ledger.audit().entries(0, 1000).value();
  CHECK(std::any_of(audited.begin(), audited.end(), [](const AuditEntry& entry) {
    return entry.kind == "channels.claim" && entry.detail.find("CASE-17") != std::string::npos;
  }));

  const auto paid = hub.claim(id, {{"case_id", "CASE-17"}, {"state", "reimbursed"}, {"note", "3 units paid"}});
  INFO(paid.body);
  REQUIRE(paid.status == 200);
  CHECK(Json::parse(paid.body)["discrepancy"]["state"] == "closed");
  CHECK(Json::parse(paid.body)["discrepancy"]["resolution"] == "approved");
  detail = hub.detail(id);
  REQUIRE(detail["claims"].size() == 2);
  CHECK(detail["claims"][1]["note"] == "3 units paid");
  // The ledger took Amazon's figure: 12 where it held 15.
  const auto held = hub.queries.positions(reconcile::PositionQuery{"fba-eu", "000123456789", 0, 100}).value();
  REQUIRE(held.size() == 1);
  CHECK(held[0].on_hand == 12);
  CHECK(hub.claim(id, {{"case_id", "CASE-17"}, {"state", "denied"}}).status == 409);  // closed
}

TEST_CASE("channel import: a claim needs an approver, a known state, an FBA discrepancy and a claim to reimburse") {
  ChannelHub hub;
  const auto id = hub.fba_discrepancy().id;
  CHECK(hub.claim(id, {{"case_id", "CASE-1"}}, auth::Role::kCounterLead).status == 403);
  const auto bad_state = hub.claim(id, {{"case_id", "CASE-1"}, {"state", "paid"}});
  CHECK(bad_state.status == 400);
  CHECK(bad_state.body.find("filed, reimbursed or denied") != std::string::npos);
  CHECK(hub.claim(id, {{"state", "filed"}}).status == 400);  // no case id
  CHECK(hub.claim(999, {{"case_id", "CASE-1"}}).status == 404);
  hub.imported(kShopify, channel_fixture("shopify/inventory-available-wide.csv"));
  const auto shopify = hub.of_system("shopify");
  REQUIRE_FALSE(shopify.empty());
  const auto not_fba = hub.claim(shopify[0].id, {{"case_id", "CASE-1"}});
  CHECK(not_fba.status == 409);
  CHECK(not_fba.body.find("read-only system") != std::string::npos);

  // A later report where Amazon holds more than the ledger makes it an investigation: nothing to
  // reimburse; denied closes it as a write-off.
  std::string more = channel_fixture("fba/manage-fba-inventory-18.txt");
  const auto row = more.find("Yes\t12\t10\t1\t1\t17");
  REQUIRE(row != std::string::npos);
  more.replace(row, 16, "Yes\t20\t18\t1\t1\t25");
  hub.imported("/api/v1/imports/fba?site=fba-eu&as_of=2026-09-20T13:00:00Z", more);
  const auto investigation = hub.of_system("fba");
  REQUIRE(investigation.size() == 1);
  REQUIRE(hub.detail(investigation[0].id)["proposal"] == "investigate");
  CHECK(hub.claim(investigation[0].id, {{"case_id", "CASE-2"}, {"state", "reimbursed"}}).status == 409);
  const auto denied = hub.claim(investigation[0].id, {{"case_id", "CASE-2"}, {"state", "denied"}});
  INFO(denied.body);
  REQUIRE(denied.status == 200);
  CHECK(Json::parse(denied.body)["discrepancy"]["resolution"] == "written_off");
}

}  // namespace
}  // namespace recount::hub
