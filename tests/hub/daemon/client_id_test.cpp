// The hub's MQTT client id: random per data directory, the same across restarts.
#include "hub/daemon/client_id.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "tests/support/process.hpp"

namespace recount::hub {

TEST_CASE("a hub's client id is made once per data directory, kept, and differs between directories") {
  testing::TempDir first;
  testing::TempDir second;
  const auto id = hub_client_id(first.path());
  REQUIRE(id.has_value());
  CHECK(id->starts_with("recount-hub-"));
  CHECK(id->size() == std::string("recount-hub-").size() + 16);
  CHECK(hub_client_id(first.path()).value() == *id);
  CHECK(hub_client_id(second.path()).value() != *id);
  const auto mode = std::filesystem::status(first / "mqtt-client-id").permissions();
  CHECK((mode & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
        std::filesystem::perms::none);
}

TEST_CASE("an empty stored client id is an error that names the file, not a hub without an id") {
  testing::TempDir data;
  std::ofstream(data / "mqtt-client-id").close();
  const auto id = hub_client_id(data.path());
  REQUIRE_FALSE(id.has_value());
  CHECK(id.error().describe().find("mqtt-client-id") != std::string::npos);
}

}  // namespace recount::hub
