// The hub key a data directory trusts: stored on first use, then fixed.
#include "agent/sync/hub_key.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

std::filesystem::path write_file(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file) << text;
  return file;
}

}  // namespace

TEST_CASE("the hub key given on first use is stored and trusted from then on") {
  testing::TempDir dir;
  const auto key = crypto::SigningKey::generate().public_key();
  const auto given = write_file(dir / "hub.pem", key.pem());
  const auto data = dir / "data";
  std::filesystem::create_directories(data);
  CHECK_FALSE(trusted_hub_key(data, std::nullopt).value().has_value());
  CHECK(trusted_hub_key(data, given).value() == key);
  CHECK(std::filesystem::exists(data / kHubKeyFile));
  CHECK(trusted_hub_key(data, std::nullopt).value() == key);
  CHECK(trusted_hub_key(data, given).value() == key);  // the same key again is fine
}

TEST_CASE("another hub key than the stored one is refused, naming both fingerprints") {
  testing::TempDir dir;
  const auto first = crypto::SigningKey::generate().public_key();
  const auto second = crypto::SigningKey::generate().public_key();
  REQUIRE(trusted_hub_key(dir.path(), write_file(dir / "first.pem", first.pem())));
  auto refused = trusted_hub_key(dir.path(), write_file(dir / "second.pem", second.pem()));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kConflict);
  CHECK(refused.error().message.find(first.fingerprint()) != std::string::npos);
  CHECK(refused.error().message.find(second.fingerprint()) != std::string::npos);
  CHECK(trusted_hub_key(dir.path(), std::nullopt).value() == first);
}

TEST_CASE("a key file that holds no public key is refused with its name and nothing is stored") {
  testing::TempDir dir;
  const auto garbage = write_file(dir / "garbage.pem", "not a key\n");
  auto refused = trusted_hub_key(dir.path(), garbage);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kInvalidInput);
  CHECK(refused.error().describe().find("garbage.pem") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / kHubKeyFile));
  auto missing = trusted_hub_key(dir.path(), dir / "missing.pem");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kIo);
}

}  // namespace recount::agent
