// The channels' store on a real SQLite file and a real PostgreSQL database: imports found again
// by their file, aliases replacing each other and clearing the unmapped list, snapshot facts kept
// once, and claims in the order they were taken up.
#include "hub/channels/channel_store.hpp"

#include <doctest/doctest.h>

#include "tests/hub/storage_backends.hpp"

namespace recount::hub::channels {
namespace {

template <typename Backend>
struct Channels {
  Backend backend;
  ChannelStore store = open();

  ChannelStore open() {
    auto opened = ChannelStore::open(backend.connection());
    REQUIRE_MESSAGE(opened.has_value(), (opened ? "" : opened.error().message));
    return std::move(*opened);
  }
};

StoredImport an_import(const std::string& site, const std::string& sha256, std::int64_t at_ms) {
  return StoredImport{"fba", site, "snapshot", sha256, at_ms - 1'000, "ops", at_ms, 40, 30, 10};
}

TEST_CASE_TEMPLATE("an import is found again by its system, site and file, and listed newest first", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  Channels<Backend> channels;
  CHECK_FALSE(channels.store.earlier_import("fba", "s1", "aa").value().has_value());
  REQUIRE(channels.store.record_import(an_import("s1", "aa", 1'000)).has_value());
  REQUIRE(channels.store.record_import(an_import("s2", "bb", 2'000)).has_value());
  REQUIRE(channels.store.record_import(an_import("s1", "aa", 3'000)).has_value());

  const auto earlier = channels.store.earlier_import("fba", "s1", "aa").value();
  REQUIRE(earlier.has_value());
  CHECK(earlier->at_ms == 1'000);  // the first of the same file
  CHECK(earlier->rows == 40);
  CHECK(earlier->stored == 30);
  CHECK(earlier->unchanged == 10);
  CHECK_FALSE(channels.store.earlier_import("fba", "s2", "aa").value().has_value());
  CHECK_FALSE(channels.store.earlier_import("shopify", "s1", "aa").value().has_value());

  const auto all = channels.store.imports("", 10).value();
  REQUIRE(all.size() == 3);
  CHECK(all[0].at_ms == 3'000);
  CHECK(all[2].at_ms == 1'000);
  const auto of_s1 = channels.store.imports("s1", 1).value();
  REQUIRE(of_s1.size() == 1);
  CHECK(of_s1[0].at_ms == 3'000);
}

TEST_CASE_TEMPLATE("mapping a SKU replaces the earlier mapping and clears it from every site's unmapped list", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  Channels<Backend> channels;
  const UnmappedSku first{"shopify", "s1", "MUG-B", "Mug / Blue", 4, 100};
  const UnmappedSku other_site{"shopify", "s2", "MUG-B", "Mug / Blue", 6, 200};
  const UnmappedSku kept{"pos", "s1", "MUG-B", "4006381333931", 1, 300};
  REQUIRE(channels.store.note_unmapped(first).has_value());
  REQUIRE(channels.store.note_unmapped(other_site).has_value());
  REQUIRE(channels.store.note_unmapped(kept).has_value());
  UnmappedSku seen_again = first;
  seen_again.quantity = 9;
  seen_again.last_seen_ms = 400;
  REQUIRE(channels.store.note_unmapped(seen_again).has_value());
  CHECK(channels.store.unmapped("s1").value() == std::vector<UnmappedSku>{kept, seen_again});
  CHECK(channels.store.unmapped("").value().size() == 3);

  CHECK_FALSE(channels.store.alias("shopify", "MUG-B").value().has_value());
  REQUIRE(channels.store.map_sku("shopify", "MUG-B", "MUG-BLUE", "ops", 500).has_value());
  REQUIRE(channels.store.map_sku("shopify", "MUG-B", "MUG-NAVY", "ops", 600).has_value());
  CHECK(channels.store.alias("shopify", "MUG-B").value() == "MUG-NAVY");
  CHECK_FALSE(channels.store.alias("pos", "MUG-B").value().has_value());
  CHECK(channels.store.unmapped("").value() == std::vector<UnmappedSku>{kept});
}

TEST_CASE_TEMPLATE("a snapshot's facts are kept once, as first recorded", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  Channels<Backend> channels;
  CHECK_FALSE(channels.store.facts("e-1").value().has_value());
  REQUIRE(channels.store.record_facts({"e-1", "MUG-B", "Main St", "gid://1", R"({"reserved":2})"}).has_value());
  REQUIRE(channels.store.record_facts({"e-1", "OTHER", "Elsewhere", "gid://2", "{}"}).has_value());
  const auto facts = channels.store.facts("e-1").value();
  REQUIRE(facts.has_value());
  CHECK(facts->system_sku == "MUG-B");
  CHECK(facts->system_location == "Main St");
  CHECK(facts->details == R"({"reserved":2})");
}

TEST_CASE_TEMPLATE("a discrepancy's claims read back oldest first, and a state outside the three is refused", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  Channels<Backend> channels;
  const Claim filed{7, "CASE-1", ClaimState::kFiled, "lost inbound", "ops", 1'000};
  const Claim reimbursed{7, "CASE-1", ClaimState::kReimbursed, "paid", "ops", 2'000};
  REQUIRE(channels.store.record_claim(filed).has_value());
  REQUIRE(channels.store.record_claim({8, "CASE-2", ClaimState::kDenied, "", "ops", 1'500}).has_value());
  REQUIRE(channels.store.record_claim(reimbursed).has_value());
  CHECK(channels.store.claims(7).value() == std::vector<Claim>{filed, reimbursed});
  CHECK(channels.store.claims(9).value().empty());

  auto forged = channels.backend.connection().prepare(
      "INSERT INTO channel_claims (discrepancy_id, case_id, state, note, actor, at_ms)"
      " VALUES (7, 'CASE-1', 'paid', '', 'x', 3000)");
  REQUIRE(forged.has_value());
  CHECK(forged->run().error().code == ErrorCode::kConflict);  // the table's CHECK, on both engines
}

}  // namespace
}  // namespace recount::hub::channels
