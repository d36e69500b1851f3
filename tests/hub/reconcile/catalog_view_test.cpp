// The catalog view: the hub's items once for every site, location classes per site, and the
// compact item table that holds them.
#include "hub/reconcile/catalog_view.hpp"

#include <doctest/doctest.h>

#include "tests/hub/reconcile/fixtures.hpp"

namespace recount::hub::reconcile {
namespace {

TEST_CASE("reconcile catalog view: items carry cost, class and their distinct pack sizes, locations their class") {
  CatalogSnapshot snapshot;
  protocol::Catalog catalog = testing::test_catalog();
  catalog.items[0].barcodes.push_back({"05901234123457", 1});
  snapshot.put(catalog);
  CHECK(snapshot.item("s1", "SKU-A") == ItemFacts{250, "grocery", {1, 12}});
  CHECK(snapshot.item("s1", "SKU-B") == ItemFacts{10'000, "electronics", {1}});
  CHECK_FALSE(snapshot.item("s1", "SKU-Z").has_value());
  CHECK(snapshot.location_class("s1", "DOCK") == "dock");
  CHECK(snapshot.location_class("s1", "Z-9").empty());
}

// The hub's items are one table for every site: a site with no locations of its own (an Amazon
// fulfilment site, an online store) still values and classifies what its systems report.
TEST_CASE("reconcile catalog view: every site has the hub's items, also one without locations") {
  CatalogSnapshot snapshot;
  snapshot.put(testing::test_catalog());
  CHECK(snapshot.item("fba-eu", "SKU-A") == ItemFacts{250, "grocery", {1, 12}});
  CHECK(snapshot.location_class("fba-eu", "A-1").empty());
}

TEST_CASE("reconcile catalog view: new items replace every item, new locations their own site's only") {
  CatalogSnapshot snapshot;
  snapshot.put(testing::test_catalog());
  protocol::Catalog other = testing::test_catalog();
  other.site = "s2";
  other.locations = {{"A-1", "LOC:A-1", "bulk"}};
  other.items.pop_back();
  snapshot.put(other);
  CHECK_FALSE(snapshot.item("s1", "SKU-B").has_value());
  CHECK(snapshot.item("s1", "SKU-A").has_value());
  CHECK(snapshot.location_class("s1", "A-1") == "shelf");
  CHECK(snapshot.location_class("s2", "A-1") == "bulk");
  snapshot.put_locations("s1", {{"A-1", "cold"}});
  CHECK(snapshot.location_class("s1", "A-1") == "cold");
  CHECK(snapshot.location_class("s1", "DOCK").empty());
}

TEST_CASE("item table: items added in any order are found by SKU, and of a SKU added twice the last") {
  ItemTableBuilder builder;
  builder.add("SKU-C", 30, "parts");
  builder.add_pack(6);
  builder.add_pack(1);
  builder.add_pack(6);
  builder.add("SKU-A", 10, "grocery");
  builder.add("SKU-B", 20, "parts");
  builder.add_pack(1);
  builder.add("SKU-A", 11, "frozen");
  builder.add_pack(24);
  const ItemTable table = builder.build();
  CHECK(table.size() == 3);
  CHECK(table.find("SKU-A") == ItemFacts{11, "frozen", {24}});
  CHECK(table.find("SKU-B") == ItemFacts{20, "parts", {1}});
  CHECK(table.find("SKU-C") == ItemFacts{30, "parts", {1, 6}});
  CHECK_FALSE(table.find("SKU").has_value());
  CHECK_FALSE(table.find("SKU-AA").has_value());
  CHECK_FALSE(table.find("").has_value());
  // The builder starts again empty, its classes too.
  builder.add("SKU-D", 40, "");
  builder.add("SKU-E", 50, "parts");
  const ItemTable next = builder.build();
  CHECK(next.size() == 2);
  CHECK(next.find("SKU-D") == ItemFacts{40, "", {}});
  CHECK(next.find("SKU-E") == ItemFacts{50, "parts", {}});
  CHECK_FALSE(next.find("SKU-A").has_value());
}

TEST_CASE("item table: an empty table finds nothing") {
  CHECK_FALSE(ItemTable().find("SKU-A").has_value());
  CHECK_FALSE(ItemTableBuilder().build().find("SKU-A").has_value());
}

}  // namespace
}  // namespace recount::hub::reconcile
