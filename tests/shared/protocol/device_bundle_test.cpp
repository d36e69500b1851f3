// The provisioning bundle read by `recount-agent provision` and, as a systemd credential, by every
// start of `recount-agent run`: what it round-trips and what it refuses without throwing.
#include "shared/protocol/device_bundle.hpp"

#include <doctest/doctest.h>

namespace recount::protocol {
namespace {

DeviceBundle sample() {
  return {"S1", "d1", "mqtts://broker.example:8883", "CA", device_username("S1", "d1"), "pw", "HUB KEY"};
}

TEST_CASE("device bundle: encoding and decoding keep every field") {
  const auto decoded = decode_bundle(encode_bundle(sample()));
  REQUIRE(decoded.has_value());
  CHECK(decoded->site == "S1");
  CHECK(decoded->device == "d1");
  CHECK(decoded->broker == "mqtts://broker.example:8883");
  CHECK(decoded->ca_pem == "CA");
  CHECK(decoded->username == "S1.d1");
  CHECK(decoded->password == "pw");
  CHECK(decoded->hub_key_pem == "HUB KEY");
}

TEST_CASE("device bundle: a kind that is not a string is refused as not a bundle, not thrown") {
  for (const char* text :
       {R"({"v":1,"kind":1})", R"({"v":1,"kind":null})", R"({"v":1,"kind":["x"]})", "[]", "{", R"({"v":1})"}) {
    CAPTURE(text);
    const auto decoded = decode_bundle(text);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().message.find("not a recount device bundle") != std::string::npos);
  }
}

TEST_CASE("device bundle: a missing field or an id that is not an identifier is refused, naming it") {
  auto text = encode_bundle(sample());
  const auto without_password = decode_bundle(text.replace(text.find("\"password\""), 10, "\"passwd\""));
  REQUIRE_FALSE(without_password.has_value());
  CHECK(without_password.error().field == "password");
  auto bad_site = sample();
  bad_site.site = "S 1";
  const auto refused = decode_bundle(encode_bundle(bad_site));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().field == "site");
}

}  // namespace
}  // namespace recount::protocol
