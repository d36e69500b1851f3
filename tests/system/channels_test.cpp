// Connected systems end to end through the real recount-hub and recountctl: a Shopify export
// imported against the ledger's opening balance gives a shopify discrepancy at the export's
// as-of time, re-importing changes nothing, the systems listing shows it, correct-system puts
// exactly one correction in the outbox, and the next export that agrees closes it.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::testing {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kShopifyHeader =
    "Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,SKU,HS Code,COO,"
    "Shop location\n";

struct ChannelSite {
  TempDir dir;
  Mosquitto broker;
  Hub hub{dir / "hub", broker.uri()};

  ChannelSite() {
    REQUIRE(ctl({"import", "items", catalog_fixture("items.csv")}).exit_code == 0);
    REQUIRE(ctl({"import", "locations", catalog_fixture("locations.csv")}).exit_code == 0);
    write("baseline.csv", "site,location,sku,lot,quantity,as_of\nstore-1,A-01,SKU-1,,10,2026-01-05T06:00:00Z\n");
    REQUIRE(ctl({"import", "baseline", (dir / "baseline.csv").string()}).exit_code == 0);
    write("locations.map", "# Shopify location, recount location (empty: the whole site)\nShop location,\n");
  }

  void write(const std::string& name, std::string_view text) const {
    std::ofstream out(dir / name, std::ios::binary);
    out << text;
  }

