// Identifiers (site, device) and codes (location, SKU, lot, …): the shapes every input must have.
#include "shared/domain/identifiers.hpp"

#include <doctest/doctest.h>

#include <string>

#include "shared/domain/limits.hpp"

namespace recount {

TEST_CASE("identifiers of letters digits dash and underscore up to 64 characters are valid") {
  CHECK(validate_identifier("site", "store-0042"));
  CHECK(validate_identifier("device", "HH_17"));
  CHECK(validate_identifier("device", "a"));
  CHECK(validate_identifier("device", std::string(limits::kMaxIdentifier, 'x')));
}

TEST_CASE("identifiers that would break an MQTT topic are rejected with their field") {
  for (const char* bad : {"", "store/1", "+", "#", "a b", "hh.17", "Zoë", "$SYS", "a\nb"}) {
    CAPTURE(bad);
    const auto result = validate_identifier("device", bad);
    REQUIRE_FALSE(result);
    CHECK(result.error().field == "device");
  }
  CHECK_FALSE(validate_identifier("site", std::string(limits::kMaxIdentifier + 1, 'x')));
}

TEST_CASE("an optional code may be empty but a required one may not") {
  CHECK(validate_code("lot", "", limits::kMaxCode, Presence::kOptional));
  const auto required = validate_code("sku", "", limits::kMaxCode);
  REQUIRE_FALSE(required);
  CHECK(required.error().field == "sku");
}

TEST_CASE("code limits count bytes not characters") {
  std::string code;
  for (int i = 0; i < 16; ++i) code += "仓";  // three bytes each: 48 bytes
  CHECK(validate_code("location", code, 48));
  CHECK_FALSE(validate_code("location", code, 47));
}

TEST_CASE("codes with control characters or surrounding spaces are rejected") {
  for (const std::string& bad : {std::string("A\x01"), std::string("A\x7f"), std::string("A\tB"), std::string("A\nB"),
                                 std::string("A\0B", 3), std::string(" A"), std::string("A ")}) {
    CAPTURE(bad);
    CHECK_FALSE(validate_code("location", bad, limits::kMaxCode));
  }
  CHECK(validate_code("location", "Regal 3 Fach 2", limits::kMaxCode));
}

TEST_CASE("utf-8 validation accepts every plane and rejects malformed sequences") {
  CHECK(is_valid_utf8("plain"));
  CHECK(is_valid_utf8("Zoë 仓库 🍎"));
  CHECK(is_valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF, the last code point
  CHECK_FALSE(is_valid_utf8("\xff"));
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong, three bytes
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate U+D800
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xe4\xbb"));          // truncated
  CHECK_FALSE(is_valid_utf8("a\x80"));             // stray continuation byte
  CHECK_FALSE(validate_code("sku", "SKU-\xff", limits::kMaxCode));
}

}  // namespace recount
