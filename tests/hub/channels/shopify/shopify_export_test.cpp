// Shopify's three inventory export layouts as Reports, one fixture per quirk
// (tests/data/channels/shopify, made by tests/data/channels/make.py).
#include "hub/channels/shopify/shopify_export.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::hub::channels::shopify {
namespace {

std::string fixture(std::string_view name) {
  return testing::read_file(testing::project_data("channels/shopify/" + std::string(name)));
}

// The quantity of `identity` (a SKU, or the variant key of a variant without one) at `location`.
const ReportedQuantity* find(const Report& report, std::string_view identity, std::string_view location) {
  const auto found = std::find_if(report.quantities.begin(), report.quantities.end(), [&](const ReportedQuantity& q) {
    return q.sku == identity && q.system_location == location;
  });
  return found == report.quantities.end() ? nullptr : &*found;
}

std::int64_t quantity(const Report& report, std::string_view identity, std::string_view location) {
  const auto* entry = find(report, identity, location);
  REQUIRE_MESSAGE(entry != nullptr, "no quantity of " << identity << " at " << location);
  return entry->quantity;
}

}  // namespace

TEST_CASE("the wide export gives one quantity per location column, skipping not stocked") {
  const auto report = read_shopify_export(fixture("inventory-available-wide.csv"));
  REQUIRE(report.errors.empty());
  CHECK(report.system == "shopify");
  CHECK(report.kind == "shopify-available-wide");
  CHECK(report.quantities.size() == 10);
  CHECK(quantity(report, "MUG-BLUE", "Shop location") == 5);
  CHECK(quantity(report, "MUG-BLUE", "Snow City Warehouse") == 12);
  CHECK(find(report, "MUG-BLUE", "My Custom Location") == nullptr);  // not stocked: no quantity, not 0
  // A quoted SKU holding a line break, and a negative (oversold) quantity.
  CHECK(quantity(report, "AD-04\n-OS-red", "Shop location") == -2);
  CHECK(find(report, "AD-04\n-OS-red", "Shop location")->line == 3);
  CHECK(quantity(report, "AD-04\n-OS-red", "My Custom Location") == 0);
  // A variant without SKU is identified by its non-ASCII Handle and option values.
  const auto* unnamed = find(report, "handle:new-era®-cap/M", "Shop location");
  REQUIRE(unnamed != nullptr);
  CHECK(unnamed->item_ref == "new-era®-cap (Size: M)");
  CHECK(unnamed->quantity == 3);
  CHECK(unnamed->line == 5);
  CHECK(find(report, "CAP-L", "Shop location")->item_ref == "new-era®-cap (Size: L)");
}

TEST_CASE("the same SKU on two variants at one location is summed, with a note naming both lines") {
  const auto report = read_shopify_export(fixture("inventory-available-wide.csv"));
  CHECK(quantity(report, "CAP-L", "Shop location") == 3);
  CHECK(quantity(report, "CAP-L", "My Custom Location") == 1);  // the bundle is not stocked there
  CHECK(quantity(report, "CAP-L", "Snow City Warehouse") == 5);
  REQUIRE(report.notes.size() == 2);
  CHECK(report.notes[0].line == 7);
  CHECK(report.notes[0].field == "SKU");
  CHECK(report.notes[0].message.find("SKU CAP-L at Shop location is listed again (first on line 6)") !=
        std::string::npos);
  CHECK(report.notes[0].message.find("(1 + 2)") != std::string::npos);
}

TEST_CASE("the 2023 long export compares On hand and keeps the other quantity types as details") {
  const auto report = read_shopify_export(fixture("inventory-all-2023.csv"));
  REQUIRE(report.errors.empty());
  CHECK(report.kind == "shopify-all-2023");
  REQUIRE(report.quantities.size() == 2);  // the tumbler is not stocked
  const auto* shop = find(report, "handle:königstiger/1:16", "Shop location");
  REQUIRE(shop != nullptr);
  CHECK(shop->quantity == 5);
  CHECK(shop->details.at("incoming") == 2);
  CHECK(shop->details.at("unavailable") == 1);
  CHECK(shop->details.at("committed") == 1);
  CHECK(shop->details.at("available") == 3);
  CHECK(quantity(report, "handle:königstiger/1:16", "Warehouse") == -1);
  CHECK(report.notes.empty());
}

TEST_CASE("the 2024 long export compares On hand (current), sums a duplicate SKU and notes a broken identity") {
  const auto report = read_shopify_export(fixture("inventory-all-2024.csv"));
  REQUIRE(report.errors.empty());
  CHECK(report.kind == "shopify-all-2024");
  REQUIRE(report.quantities.size() == 2);
  const auto* small = find(report, "JOG-S", "Shop location");
  REQUIRE(small != nullptr);
  CHECK(small->quantity == 9);
  CHECK(small->details.at("available") == 8);
  CHECK(small->details.at("incoming") == 4);
  CHECK(small->details.size() == 4);  // On hand (new), empty on export, is not read
  CHECK(small->item_ref == "jogger (NSLS Vintage Seal Jogger Sweatpants (Size): S)");
  CHECK(quantity(report, "JOG-L", "Shop location") == 5);
  REQUIRE(report.notes.size() == 2);
  CHECK(report.notes[0].line == 3);
  CHECK(report.notes[1].line == 4);
  CHECK(report.notes[1].field == "On hand (current)");
  CHECK(report.notes[1].message.find("On hand is 5 but Unavailable + Committed + Available is 4") != std::string::npos);
}

TEST_CASE("variants without SKU are keyed by Handle and option values, a slash in a value escaped") {
  const auto report = read_shopify_export(fixture("inventory-variants.csv"));
  REQUIRE(report.errors.empty());
  CHECK(report.quantities.size() == 3);
  CHECK(quantity(report, "handle:königstiger/1:16", "Shop location") == 3);
  CHECK(quantity(report, "handle:tee/S%2FM/Black", "Shop location") == 4);
  CHECK(quantity(report, "handle:tumbler", "Shop location") == 6);  // no variants: the Handle alone
  CHECK(find(report, "handle:tee/S%2FM/Black", "Shop location")->item_ref == "tee (Size: S/M, Color: Black)");
}

TEST_CASE("a quantity that is no number and a row naming no variant are errors naming line and column") {
  const auto report = read_shopify_export(fixture("inventory-bad.csv"));
  REQUIRE(report.errors.size() == 2);
  CHECK(report.errors[0].line == 2);
  CHECK(report.errors[0].field == "Shop location");
  CHECK(report.errors[0].message.find("'five' is not a whole number") != std::string::npos);
  CHECK(report.errors[1].line == 3);
  CHECK(report.errors[1].field == "SKU");
}

TEST_CASE("a file that is not a Shopify export says which columns were expected") {
  const auto report = read_shopify_export("sku,quantity\nA,1\n");
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors.front().line == 1);
  CHECK(report.errors.front().message.find("lacks column(s) handle") != std::string::npos);
  const auto no_location = read_shopify_export("Handle,SKU\nmug,M\n");
  REQUIRE(no_location.errors.size() == 1);
  CHECK(no_location.errors.front().message.find("no location column") != std::string::npos);
  const auto no_on_hand = read_shopify_export("Handle,SKU,Location,Available\nmug,M,Shop,1\n");
  REQUIRE(no_on_hand.errors.size() == 1);
  CHECK(no_on_hand.errors.front().message.find("lacks On hand") != std::string::npos);
}

}  // namespace recount::hub::channels::shopify
