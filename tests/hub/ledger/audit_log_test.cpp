// The hash-chained audit log on a real SQLite file and a real PostgreSQL database: it verifies
// when untouched, and tampering behind its back (edit, delete, re-hash) is reported at the right
// entry, also in the events its entries record (through a ledger on either backend).
#include "hub/ledger/audit_log.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <vector>

#include "hub/ledger/event_digest.hpp"
#include "hub/ledger/schema.hpp"
#include "shared/crypto/sha256.hpp"
#include "tests/hub/ledger_fixtures.hpp"
#include "tests/hub/storage_backends.hpp"

namespace recount::hub {
namespace {

template <typename Backend>
struct AuditFixture {
  Backend backend;
  storage::Connection& database = migrated();
  AuditLog log = prepare();

  storage::Connection& migrated() {
    REQUIRE(migrate(backend.connection()).has_value());
    return backend.connection();
  }
  AuditLog prepare() {
    auto prepared = AuditLog::prepare(database);
    REQUIRE(prepared.has_value());
    return std::move(*prepared);
  }
  void append(int count) {
    for (int i = 0; i < count; ++i) {
      REQUIRE(
          log.append(testing::kFixedNowMs + i, "sync.batch", "site-1/device-1", "{\"new\":" + std::to_string(i) + "}")
              .has_value());
    }
  }
  void tamper(const std::string& sql) { testing::tamper(database, "audit_log", sql); }
  AuditVerification verify() {
    auto verification = log.verify();
    REQUIRE(verification.has_value());
    return *verification;
  }
};

TEST_CASE_TEMPLATE("an empty audit log verifies with no entries", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  AuditFixture<Backend> fixture;
  const auto verification = fixture.verify();
  CHECK_FALSE(verification.broken_id.has_value());
  CHECK(verification.entries == 0);
}

TEST_CASE_TEMPLATE("appended entries are numbered from 1 and each is chained to the one before", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  AuditFixture<Backend> fixture;
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

TEST_CASE_TEMPLATE("an untouched chain verifies and reports its head hash", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  AuditFixture<Backend> fixture;
  fixture.append(5);
  const auto verification = fixture.verify();
  CHECK_FALSE(verification.broken_id.has_value());
  CHECK(verification.entries == 5);
  CHECK(verification.head_hash == fixture.log.entries(4, 1)->at(0).hash);
}

TEST_CASE_TEMPLATE("editing an entry's detail in the file is detected at that entry", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  AuditFixture<Backend> fixture;
  fixture.append(5);
  fixture.tamper("UPDATE audit_log SET detail = '{\"new\":1000}' WHERE id = 3");
  const auto verification = fixture.verify();
  REQUIRE(verification.broken_id.has_value());
  CHECK(*verification.broken_id == 3);
  CHECK(verification.entries == 2);
  CHECK(verification.problem.find("content") != std::string::npos);
}

TEST_CASE_TEMPLATE("deleting an entry from the file is detected at the missing id", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  AuditFixture<Backend> fixture;
  fixture.append(5);
  fixture.tamper("DELETE FROM audit_log WHERE id = 2");
  const auto verification = fixture.verify();
  REQUIRE(verification.broken_id.has_value());
  CHECK(*verification.broken_id == 2);
  CHECK(verification.problem.find("missing") != std::string::npos);
}

TEST_CASE_TEMPLATE("deleting an entry and renumbering the rest is detected where the chain breaks", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  AuditFixture<Backend> fixture;
  fixture.append(5);
  fixture.tamper("DELETE FROM audit_log WHERE id = 2; UPDATE audit_log SET id = id - 1 WHERE id > 2");
  const auto verification = fixture.verify();
  REQUIRE(verification.broken_id.has_value());
  CHECK(*verification.broken_id == 2);
}

TEST_CASE_TEMPLATE("rewriting an entry together with its own hash is detected at the next entry", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  AuditFixture<Backend> fixture;
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

TEST_CASE_TEMPLATE("the audit table refuses updates and deletes through SQL", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  AuditFixture<Backend> fixture;
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

TEST_CASE_TEMPLATE("entries are listed in id order after the id given, up to the limit", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  AuditFixture<Backend> fixture;
  fixture.append(6);
  auto page = fixture.log.entries(2, 3);
  REQUIRE(page.has_value());
  REQUIRE(page->size() == 3);
  CHECK(page->at(0).id == 3);
  CHECK(page->at(2).id == 5);
  CHECK(page->at(0).detail == "{\"new\":2}");
}

// A ledger with batches applied, and tampering with its events.
template <typename Backend>
struct EventsFixture {
  testing::LedgerOn<Backend> store;

  // Four entries: device-1's seqs 1-3, device-2's 1-2, the hub's own two events, device-1's 4-5.
  EventsFixture() {
    store.apply(testing::batch_of(testing::origin_of("device-1"), 1, 3));
    store.apply(testing::batch_of(testing::origin_of("device-2"), 1, 2, 2));
    auto write = store.ledger.begin_write();
    REQUIRE(write.has_value());
    REQUIRE(write->record_hub_event("site-1", testing::count_event(0, 7), testing::kFixedNowMs).has_value());
    REQUIRE(write->record_hub_event("site-2", testing::count_event(0, 8), testing::kFixedNowMs).has_value());
    REQUIRE(write->commit().has_value());
    store.apply(testing::batch_of(testing::origin_of("device-1"), 4, 5));
  }
  void tamper(const std::string& sql) { testing::tamper(store.ledger.database(), "events", sql); }
  AuditVerification verify() {
    auto verification = store.ledger.audit().verify();
    REQUIRE(verification.has_value());
    return *verification;
  }
};

TEST_CASE_TEMPLATE("a chain whose entries record batches and the hub's own events verifies with the events untouched",
                   Backend, testing::SqliteLedger, testing::PostgresLedger) {
  EventsFixture<Backend> fixture;
  const auto verification = fixture.verify();
  CHECK_FALSE(verification.broken_id.has_value());
  CHECK(verification.entries == 4);
  CHECK(fixture.store.ledger.audit().entries(2, 1)->at(0).kind == "hub.events");
}

TEST_CASE_TEMPLATE("an event's quantity edited in the file is detected at the entry that recorded it", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  EventsFixture<Backend> fixture;
  fixture.tamper("UPDATE events SET qty = 300 WHERE device = 'device-2' AND seq = 2");
  const auto verification = fixture.verify();
  REQUIRE(verification.broken_id.has_value());
  CHECK(*verification.broken_id == 2);
  CHECK(verification.entries == 1);
  CHECK(verification.problem.find("do not match the events table") != std::string::npos);
}

TEST_CASE_TEMPLATE("an edited event the hub made itself is detected at its hub.events entry", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  EventsFixture<Backend> fixture;
  fixture.tamper("UPDATE events SET sku = 'SKU-X' WHERE device = 'hub' AND seq = 2");
  const auto verification = fixture.verify();
  REQUIRE(verification.broken_id.has_value());
  CHECK(*verification.broken_id == 3);
}

TEST_CASE_TEMPLATE("a deleted event row is detected at the entry that recorded it", Backend, testing::SqliteLedger,
                   testing::PostgresLedger) {
  EventsFixture<Backend> fixture;
  fixture.tamper("DELETE FROM events WHERE device = 'device-1' AND seq = 2");
  const auto verification = fixture.verify();
  REQUIRE(verification.broken_id.has_value());
  CHECK(*verification.broken_id == 1);
}

TEST_CASE_TEMPLATE("deleting the newest event rows is detected at the entry that recorded them", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  EventsFixture<Backend> fixture;
  fixture.tamper("DELETE FROM events WHERE device = 'device-1' AND seq >= 4");
  const auto verification = fixture.verify();
  REQUIRE(verification.broken_id.has_value());
  CHECK(*verification.broken_id == 4);
  CHECK(verification.problem.find("rows were deleted") != std::string::npos);
}

TEST_CASE_TEMPLATE("a row inserted among the events is detected at the entry whose events it displaces", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  EventsFixture<Backend> fixture;
  // A new row takes the next rowid: move the newest two behind it, as a forger keeping order would.
  const std::string columns = EventDigester::columns() + ", reconcile_hlc";
  fixture.tamper(
      "CREATE TEMP TABLE newest AS SELECT * FROM events WHERE device = 'device-1' AND seq >= 4;"
      "DELETE FROM events WHERE device = 'device-1' AND seq >= 4;"
      "INSERT INTO events (device, epoch, seq, event_id, type, site, qty, wall_ms, hlc, received_ms)"
      " VALUES ('device-9', 'e9', 1, 'forged', 'count', 'site-1', 1000, 0, 0, 0);"
      "INSERT INTO events (" +
      columns + ") SELECT " + columns + " FROM newest;");
  const auto verification = fixture.verify();
  REQUIRE(verification.broken_id.has_value());
  CHECK(*verification.broken_id == 4);
}

TEST_CASE_TEMPLATE("a row inserted after the newest events is detected as recorded by no entry", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  EventsFixture<Backend> fixture;
  fixture.tamper(
      "INSERT INTO events (device, epoch, seq, event_id, type, site, qty, wall_ms, hlc, received_ms)"
      " VALUES ('device-9', 'e9', 1, 'forged', 'count', 'site-1', 1000, 0, 0, 0)");
  const auto verification = fixture.verify();
  REQUIRE(verification.broken_id.has_value());
  CHECK(*verification.broken_id == 5);
  CHECK(verification.entries == 4);
  CHECK(verification.problem.find("forged of site-1/device-9, seq 1") != std::string::npos);
}

TEST_CASE_TEMPLATE("the events table refuses updates and deletes through SQL", Backend, testing::SqliteLedger,
                   testing::PostgresLedger) {
  EventsFixture<Backend> fixture;
  auto& database = fixture.store.ledger.database();
  CHECK_FALSE(database.execute("UPDATE events SET qty = 1").has_value());
  CHECK_FALSE(database.execute("DELETE FROM events").has_value());
  CHECK_FALSE(fixture.verify().broken_id.has_value());
}

TEST_CASE_TEMPLATE("the head is the newest entry's id and hash, or 0 and the genesis hash for an empty log", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  AuditFixture<Backend> fixture;
  CHECK(fixture.log.head()->id == 0);
  CHECK(fixture.log.head()->hash == AuditLog::genesis_hash());
  fixture.append(3);
  CHECK(fixture.log.head()->id == 3);
  CHECK(fixture.log.head()->hash == fixture.verify().head_hash);
}

TEST_CASE_TEMPLATE("audit entries filter by kind prefix, by actor whole or by name, and by a window of time", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  AuditFixture<Backend> fixture;
  // A new ledger starts with the entry of its migration (audit.events_recorded).
  const auto first = static_cast<std::int64_t>(fixture.log.entries(0, 100).value().size()) + 1;
  const auto add = [&](std::int64_t at_ms, const std::string& kind, const std::string& detail) {
    REQUIRE(fixture.log.append(at_ms, kind, "s", detail).has_value());
  };
  add(100, "sync.batch", "{}");
  add(200, "reconcile.policy", R"({"actor":"operator ops-anna"})");
  add(300, "reconcile.transition", R"({"actor":"operator ops-bo"})");
  add(400, "reconcile.transition", R"({"actor":"system"})");
  // The entries found, numbered 1 to 4 in the order added above.
  const auto ids = [&](const AuditQuery& query) {
    const auto entries = fixture.log.matching(query).value();
    std::vector<std::int64_t> found;
    found.reserve(entries.size());
    for (const auto& entry : entries) found.push_back(entry.id - first + 1);
    return found;
  };
  const auto query = [] { return AuditQuery{0, 100, "", "", 0, std::numeric_limits<std::int64_t>::max()}; };
  AuditQuery every = query();
  every.from_ms = 100;  // not the migration's entry, made at the wall clock's time
  every.to_ms = 1000;
  CHECK(ids(every) == std::vector<std::int64_t>{1, 2, 3, 4});
  AuditQuery kind = query();
  kind.kind_prefix = "reconcile.";
  CHECK(ids(kind) == std::vector<std::int64_t>{2, 3, 4});
  kind.kind_prefix = "reconcile.transition";
  kind.after_id = first + 2;
  CHECK(ids(kind) == std::vector<std::int64_t>{4});
  AuditQuery actor = query();
  actor.actor = "ops-bo";
  CHECK(ids(actor) == std::vector<std::int64_t>{3});
  actor.actor = "operator ops-anna";
  CHECK(ids(actor) == std::vector<std::int64_t>{2});
  actor.actor = "anna";  // a name is matched whole
  CHECK(ids(actor).empty());
  AuditQuery window = query();
  window.from_ms = 200;
  window.to_ms = 400;
  CHECK(ids(window) == std::vector<std::int64_t>{2, 3});
  window.limit = 1;
  CHECK(ids(window) == std::vector<std::int64_t>{2});
}

}  // namespace
}  // namespace recount::hub
