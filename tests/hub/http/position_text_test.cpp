// SITE/LOCATION/SKU[/LOT]: what recountctl history takes and the API's messages name.
#include "hub/http/position_text.hpp"

#include <doctest/doctest.h>

namespace recount::hub {
namespace {

TEST_CASE("a position reads as SITE/LOCATION/SKU, with /LOT when it has a lot") {
  CHECK(position_text({"store-1", "A-01", "SKU-1", ""}) == "store-1/A-01/SKU-1");
  CHECK(position_text({"store-1", "A-01", "SKU-1", "L7"}) == "store-1/A-01/SKU-1/L7");
  const auto parsed = parse_position_text("POSITION", "store-1/A-01/SKU-1/L7");
  REQUIRE(parsed.has_value());
  CHECK(*parsed == reconcile::PositionKey{"store-1", "A-01", "SKU-1", "L7"});
  CHECK(parse_position_text("POSITION", "store-1/A-01/SKU-1")->lot.empty());
}

TEST_CASE("a '/' or '%' inside a code is escaped, so every position survives the round trip") {
  const reconcile::PositionKey odd{"store-1", "AISLE 3/BAY 2", "50%-OFF", "L/7"};
  CHECK(position_text(odd) == "store-1/AISLE 3%2FBAY 2/50%25-OFF/L%2F7");
  CHECK(parse_position_text("POSITION", position_text(odd)).value() == odd);
  CHECK(parse_position_text("POSITION", "store-1/a%2fb/SKU-1")->location == "a/b");
}

TEST_CASE("a malformed position is refused with a message naming the field and quoting the text") {
  const auto check_refused = [](const std::string& text, const std::string& message) {
    const auto parsed = parse_position_text("POSITION", text);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().describe() == "POSITION: '" + text + "'" + message);
  };
  check_refused("store-1/A-01", " is not SITE/LOCATION/SKU[/LOT] (it has 2 parts; write a '/' inside a code as %2F)");
  check_refused("store-1/A/01/SKU-1/L7",
                " is not SITE/LOCATION/SKU[/LOT] (it has 5 parts; write a '/' inside a code as %2F)");
  check_refused("store-1/A-01/SKU%2", ": sku: has a % not followed by two hex digits");
  check_refused("store 1/A-01/SKU-1", ": site: may hold only letters, digits, '-' and '_'");
  check_refused("store-1//SKU-1", ": location: must not be empty");
  check_refused("store-1/A-01/SKU-1/", ": lot: must not be empty");
}

}  // namespace
}  // namespace recount::hub