  CommandResult ctl(std::vector<std::string> arguments) const {
    std::vector<std::string> argv{RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run_command(argv);
  }

  CommandResult import_shopify(const std::string& name, const std::string& as_of) const {
    return ctl({"import", "shopify", (dir / name).string(), "--site", "store-1", "--as-of", as_of, "--locations",
                (dir / "locations.map").string()});
  }

  Json shopify_discrepancies() const {
    const auto listed = ctl({"discrepancies", "--system", "shopify", "--state", "all", "--json"});
    REQUIRE(listed.exit_code == 0);
    return Json::parse(listed.out)["discrepancies"];
  }
};

TEST_CASE("a Shopify export is compared with the ledger, corrected once, and closed by the next export") {
  ChannelSite site;
  site.write("export-1.csv", std::string(kShopifyHeader) + "widget,Widget,Title,Default Title,,,,,SKU-1,,,7\n" +
                                 "ghost,Ghost,Title,Default Title,,,,,NOT-IN-CATALOG,,,3\n");
  const auto first = site.import_shopify("export-1.csv", "2026-01-05T12:00:00Z");
  INFO(first.out, first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.out.find("1 stored") != std::string::npos);
  CHECK(first.out.find("NOT-IN-CATALOG") != std::string::npos);
  const auto again = site.import_shopify("export-1.csv", "2026-01-05T12:00:00Z");
  CHECK(again.out.find("0 stored, 1 already imported") != std::string::npos);

  auto found = site.shopify_discrepancies();
  REQUIRE(found.size() == 1);
  CHECK(found[0]["system"] == "shopify");
  CHECK(found[0]["expected"] == 10);
  CHECK(found[0]["counted"] == 7);
  CHECK(found[0]["state"] == "awaiting_review");

  const auto systems = site.ctl({"systems", "--json"});
  REQUIRE(systems.exit_code == 0);
  const Json listing = Json::parse(systems.out);
  REQUIRE(listing["systems"].size() == 1);
  CHECK(listing["systems"][0]["open_discrepancies"] == 1);
  CHECK(listing["systems"][0]["unmapped_skus"] == Json::array({"NOT-IN-CATALOG"}));
  CHECK(site.ctl({"systems"}).out.find("shopify") != std::string::npos);

  const std::string id = std::to_string(found[0]["id"].get<std::int64_t>());
  const auto resolved =
      site.ctl({"resolve", id, "--action", "correct-system", "--reason", "data_entry_error", "--json"});
  INFO(resolved.out, resolved.err);
  REQUIRE(resolved.exit_code == 0);
  found = site.shopify_discrepancies();
  CHECK(found[0]["state"] == "awaiting_system");

  site.write("export-2.csv", std::string(kShopifyHeader) + "widget,Widget,Title,Default Title,,,,,SKU-1,,,10\n");
  REQUIRE(site.import_shopify("export-2.csv", "2026-01-05T18:00:00Z").exit_code == 0);
  found = site.shopify_discrepancies();
  REQUIRE(found.size() == 1);
  CHECK(found[0]["state"] == "closed");
  CHECK(found[0]["resolution"] == "system_agrees");
}

TEST_CASE("a broken export is refused whole as FILE:LINE: COLUMN: message, and an unknown site by name") {
  ChannelSite site;
  site.write("broken.csv", std::string(kShopifyHeader) + "widget,Widget,Title,Default Title,,,,,SKU-1,,,seven\n");
  const auto broken = site.import_shopify("broken.csv", "2026-01-05T12:00:00Z");
  CHECK(broken.exit_code == 1);
  CHECK(broken.err.find("broken.csv:2: ") != std::string::npos);
  const auto no_site = site.ctl({"import", "pos", (site.dir / "broken.csv").string(), "--site", "bad site"});
  CHECK(no_site.exit_code == 2);
  CHECK(no_site.err.find("site") != std::string::npos);
}

TEST_CASE("a Shopify variant without SKU is mapped with map-sku --handle and its correction names it") {
  ChannelSite site;
  const std::string variants = project_data("channels/shopify/inventory-variants.csv");
  const auto import_variants = [&](const std::string& as_of) {
    return site.ctl({"import", "shopify", variants, "--site", "store-1", "--as-of", as_of, "--locations",
                     (site.dir / "locations.map").string()});
  };
  const auto first = import_variants("2026-01-05T12:00:00Z");
  INFO(first.out, first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.out.find("handle:königstiger/1:16") != std::string::npos);

  const auto mapped = site.ctl({"map-sku", "shopify", "--handle", "Königstiger", "--option", "1:16", "SKU-1"});
  INFO(mapped.out, mapped.err);
  REQUIRE(mapped.exit_code == 0);
  CHECK(mapped.out == "shopify SKU handle:königstiger/1:16 is SKU-1 from its next import on\n");
  CHECK(site.ctl({"map-sku", "shopify", "--handle", "tee", "SKU-2", "SKU-3"}).exit_code != 0);

  REQUIRE(import_variants("2026-01-05T13:00:00Z").exit_code == 0);
  auto found = site.shopify_discrepancies();
  REQUIRE(found.size() == 1);
  CHECK(found[0]["sku"] == "SKU-1");
  CHECK(found[0]["expected"] == 10);
  CHECK(found[0]["counted"] == 3);
  const std::string id = std::to_string(found[0]["id"].get<std::int64_t>());
  // The detail shows the variant as Shopify names it and the export's other figures.
  const auto shown = site.ctl({"discrepancy", id});
  INFO(shown.out);
  CHECK(shown.out.find("shopify reported 3 as of 2026-01-05T13:00:00") != std::string::npos);
  CHECK(shown.out.find("as handle:königstiger/1:16 at 'Shop location'") != std::string::npos);
  CHECK(shown.out.find("also reported: available 2, committed 1, incoming 0, unavailable 0") != std::string::npos);
  REQUIRE(site.ctl({"resolve", id, "--action", "correct-system", "--reason", "data_entry_error"}).exit_code == 0);
  const auto corrections = site.ctl({"corrections", "--system", "shopify", "--json"});
  REQUIRE(corrections.exit_code == 0);
  const Json listed = Json::parse(corrections.out);
  INFO(corrections.out);
  REQUIRE(listed["corrections"].size() == 1);
  CHECK(listed["corrections"][0]["sku"] == "handle:königstiger/1:16");
  CHECK(listed["corrections"][0]["on_hand"] == 10);
}

TEST_CASE("an FBA discrepancy's claim is recorded with recountctl claim, shown, and closes it when reimbursed") {
  ChannelSite site;
  site.write("fba.txt",
             "sku\tfnsku\tasin\tafn-warehouse-quantity\tafn-fulfillable-quantity\tafn-unsellable-quantity\t"
             "afn-reserved-quantity\r\nSKU-1\tX0001\tB0001\t7\t6\t1\t0\r\n");
  const auto imported = site.ctl(
      {"import", "fba", (site.dir / "fba.txt").string(), "--site", "store-1", "--as-of", "2026-01-05T12:00:00Z"});
  INFO(imported.out, imported.err);
  REQUIRE(imported.exit_code == 0);
  const auto listed = site.ctl({"discrepancies", "--system", "fba", "--json"});
  const Json found = Json::parse(listed.out)["discrepancies"];
  REQUIRE(found.size() == 1);
  CHECK(found[0]["proposal"] == "reimbursement-claim");
  const std::string id = std::to_string(found[0]["id"].get<std::int64_t>());

  const auto filed = site.ctl({"claim", id, "--case", "CASE-9", "--note", "lost in receiving"});
  INFO(filed.out, filed.err);
  REQUIRE(filed.exit_code == 0);
  CHECK(filed.out ==
        "discrepancy " + id + ": case CASE-9 filed; the discrepancy is awaiting_review (resolution none)\n");
  CHECK(site.ctl({"claim", id, "--case", "CASE-9", "--state", "paid"}).exit_code != 0);
  const Json with_claim = Json::parse(site.ctl({"discrepancies", "--system", "fba", "--json"}).out)["discrepancies"];
  CHECK(with_claim[0]["claim"]["state"] == "filed");
  const auto shown = site.ctl({"discrepancy", id});
  CHECK(shown.out.find("claim CASE-9 filed by ") != std::string::npos);
  CHECK(shown.out.find(": lost in receiving") != std::string::npos);
  CHECK(shown.out.find("also reported: fulfillable 6, reserved 0, unsellable 1") != std::string::npos);

  const auto paid = site.ctl({"claim", id, "--case", "CASE-9", "--state", "reimbursed", "--json"});
  REQUIRE(paid.exit_code == 0);
  CHECK(Json::parse(paid.out)["discrepancy"]["state"] == "closed");
  CHECK(Json::parse(paid.out)["claims"].size() == 2);
}

}  // namespace
}  // namespace recount::testing
