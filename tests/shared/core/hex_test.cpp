// Hexadecimal digits.
#include "shared/core/hex.hpp"

#include <doctest/doctest.h>

namespace recount {

TEST_CASE("bytes go to lowercase hex digits and back, either case read, anything else refused") {
  const std::string bytes("\x00\x01\x7f\x80\xff A", 7);
  CHECK(to_hex(bytes) == "00017f80ff2041");
  CHECK(from_hex("00017f80ff2041") == bytes);
  CHECK(from_hex("00017F80FF2041") == bytes);
  CHECK(to_hex("").empty());
  CHECK(from_hex("") == std::string());
  CHECK_FALSE(from_hex("0"));
  CHECK_FALSE(from_hex("0g"));
  CHECK_FALSE(from_hex("g0"));
  CHECK_FALSE(from_hex(" 00"));
  CHECK(hex_digit_value('a') == 10);
  CHECK(hex_digit_value('F') == 15);
  CHECK(hex_digit_value('/') == -1);
  CHECK(hex_digit_value(':') == -1);
}

}  // namespace recount
