// The hash-chained audit log: it verifies when untouched, and tampering with the SQLite file
// behind its back (edit, delete, re-hash) is reported at the right entry.
#include "hub/ledger/audit_log.hpp"

#include <doctest/doctest.h>

#include "hub/ledger/schema.hpp"
#include "shared/crypto/sha256.hpp"
#include "tests/hub/ledger_fixtures.hpp"

namespace recount::hub {
namespace {

struct AuditFixture {
  testing::TempDir dir;
  std::filesystem::path file = dir / "hub.db";
  storage::Database database = open_database();
  AuditLog log = prepare();

  storage::Database open_database() {
    auto opened = storage::Database::open(file, storage::OpenMode::kCreateIfMissing, storage::Durability::kNormal);
    REQUIRE(opened.has_value());
    REQUIRE(migrate(*opened).has_value());
    return std::move(*opened);
  }
  AuditLog prepare() {
    auto prepared = AuditLog::prepare(database);
    REQUIRE(prepared.has_value());
    return std::move(*prepared);
  }
  void append(int count) {
    for (int i = 0; i < count; ++i) {
      REQUIRE(log.append(testing::kFixedNowMs + i, "sync.batch", "site-1/device-1",
                         "{\"new\":" + std::to_string(i) + "}")
                  .has_value());
    }
  }
  // What someone with write access to the file could do: a second connection that drops the
  // append-only triggers first.
  void tamper(const std::string& sql) {
    auto other = storage::Database::open(file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal);
    REQUIRE(other.has_value());
    REQUIRE(other->execute("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;").has_value());
    auto ok = other->execute(sql);
    REQUIRE_MESSAGE(ok.has_value(), (ok ? "" : ok.error().describe()));
  }
  AuditVerification verify() {
    auto verification = log.verify();
    REQUIRE(verification.has_value());
    return *verification;
  }
};

TEST_CASE("an empty audit log verifies with no entries") {
  AuditFixture fixture;
  const auto verification = fixture.verify();
  CHECK_FALSE(verification.broken_id.has_value());
  CHECK(verification.entries == 0);
}

TEST_CASE("appended entries are numbered from 1 and each is chained to the one before") {
  AuditFixture fixture;
  auto first = fixture.log.append(1, "k", "s", "{}");
  auto second = fixture.log.append(2, "k", "s", "{}");
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(first->id == 1);
  CHECK(first->prev_hash == AuditLog::genesis_hash());
  CHECK(first->hash == sha256_hex(first->prev_hash + AuditLog::canonical(*first)));
  CHECK(second->id == 2);
  CHECK(second->prev_hash == first->hash);
}

TEST_CASE("an untouched chain verifies and reports its head hash") {
  AuditFixture fixture;
  fixture.append(5);
  const auto verification = fixture.verify();
  CHECK_FALSE(verification.broken_id.has_value());
  CHECK(verification.entries == 5);
  CHECK(verification.head_hash == fixture.log.entries(4, 1)->at(0).hash);
}

TEST_CASE("editing an entry's detail in the file is detected at that entry") {
  AuditFixture fixture;
  fixture.append(5);
  fixture.tamper("UPDATE audit_log SET detail = '{\"new\":1000}' WHERE id = 3");
  const auto verification = fixture.verify();
  REQUIRE(verification.broken_id.has_value());
  CHECK(*verification.broken_id == 3);
  CHECK(verification.entries == 2);
  CHECK(verification.problem.find("content") != std::string::npos);
}

TEST_CASE("deleting an entry from the file is detected at the missing id") {
  AuditFixture fixture;
  fixture.append(5);
  fixture.tamper("DELETE FROM audit_log WHERE id = 2");
  const auto verification = fixture.verify();
  REQUIRE(verification.broken_id.has_value());
  CHECK(*verification.broken_id == 2);
  CHECK(verification.problem.find("missing") != std::string::npos);
}

TEST_CASE("deleting an entry and renumbering the rest is detected where the chain breaks") {
  AuditFixture fixture;
  fixture.append(5);
  fixture.tamper("DELETE FROM audit_log WHERE id = 2; UPDATE audit_log SET id = id - 1 WHERE id > 2");
  const auto verification = fixture.verify();
  REQUIRE(verification.broken_id.has_value());
  CHECK(*verification.broken_id == 2);
}

TEST_CASE("rewriting an entry together with its own hash is detected at the next entry") {
  AuditFixture fixture;
  fixture.append(4);
  auto entry = fixture.log.entries(2, 1)->at(0);
  entry.detail = "{\"new\":1000}";
  const std::string forged = sha256_hex(entry.prev_hash + AuditLog::canonical(entry));
  fixture.tamper("UPDATE audit_log SET detail = '{\"new\":1000}', hash = '" + forged + "' WHERE id = 3");
  const auto verification = fixture.verify();
  REQUIRE(verification.broken_id.has_value());
  CHECK(*verification.broken_id == 4);
  CHECK(verification.problem.find("prev_hash") != std::string::npos);
}

TEST_CASE("the audit table refuses updates and deletes through SQL") {
  AuditFixture fixture;
  fixture.append(2);
  CHECK_FALSE(fixture.database.execute("UPDATE audit_log SET kind = 'x' WHERE id = 1").has_value());
  CHECK_FALSE(fixture.database.execute("DELETE FROM audit_log WHERE id = 2").has_value());
  CHECK(fixture.verify().entries == 2);
}

TEST_CASE("the canonical form tells apart entries whose fields only shift text between them") {
  const AuditEntry a{1, 5, "ab", "c", "{}", "", ""};
  const AuditEntry b{1, 5, "a", "bc", "{}", "", ""};
  CHECK(AuditLog::canonical(a) != AuditLog::canonical(b));
}

TEST_CASE("entries are listed in id order after the id given, up to the limit") {
  AuditFixture fixture;
  fixture.append(6);
  auto page = fixture.log.entries(2, 3);
  REQUIRE(page.has_value());
  REQUIRE(page->size() == 3);
  CHECK(page->at(0).id == 3);
  CHECK(page->at(2).id == 5);
  CHECK(page->at(0).detail == "{\"new\":2}");
}

}  // namespace
}  // namespace recount::hub
