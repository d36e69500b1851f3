// Variant keys: the identity of a Shopify variant without SKU, normalised and read back.
#include "hub/channels/shopify/variant_key.hpp"

#include <doctest/doctest.h>

namespace recount::hub::channels::shopify {
namespace {

TEST_CASE("a variant key is the Handle and the option values, without Default Title or empty values") {
  CHECK(variant_key("mug", {"Blue", "", ""}) == "handle:mug/Blue");
  CHECK(variant_key("mug", {"Blue", "Large", "Matte"}) == "handle:mug/Blue/Large/Matte");
  CHECK(variant_key("tumbler", {"Default Title", "", ""}) == "handle:tumbler");
}

TEST_CASE("a spreadsheet's blanks and a capitalised Handle give the same key, option case is kept") {
  CHECK(variant_key("  Mug ", {" Dark   Blue\t"}) == "handle:mug/Dark Blue");
  CHECK(variant_key("mug", {"Dark Blue"}) == "handle:mug/Dark Blue");
  CHECK(variant_key("mug", {"dark blue"}) != variant_key("mug", {"Dark Blue"}));
}

TEST_CASE("a non-ASCII Handle is kept byte for byte, only ASCII letters are folded") {
  CHECK(variant_key("New-Era®-Cap", {"M"}) == "handle:new-era®-cap/M");
  CHECK(variant_key("KÖNIGSTIGER", {"1:16"}) == "handle:kÖnigstiger/1:16");
}

TEST_CASE("a slash or percent inside a part is escaped and read back") {
  const auto key = variant_key("tee", {"S/M", "100%"});
  CHECK(key == "handle:tee/S%2FM/100%25");
  const auto variant = parse_variant_key(key);
  REQUIRE(variant.has_value());
  CHECK(*variant == Variant{"tee", {"S/M", "100%"}});
}

TEST_CASE("what is not a variant key is not read as one") {
  CHECK_FALSE(parse_variant_key("MUG-BLUE").has_value());
  CHECK_FALSE(parse_variant_key("handle:").has_value());
  CHECK_FALSE(parse_variant_key("handle:mug//Blue").has_value());
  CHECK_FALSE(parse_variant_key("handle:mug/%41").has_value());
  CHECK_FALSE(parse_variant_key("handle:mug/%2").has_value());
  CHECK_FALSE(parse_variant_key("handle:mug/a/b/c/d").has_value());
  CHECK(parse_variant_key("handle:mug/a/b/c").has_value());
}

}  // namespace
}  // namespace recount::hub::channels::shopify
