// Random tokens and base64.
#include "shared/crypto/random.hpp"

#include <doctest/doctest.h>

#include <set>

namespace recount::crypto {

TEST_CASE("base64 round-trips every length and matches RFC 4648's examples") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  for (std::size_t length = 0; length < 40; ++length) {
    std::string bytes;
    for (std::size_t i = 0; i < length; ++i) bytes.push_back(static_cast<char>(i * 37 + 250));
    auto decoded = base64_decode("x", base64_encode(bytes));
    REQUIRE(decoded);
    CHECK(*decoded == bytes);
  }
}

TEST_CASE("base64_decode refuses text that is not base64, naming the field") {
  // "Zh==" and "Zm9=" carry non-zero unused bits: they would decode as "f" and "fo", a second text
  // for the same bytes.
  for (const char* text : {"Zg=", "Z===", "Zm9v YmFy", "Zm9v\nYmFy", "Zg=a", "=Zg=", "Zm-_",
                           "Zh==", "Zm9=", " Zg=", "Zg==\n", "====", "A===", "AA=A", "=AAA", "  ==", "   =", "    "}) {
    auto decoded = base64_decode("signature", text);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().field == "signature");
  }
}

TEST_CASE("random tokens are URL-safe, of the asked strength and all different") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string token = random_token(32);
    CHECK(token.size() == 43);
    CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
    seen.insert(token);
  }
  CHECK(seen.size() == 100);
}

}  // namespace recount::crypto
