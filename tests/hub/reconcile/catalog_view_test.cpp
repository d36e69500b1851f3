// The catalog view over published catalogs: facts per site, replaced site by site.
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
  CHECK_FALSE(snapshot.item("s2", "SKU-A").has_value());
  CHECK(snapshot.location_class("s1", "DOCK") == "dock");
  CHECK(snapshot.location_class("s1", "Z-9").empty());
}

TEST_CASE("reconcile catalog view: a new catalog replaces its own site only") {
  CatalogSnapshot snapshot;
  snapshot.put(testing::test_catalog());
  protocol::Catalog other = testing::test_catalog();
  other.site = "s2";
  snapshot.put(other);
  protocol::Catalog smaller = testing::test_catalog();
  smaller.items.pop_back();
  smaller.locations.clear();
  snapshot.put(smaller);
  CHECK_FALSE(snapshot.item("s1", "SKU-B").has_value());
  CHECK(snapshot.location_class("s1", "A-1").empty());
  CHECK(snapshot.item("s2", "SKU-B").has_value());
  CHECK(snapshot.location_class("s2", "A-1") == "shelf");
}

}  // namespace
}  // namespace recount::hub::reconcile
