// Hashed UUIDs: pinned values (ids already stored were made so), the version and variant.
#include "shared/crypto/hashed_uuid.hpp"

#include <doctest/doctest.h>

namespace recount {
namespace {

TEST_CASE("a hashed UUID is the SHA-256 of the identity with version 8 and the RFC variant, pinned") {
  CHECK(hashed_uuid("") == "e3b0c442-98fc-8c14-9afb-f4c8996fb924");
  CHECK(hashed_uuid(R"(["movement","pos","R1/1001/1"])") == "a3267568-8dc6-87ab-b09b-12fbaa6c96da");
}

TEST_CASE("the same identity gives the same id and another identity another") {
  const auto id = hashed_uuid("a");
  CHECK(id == hashed_uuid("a"));
  CHECK(id != hashed_uuid("b"));
  REQUIRE(id.size() == 36);
  CHECK(id[8] == '-');
  CHECK(id[14] == '8');
  CHECK(std::string("89ab").find(id[19]) != std::string::npos);
}

}  // namespace
}  // namespace recount
