// Random identifiers: epochs and UUIDv7 event ids, and their validators.
#include "shared/core/random_id.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

namespace recount {

TEST_CASE("an epoch is 16 lowercase hex digits and differs every time") {
  std::set<std::string> epochs;
  for (int i = 0; i < 200; ++i) {
    const std::string epoch = random_epoch();
    CHECK(is_epoch(epoch));
    epochs.insert(epoch);
  }
  CHECK(epochs.size() == 200);
}

TEST_CASE("is_epoch refuses other lengths cases and characters") {
  CHECK(is_epoch("3f9a0c1d22e4b871"));
  CHECK_FALSE(is_epoch("3F9A0C1D22E4B871"));
  CHECK_FALSE(is_epoch("3f9a0c1d22e4b87"));
  CHECK_FALSE(is_epoch("3f9a0c1d22e4b8712"));
  CHECK_FALSE(is_epoch("3f9a0c1d22e4b87g"));
  CHECK_FALSE(is_epoch(""));
}

TEST_CASE("a uuid v7 carries its version variant and millisecond time") {
  const std::int64_t ms = 1795714800000;  // 0x01a218f15980
  const std::string id = uuid_v7(ms);
  REQUIRE(is_uuid(id));
  CHECK(id.substr(0, 13) == "01a218f1-5980");
  CHECK(id[14] == '7');
  CHECK(std::string("89ab").find(id[19]) != std::string::npos);
}

TEST_CASE("uuid v7 ids sort by their time and are unique within one millisecond") {
  CHECK(uuid_v7(1795714800000) < uuid_v7(1795714800001));
  CHECK(uuid_v7(1795714800999) < uuid_v7(1795714801000));
  std::set<std::string> ids;
  for (int i = 0; i < 500; ++i) ids.insert(uuid_v7(1795714800000));
  CHECK(ids.size() == 500);
}

TEST_CASE("is_uuid accepts only the lowercase 8-4-4-4-12 form") {
  CHECK(is_uuid("01a218f1-5980-7444-9324-194ae56d5ba1"));
  CHECK_FALSE(is_uuid("01A218F1-5980-7444-9324-194AE56D5BA1"));
  CHECK_FALSE(is_uuid("01a218f159807444932419 4ae56d5ba1"));
  CHECK_FALSE(is_uuid("01a218f1-5980-7444-9324-194ae56d5ba"));
  CHECK_FALSE(is_uuid("01a218f1-5980-7444-9324_194ae56d5ba1"));
  CHECK_FALSE(is_uuid("{01a218f1-5980-7444-9324-194ae56d5ba}"));
  CHECK_FALSE(is_uuid("01a218f1-5980-7444-9324-194ae56d5bag"));
  CHECK_FALSE(is_uuid(""));
}

}  // namespace recount
