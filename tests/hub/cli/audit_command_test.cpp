// recountctl audit verify over a data directory: the chain, the events it records, and a signed
// checkpoint, with the file tampered as someone holding it could.
#include "hub/cli/audit_command.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "hub/audit/checkpoint.hpp"
#include "hub/daemon/signing_key.hpp"
#include "shared/crypto/sha256.hpp"
#include "tests/hub/ledger_fixtures.hpp"

namespace recount::hub {
namespace {

using testing::batch_of;
using testing::origin_of;

// A data directory with four batches (four entries), the hub's key, and a checkpoint of entry 3.
struct Audited {
  testing::LedgerFixture store;
  crypto::SigningKey key = load_signing_key(store.dir.path()).value();
  std::filesystem::path checkpoint = store.dir / "checkpoint.json";

  Audited() {
    for (std::uint64_t seq = 1; seq <= 3; ++seq) store.apply(batch_of(origin_of("device-1"), seq, seq));
    const auto head = store.ledger.audit().head().value();
    std::ofstream(checkpoint) << sign_checkpoint(
        Checkpoint{head.id, head.hash, testing::kFixedNowMs, key.public_key().fingerprint()}, key);
    store.apply(batch_of(origin_of("device-1"), 4, 4));
  }
  CommandOutput verify(std::optional<std::filesystem::path> hub_key = std::nullopt) {
    return audit_verify_local(HubData{store.dir.path(), ""}, AuditVerifyOptions{checkpoint, std::move(hub_key)});
  }
  void tamper(const std::string& sql) {
    auto database = storage::Database::open(store.file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal);
    REQUIRE(database.has_value());
    auto ok = database->execute(
        "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;"
        "DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;" +
        sql);
    REQUIRE_MESSAGE(ok.has_value(), (ok ? "" : ok.error().describe()));
  }
  // Rewrites entry `id`'s subject and recomputes its hash and every later one, as a forger who
  // knows the algorithm would: the chain verifies on its own.
  void rewrite(std::int64_t id, const std::string& subject) {
    auto entries = store.ledger.audit().entries(0, 100).value();
    std::string sql;
    std::string prev = AuditLog::genesis_hash();
    for (auto& entry : entries) {
      if (entry.id == id) entry.subject = subject;
      entry.prev_hash = prev;
      entry.hash = sha256_hex(entry.prev_hash + AuditLog::canonical(entry));
      prev = entry.hash;
      sql += "UPDATE audit_log SET subject = '" + entry.subject + "', prev_hash = '" + entry.prev_hash + "', hash = '" +
             entry.hash + "' WHERE id = " + std::to_string(entry.id) + ";";
    }
    tamper(sql);
  }
};

// What recountctl --data DIR [--ledger URL] names for `store`.
HubData hub_data(const testing::LedgerOn<testing::SqliteLedger>& store) { return {store.dir.path(), ""}; }
HubData hub_data(const testing::LedgerOn<testing::PostgresLedger>& store) { return {{}, store.server.url()}; }

// Removes entry 3 of the audit log past its guards, as someone holding the database could.
void delete_entry_3(testing::LedgerOn<testing::SqliteLedger>& store) {
  auto database = storage::Database::open(store.file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal);
  REQUIRE(database->execute("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 3").has_value());
}
void delete_entry_3(testing::LedgerOn<testing::PostgresLedger>& store) {
  REQUIRE(store.ledger.database()
              .execute("DROP TRIGGER audit_log_no_update ON audit_log; DELETE FROM audit_log WHERE id = 3")
              .has_value());
}

TEST_CASE_TEMPLATE("audit verification of a hub's database reports the head of an intact log", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> store;
  store.apply(batch_of(origin_of("device-1"), 1, 2));
  store.apply(batch_of(origin_of("device-1"), 3, 4));
  const auto head = store.ledger.audit().verify()->head_hash;
  const auto output = audit_verify_local(hub_data(store));
  CHECK(output.exit_code == 0);
  CHECK(output.out == "audit log intact: 2 entries, head " + head + "\n");
}

TEST_CASE_TEMPLATE("audit verification of a hub's database names the first entry that was deleted, and exits 1",
                   Backend, testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> store;
  for (std::uint64_t seq = 1; seq <= 4; ++seq) store.apply(batch_of(origin_of("device-1"), seq, seq));
  delete_entry_3(store);
  const auto output = audit_verify_local(hub_data(store));
  CHECK(output.exit_code == kExitBroken);
  CHECK(output.out ==
        "audit log broken at entry 3: entry 3 is missing (the next entry is 4) (2 entries before it verify)\n");
}

TEST_CASE("audit verification of a PostgreSQL ledger that cannot be reached says so, and exits 2") {
  const auto output = audit_verify_local(HubData{{}, testing::refused_postgres_url()});
  CHECK(output.exit_code == kExitFailed);
  CHECK(output.err.find("cannot connect to") != std::string::npos);
}

TEST_CASE("a chain that extends a checkpoint verifies, saying whose key signed it and where the key came from") {
  Audited audited;
  const auto output = audited.verify();
  CHECK(output.exit_code == 0);
  CHECK(output.out.find("checkpoint " + audited.checkpoint.string() + ": entry 3 signed at") == 0);
  CHECK(output.out.find("by key " + audited.key.public_key().fingerprint() + " (the data directory's ") !=
        std::string::npos);
  CHECK(output.out.find("the chain extends the checkpoint\naudit log intact: 4 entries") != std::string::npos);
}

TEST_CASE("a chain rewritten and rehashed is detected against the checkpoint at its entry") {
  Audited audited;
  audited.rewrite(2, "site-1/someone-else");
  CHECK(audit_verify_local(HubData{audited.store.dir.path(), ""}).exit_code == 0);  // on its own, it holds together
  const auto output = audited.verify();
  CHECK(output.exit_code == kExitBroken);
  CHECK(output.out.find("audit log broken at entry 3: its hash differs from the checkpoint signed at entry 3") !=
        std::string::npos);
}

TEST_CASE("a truncated tail is detected against the checkpoint at the first missing entry") {
  Audited audited;
  audited.tamper("DELETE FROM audit_log WHERE id >= 2; DELETE FROM events WHERE seq >= 2;");
  CHECK(audit_verify_local(HubData{audited.store.dir.path(), ""}).exit_code == 0);
  const auto output = audited.verify();
  CHECK(output.exit_code == kExitBroken);
  CHECK(output.out.find("audit log broken at entry 2: the chain ends at entry 1") != std::string::npos);
}

TEST_CASE("an event's edited quantity is named at its entry, before the checkpoint is considered") {
  Audited audited;
  audited.tamper("UPDATE events SET qty = 999 WHERE seq = 2");
  const auto output = audited.verify();
  CHECK(output.exit_code == kExitBroken);
  CHECK(output.out.find("audit log broken at entry 2: the 1 events it records do not match the events table") !=
        std::string::npos);
}

TEST_CASE("a checkpoint checked with another key fails with exit 2, naming the key and where it came from") {
  Audited audited;
  const auto other = crypto::SigningKey::generate();
  const auto public_file = audited.store.dir / "other.pub";
  std::ofstream(public_file) << other.public_key().pem();
  const auto output = audited.verify(public_file);
  CHECK(output.exit_code == kExitFailed);
  CHECK(output.err.find("does not verify with key " + other.public_key().fingerprint() + " (--hub-key " +
                        public_file.string() + ")") != std::string::npos);
}

TEST_CASE("a checkpoint checked with the hub's public key given as a file verifies") {
  Audited audited;
  const auto public_file = audited.store.dir / "hub.pub";
  std::ofstream(public_file) << audited.key.public_key().pem();
  CHECK(audited.verify(public_file).exit_code == 0);
}

}  // namespace
}  // namespace recount::hub
