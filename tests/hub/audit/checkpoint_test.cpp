// Audit checkpoints: signed by the hub's key, refused when forged or altered, and compared with a
// chain that extends them, was truncated, or was rewritten and rehashed.
#include "hub/audit/checkpoint.hpp"

#include <doctest/doctest.h>

#include <string>

#include "shared/protocol/signed_payload.hpp"

namespace recount::hub {
namespace {

const crypto::SigningKey& hub_key() {
  static const crypto::SigningKey key = crypto::SigningKey::generate();
  return key;
}

Checkpoint checkpoint_at(std::int64_t entry_id) {
  return Checkpoint{entry_id, std::string(64, 'c'), 1'790'000'000'000, hub_key().public_key().fingerprint()};
}

TEST_CASE("a signed checkpoint reads back with the key that signed it") {
  const std::string text = sign_checkpoint(checkpoint_at(42), hub_key());
  CHECK(text.starts_with(R"({"kind":"recount.audit.checkpoint","v":1,"entry_id":42,)"));
  auto read = read_checkpoint(text, hub_key().public_key());
  REQUIRE_MESSAGE(read.has_value(), (read ? "" : read.error().describe()));
  CHECK(read->entry_id == 42);
  CHECK(read->head_hash == std::string(64, 'c'));
  CHECK(read->at_ms == 1'790'000'000'000);
  CHECK(read->hub_key == hub_key().public_key().fingerprint());
}

TEST_CASE("a checkpoint signed by another key is refused, naming the key it was checked with") {
  const auto other = crypto::SigningKey::generate();
  const std::string text = sign_checkpoint(checkpoint_at(42), other);
  auto read = read_checkpoint(text, hub_key().public_key());
  REQUIRE_FALSE(read.has_value());
  CHECK(read.error().field == "sig");
  CHECK(read.error().describe().find(hub_key().public_key().fingerprint()) != std::string::npos);
}

TEST_CASE("a checkpoint whose entry id or hash was altered after signing is refused") {
  std::string text = sign_checkpoint(checkpoint_at(42), hub_key());
  text.replace(text.find("\"entry_id\":42"), 13, "\"entry_id\":41");
  CHECK_FALSE(read_checkpoint(text, hub_key().public_key()).has_value());
}

TEST_CASE("a signed message that is not a checkpoint, or misses a field, is refused naming the field") {
  const auto key = hub_key().public_key();
  auto catalog = read_checkpoint(protocol::sign_payload(R"({"kind":"catalog","v":1})", hub_key()), key);
  REQUIRE_FALSE(catalog.has_value());
  CHECK(catalog.error().field == "kind");
  auto no_hash = read_checkpoint(
      protocol::sign_payload(R"({"kind":"recount.audit.checkpoint","v":1,"entry_id":3,"at_ms":1,"hub_key":"x"})",
                             hub_key()),
      key);
  REQUIRE_FALSE(no_hash.has_value());
  CHECK(no_hash.error().field == "head_hash");
  Checkpoint foreign = checkpoint_at(3);
  foreign.hub_key = "0123456789abcdef";
  auto wrong_name = read_checkpoint(sign_checkpoint(foreign, hub_key()), key);
  REQUIRE_FALSE(wrong_name.has_value());
  CHECK(wrong_name.error().field == "hub_key");
}

TEST_CASE("a chain with the checkpoint's hash at its entry extends it") {
  const auto comparison = compare_with_checkpoint(checkpoint_at(5), 9, std::string(64, 'c'));
  CHECK_FALSE(comparison.broken_id.has_value());
}

TEST_CASE("a chain with another hash at the checkpoint's entry was rewritten, named at that entry") {
  const auto comparison = compare_with_checkpoint(checkpoint_at(5), 9, std::string(64, 'd'));
  REQUIRE(comparison.broken_id.has_value());
  CHECK(*comparison.broken_id == 5);
  CHECK(comparison.problem.find("rewritten") != std::string::npos);
}

TEST_CASE("a chain shorter than the checkpoint was truncated, named at the first missing entry") {
  const auto comparison = compare_with_checkpoint(checkpoint_at(5), 3, std::nullopt);
  REQUIRE(comparison.broken_id.has_value());
  CHECK(*comparison.broken_id == 4);
  CHECK(comparison.problem.find("entries 4 to 5 were removed") != std::string::npos);
}

}  // namespace
}  // namespace recount::hub
