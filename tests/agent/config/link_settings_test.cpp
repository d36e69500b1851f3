// The agent's stored broker link: first use, later changes, secrets' modes, refusals.
#include "agent/config/link_settings.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

bool owner_only(const std::filesystem::path& file) {
  return (std::filesystem::status(file).permissions() &
          (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) == std::filesystem::perms::none;
}

}  // namespace

TEST_CASE("the first run stores the link, a later run without options connects the same way") {
  testing::TempDir data;
  LinkChanges first;
  first.uri = "mqtts://broker.example:8883";
  first.ca_pem = "CA CERTIFICATE";
  first.username = "S1.d1";
  first.password = "secret";
  const auto stored = update_link(data.path(), first);
  REQUIRE(stored.has_value());
  const auto again = update_link(data.path(), {});
  REQUIRE(again.has_value());
  CHECK(again->uri == "mqtts://broker.example:8883");
  CHECK(again->security.username == "S1.d1");
  CHECK(again->security.password == "secret");
  CHECK(testing::read_file(again->security.ca_file) == "CA CERTIFICATE");
  CHECK(owner_only(data / "broker" / "password"));
}

TEST_CASE("a changed password replaces the stored one and keeps the rest, a new URI starts afresh") {
  testing::TempDir data;
  LinkChanges first;
  first.uri = "mqtts://broker.example:8883";
  first.username = "S1.d1";
  first.password = "old";
  REQUIRE(update_link(data.path(), first).has_value());
  LinkChanges password;
  password.password = "new";
  const auto changed = update_link(data.path(), password);
  REQUIRE(changed.has_value());
  CHECK(changed->security.password == "new");
  CHECK(changed->security.username == "S1.d1");
  LinkChanges plain;
  plain.uri = "tcp://127.0.0.1:1883";
  const auto reset = update_link(data.path(), plain);
  REQUIRE(reset.has_value());
  CHECK(reset->security.username.empty());
  CHECK(reset->security.password.empty());
  CHECK_FALSE(std::filesystem::exists(data / "broker" / "password"));
}

TEST_CASE("a client key is stored owner-only and a CA with a plain URI is refused, leaving the link as it was") {
  testing::TempDir data;
  LinkChanges tls;
  tls.uri = "mqtts://broker.example:8884";
  tls.cert_pem = "CERTIFICATE";
  tls.key_pem = "KEY";
  const auto stored = update_link(data.path(), tls);
  REQUIRE(stored.has_value());
  CHECK(owner_only(stored->security.key_file));
  LinkChanges bad;
  bad.uri = "tcp://broker.example:1883";
  bad.ca_pem = "CA";
  const auto refused = update_link(data.path(), bad);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().field == "--mqtt-ca");
  CHECK(update_link(data.path(), {}).value().uri == "mqtts://broker.example:8884");
}

TEST_CASE("without a stored link and without --mqtt, run says what to give") {
  testing::TempDir data;
  const auto missing = update_link(data.path(), {});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::kNotFound);
  CHECK(missing.error().field == "--mqtt");
}

TEST_CASE("an empty password file is refused naming the option") {
  testing::TempDir data;
  std::ofstream(data / "empty").close();
  const auto changes = read_link_options("", "", "", "", "S1.d1", data / "empty");
  REQUIRE_FALSE(changes.has_value());
  CHECK(changes.error().field == "--mqtt-password-file");
}

}  // namespace recount::agent
