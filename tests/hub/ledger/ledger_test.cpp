// The ledger's audited write transactions, and how it opens (and refuses) database files.
#include "hub/ledger/ledger.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "shared/core/random_id.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/storage/clean_close.hpp"
#include "tests/hub/ledger_fixtures.hpp"
#include "tests/hub/storage_backends.hpp"
#include "tests/support/damage.hpp"

namespace recount::hub {
namespace {

using testing::batch_of;
using testing::kFixedNowMs;
using testing::LedgerFixture;
using testing::origin_of;

nlohmann::json last_audit_detail(Ledger& ledger, std::string* kind = nullptr) {
  auto verification = ledger.audit().verify();
  REQUIRE(verification.has_value());
  auto entries = ledger.audit().entries(static_cast<std::int64_t>(verification->entries) - 1, 1);
  REQUIRE(entries.has_value());
  REQUIRE(entries->size() == 1);
  if (kind != nullptr) *kind = entries->at(0).kind;
  return nlohmann::json::parse(entries->at(0).detail);
}

DeadLetter rejected_event(const IncomingBatch& batch, std::uint64_t seq) {
  return DeadLetter{0,           batch.received_ms,
                    batch.topic, batch.origin,
                    seq,         testing::event_id_for(1, seq),
                    "qty",       "must be between 0 and 1000000000",
                    "{}",        2};
}

TEST_CASE_TEMPLATE("a batch is stored, acked through its last seq and audited in one entry with counts", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  const auto batch = batch_of(origin_of("device-1"), 1, 50);
  const auto outcome = fixture.apply(batch);
  CHECK(outcome.stored == 50);
  CHECK(outcome.duplicates == 0);
  CHECK(outcome.rejected.empty());
  CHECK(outcome.cursor.acked_through == 50);

  std::string kind;
  const nlohmann::json detail = last_audit_detail(fixture.ledger, &kind);
  CHECK(kind == "sync.batch");
  CHECK(detail["new"] == 50);
  CHECK(detail["duplicates"] == 0);
  CHECK(detail["acked_through"] == 50);
  CHECK(detail["first_seq"] == 1);
  CHECK(detail["last_seq"] == 50);
  CHECK(detail["events"]["count"] == 50);
  CHECK(detail["events"]["sha256"].get<std::string>().size() == 64);
  CHECK(fixture.ledger.audit().verify()->entries == 1);
}

TEST_CASE_TEMPLATE("the same batch applied twice is stored once and counted as duplicates the second time", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  const auto batch = batch_of(origin_of("device-1"), 1, 20);
  fixture.apply(batch);
  const auto again = fixture.apply(batch);
  CHECK(again.stored == 0);
  CHECK(again.duplicates == 20);
  CHECK(again.cursor.acked_through == 20);
  CHECK(again.cursor.events == 20);
  CHECK(fixture.ledger.events().events({"device-1", batch.origin.epoch, 0, 100})->size() == 20);
  CHECK(last_audit_detail(fixture.ledger)["duplicates"] == 20);
}

TEST_CASE_TEMPLATE(
    "a different event at a stored seq is a conflict: kept with both versions, nacked, never a duplicate", Backend,
    testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  const auto origin = origin_of("device-1");
  fixture.apply(batch_of(origin, 1, 3));
  auto forged = batch_of(origin, 1, 3);
  forged.received_ms = kFixedNowMs + 1000;
  forged.events[1].qty = 300;                               // same event_id, another quantity
  forged.events[2].event_id = testing::event_id_for(7, 3);  // another event altogether
  const auto outcome = fixture.apply(forged);
  CHECK(outcome.stored == 0);
  CHECK(outcome.duplicates == 1);
  CHECK(outcome.conflicts == 2);
  REQUIRE(outcome.rejected.size() == 2);
  CHECK(outcome.rejected[0].seq == 2);
  CHECK(outcome.rejected[0].event_id == forged.events[1].event_id);
  CHECK(outcome.rejected[0].reason.find("different event is already stored") != std::string::npos);
  CHECK(outcome.rejected[1].seq == 3);
  CHECK(outcome.cursor.acked_through == 3);
  CHECK(last_audit_detail(fixture.ledger)["conflicts"] == 2);

  // The stored events are untouched; both versions are in the conflict.
  CHECK(fixture.ledger.events().at(origin, 2).value()->event == testing::count_event(2));
  const auto conflicts = fixture.ledger.events().conflicts({"", 0, 10}).value();
  REQUIRE(conflicts.size() == 2);
  CHECK(conflicts[0].stored_event == protocol::encode_event(testing::count_event(2)));
  CHECK(conflicts[0].event == protocol::encode_event(forged.events[1]));
  CHECK(conflicts[0].stored_received_ms == kFixedNowMs);
  CHECK(conflicts[0].received_ms == kFixedNowMs + 1000);

  // The same forged batch again is not a new conflict, but still nacked.
  const auto again = fixture.apply(forged);
  CHECK(again.conflicts == 2);
  CHECK(fixture.ledger.events().conflicts({"", 0, 10}).value().size() == 2);
  CHECK(fixture.ledger.events().unreviewed_conflicts().value() == 2);
}

TEST_CASE_TEMPLATE("events stamped far from their arrival are flagged, stored as sent and reconciled at their arrival",
                   Backend, testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  const auto origin = origin_of("device-1");
  auto batch = batch_of(origin, 1, 4);
  batch.clock = ClockBounds{3'600'000, 86'400'000};
  const auto year_ahead = HlcStamp::from_parts(kFixedNowMs + 365LL * 86'400'000, 0);
  const auto two_days_behind = HlcStamp::from_parts(kFixedNowMs - std::int64_t{2} * 86'400'000, 0);
  const auto within = HlcStamp::from_parts(kFixedNowMs + 3'000'000, 0);
  batch.events[0].hlc = year_ahead;
  batch.events[1].hlc = two_days_behind;
  batch.events[2].hlc = within;
  const auto outcome = fixture.apply(batch);
  CHECK(outcome.stored == 4);
  CHECK(outcome.clock_flagged == 2);
  CHECK(last_audit_detail(fixture.ledger)["clock_flagged"] == 2);
  CHECK(fixture.ledger.events().devices().value().at(0).clock_flagged == 2);

  const auto as_sent = fixture.ledger.events().events({"device-1", origin.epoch, 0, 10}).value();
  CHECK(as_sent[0].event.hlc == year_ahead);
  CHECK(as_sent[1].event.hlc == two_days_behind);
  const auto reconciled = fixture.ledger.events().stored_after(0, 10).value();
  // At their arrival, in their batch's order.
  CHECK(reconciled[0].event.hlc == HlcStamp::from_parts(kFixedNowMs, 0));
  CHECK(reconciled[1].event.hlc == HlcStamp::from_parts(kFixedNowMs, 1));
  CHECK(reconciled[2].event.hlc == within);
  CHECK(reconciled[3].event.hlc == batch.events[3].hlc);
}

TEST_CASE_TEMPLATE("a batch reports which of its events were stored as new, by their index in the batch", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  fixture.apply(batch_of(origin_of("device-1"), 3, 4));
  const auto outcome = fixture.apply(batch_of(origin_of("device-1"), 1, 6));
  CHECK(outcome.new_events == std::vector<std::size_t>{0, 1, 4, 5});
}

TEST_CASE_TEMPLATE(
    "a batch of several statements mixing new, duplicate, conflicting and event_id-reusing events is told apart as "
    "one event at a time would",
    Backend, testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  const auto origin = origin_of("device-1");
  fixture.apply(batch_of(origin, 1, 120));
  // Seqs 101..260: 101..120 stored already, the rest new, in two statements (100 and 60 rows).
  auto batch = batch_of(origin, 101, 260);
  batch.received_ms = kFixedNowMs + 1000;
  batch.events[4].qty = 300;                                // seq 105: a conflict
  batch.events[29].event_id = testing::event_id_for(1, 5);  // seq 130 reuses a stored id
  batch.events[109].event_id = batch.events[49].event_id;   // seq 210 reuses seq 150's
  const auto outcome = fixture.apply(batch);
  CHECK(outcome.stored == 138);
  CHECK(outcome.duplicates == 19);
  CHECK(outcome.conflicts == 1);
  REQUIRE(outcome.rejected.size() == 3);
  CHECK(outcome.rejected[0].seq == 105);
  CHECK(outcome.rejected[0].reason.find("different event is already stored") != std::string::npos);
  CHECK(outcome.rejected[1].seq == 130);
  CHECK(outcome.rejected[1].field == "event_id");
  CHECK(outcome.rejected[2].seq == 210);
  CHECK(outcome.rejected[2].field == "event_id");
  CHECK(outcome.cursor.acked_through == 260);
  CHECK(outcome.cursor.events == 120 + 138);
  REQUIRE(outcome.new_events.size() == 138);
  CHECK(outcome.new_events.front() == 20);
  CHECK(std::find(outcome.new_events.begin(), outcome.new_events.end(), 29) == outcome.new_events.end());
  CHECK(std::find(outcome.new_events.begin(), outcome.new_events.end(), 49) != outcome.new_events.end());
  CHECK(std::find(outcome.new_events.begin(), outcome.new_events.end(), 109) == outcome.new_events.end());
  CHECK(outcome.new_events.back() == 159);

  const nlohmann::json detail = last_audit_detail(fixture.ledger);
  CHECK(detail["new"] == 138);
  CHECK(detail["duplicates"] == 19);
  CHECK(detail["conflicts"] == 1);
  CHECK(detail["events"]["count"] == 138);
  REQUIRE(detail["rejected"].size() == 2);
  CHECK(detail["rejected"][0]["seq"] == 130);
  CHECK(detail["rejected"][1]["seq"] == 210);
  const auto letters = fixture.ledger.events().dead_letters({"", 0, 10}).value();
  REQUIRE(letters.size() == 2);
  CHECK(letters[0].payload == protocol::encode_event(batch.events[29]));
  CHECK(fixture.ledger.events().conflicts({"", 0, 10}).value().size() == 1);
  const auto verification = fixture.ledger.audit().verify().value();
  CHECK(verification.problem.empty());
  CHECK(verification.entries == 2);

  // Sent again: nothing new, the same duplicates, the conflict not kept twice, the letters nacked.
  const auto again = fixture.apply(batch);
  CHECK(again.stored == 0);
  CHECK(again.duplicates == 19 + 138);
  CHECK(again.conflicts == 1);
  CHECK(again.rejected.size() == 3);
  CHECK(fixture.ledger.events().conflicts({"", 0, 10}).value().size() == 1);
  CHECK(fixture.ledger.events().dead_letters({"", 0, 10}).value().size() == 2);
}

TEST_CASE_TEMPLATE("the hub's own events are numbered in one sequence of one epoch that survives reopening the ledger",
                   Backend, testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  const std::string epoch = fixture.ledger.hub_epoch();
  CHECK(is_epoch(epoch));
  {
    auto write = fixture.ledger.begin_write();
    REQUIRE(write.has_value());
    CHECK(write->record_hub_event("site-1", testing::count_event(0, 7), kFixedNowMs)->seq == 1);
    CHECK(write->record_hub_event("site-1", testing::count_event(0, 8), kFixedNowMs)->seq == 2);
    CHECK(write->record_hub_event("site-2", testing::count_event(0, 9), kFixedNowMs)->seq == 3);
    REQUIRE(write->commit().has_value());
  }
  fixture.ledger = fixture.open();
  CHECK(fixture.ledger.hub_epoch() == epoch);
  auto stored = fixture.ledger.events().events({std::string(Ledger::kHubDevice), epoch, 0, 100});
  REQUIRE(stored.has_value());
  CHECK(stored->size() == 3);
}

TEST_CASE_TEMPLATE(
    "the hub's own events are audited in one hub.events entry before the next entry of their transaction", Backend,
    testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  {
    auto write = fixture.ledger.begin_write();
    REQUIRE(write.has_value());
    REQUIRE(write->record_hub_event("site-1", testing::count_event(0, 7), kFixedNowMs).has_value());
    REQUIRE(write->record_hub_event("site-1", testing::count_event(0, 8), kFixedNowMs).has_value());
    REQUIRE(write->audit("baseline.import", "baseline", "{}").has_value());
    REQUIRE(write->record_hub_event("site-1", testing::count_event(0, 9), kFixedNowMs).has_value());
    REQUIRE(write->commit().has_value());
  }
  auto entries = fixture.ledger.audit().entries(0, 10);
  REQUIRE(entries.has_value());
  REQUIRE(entries->size() == 3);
  CHECK(entries->at(0).kind == "hub.events");
  const auto first = nlohmann::json::parse(entries->at(0).detail);
  CHECK(first["first_seq"] == 1);
  CHECK(first["last_seq"] == 2);
  CHECK(first["events"]["count"] == 2);
  CHECK(entries->at(1).kind == "baseline.import");
  CHECK(entries->at(2).kind == "hub.events");  // made by commit()
  CHECK_FALSE(fixture.ledger.audit().verify()->broken_id.has_value());
}

TEST_CASE("a ledger from before events were recorded gets one entry recording them all when it is opened") {
  LedgerFixture fixture;
  fixture.apply(batch_of(origin_of("device-1"), 1, 3));
  // As an older hub left it (schema 4, in PRAGMA user_version, before schema_versions): no triggers
  // on events nor what later migrations add,
  // entries without an events member, and an event (an adjustment) that no entry recorded.
  {
    auto older = storage::Database::open(fixture.file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal);
    REQUIRE(older.has_value());
    REQUIRE(
        older
            ->execute("DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; DROP TRIGGER "
                      "audit_log_no_delete; DELETE FROM audit_log; DROP TABLE conflicts; DROP TABLE dead_letter_quota;"
                      " ALTER TABLE events DROP COLUMN reconcile_hlc; ALTER TABLE devices DROP COLUMN clock_flagged;"
                      " DROP TABLE schema_versions; PRAGMA user_version = 4")
            .has_value());
    auto log = AuditLog::prepare(*older);
    REQUIRE(log->append(kFixedNowMs, "sync.batch", "site-1/device-1", R"({"new":3})").has_value());
    REQUIRE(older
                ->execute("INSERT INTO events (device, epoch, seq, event_id, type, site, qty, wall_ms, hlc,"
                          " received_ms) VALUES ('hub', 'e0', 1, 'adjustment-1', 'adjust', 'site-1', 2, 0, 0, 0)")
                .has_value());
  }
  fixture.ledger = fixture.open();
  std::string kind;
  const nlohmann::json detail = last_audit_detail(fixture.ledger, &kind);
  CHECK(kind == "audit.events_recorded");
  CHECK(detail["events"]["count"] == 4);
  fixture.apply(batch_of(origin_of("device-1"), 4, 5));
  fixture.ledger = fixture.open();  // once only
  const auto verification = fixture.ledger.audit().verify();
  CHECK_FALSE(verification->broken_id.has_value());
  CHECK(verification->entries == 3);
  CHECK_FALSE(fixture.ledger.database().execute("DELETE FROM events").has_value());
}

TEST_CASE_TEMPLATE("a batch after a gap is stored but the ack waits until the gap is filled", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  const auto origin = origin_of("device-1");
  CHECK(fixture.apply(batch_of(origin, 1, 10)).cursor.acked_through == 10);
  const auto ahead = fixture.apply(batch_of(origin, 21, 30));
  CHECK(ahead.stored == 10);
  CHECK(ahead.cursor.acked_through == 10);
  CHECK(fixture.apply(batch_of(origin, 11, 20)).cursor.acked_through == 30);
}

TEST_CASE_TEMPLATE(
    "a rejected event is dead-lettered and nacked while the good ones are stored, and the ack covers all", Backend,
    testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  auto batch = batch_of(origin_of("device-1"), 1, 5);
  batch.events.erase(batch.events.begin() + 2);  // seq 3 failed validation
  batch.rejected.push_back(rejected_event(batch, 3));
  const auto outcome = fixture.apply(batch);
  CHECK(outcome.stored == 4);
  CHECK(outcome.cursor.acked_through == 5);
  REQUIRE(outcome.rejected.size() == 1);
  CHECK(outcome.rejected[0].seq == 3);
  CHECK(outcome.rejected[0].field == "qty");

  auto letters = fixture.ledger.events().dead_letters({"", 0, 10});
  REQUIRE(letters->size() == 1);
  CHECK(letters->at(0).seq == 3u);
  const nlohmann::json detail = last_audit_detail(fixture.ledger);
  REQUIRE(detail["rejected"].size() == 1);
  CHECK(detail["rejected"][0]["seq"] == 3);
}

TEST_CASE_TEMPLATE("an event reusing another event's id is dead-lettered with its JSON, and the rest is stored",
                   Backend, testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  const auto origin = origin_of("device-1");
  fixture.apply(batch_of(origin, 1, 2));
  auto batch = batch_of(origin, 3, 4);
  batch.events[0].event_id = testing::event_id_for(1, 1);
  const auto outcome = fixture.apply(batch);
  CHECK(outcome.stored == 1);
  REQUIRE(outcome.rejected.size() == 1);
  CHECK(outcome.rejected[0].seq == 3);
  CHECK(outcome.rejected[0].field == "event_id");
  CHECK(outcome.cursor.acked_through == 4);
  auto letters = fixture.ledger.events().dead_letters({"", 0, 10});
  REQUIRE(letters->size() == 1);
  CHECK(letters->at(0).payload.find(testing::event_id_for(1, 1)) != std::string::npos);
}

TEST_CASE_TEMPLATE("a write that is never committed leaves neither events nor audit entries", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  {
    auto write = fixture.ledger.begin_write();
    REQUIRE(write.has_value());
    REQUIRE(write->apply(batch_of(origin_of("device-1"), 1, 5)).has_value());
  }
  CHECK(fixture.ledger.events().devices()->empty());
  CHECK(fixture.ledger.audit().verify()->entries == 0);
}

TEST_CASE("a batch whose PostgreSQL transaction the server's crash cuts midway leaves nothing, and is stored once") {
  testing::LedgerOn<testing::PostgresLedger> fixture;
  const auto origin = origin_of("device-1");
  fixture.apply(batch_of(origin, 1, 5));
  {
    auto write = fixture.ledger.begin_write();
    REQUIRE(write.has_value());
    REQUIRE(write->apply(batch_of(origin, 6, 10)).has_value());  // in the open transaction
    fixture.server.stop_immediately();
    auto cut = write->apply(batch_of(origin, 11, 15));
    REQUIRE_FALSE(cut.has_value());
    CHECK(cut.error().code == ErrorCode::kIo);
    INFO(cut.error().message);
    CHECK(cut.error().message.find("connection") != std::string::npos);
    auto committed = write->commit();
    REQUIRE_FALSE(committed.has_value());
    CHECK(committed.error().code == ErrorCode::kIo);
  }
  fixture.server.start();
  // The ledger connects again by itself: nothing of the cut transaction is there.
  auto devices = fixture.ledger.events().devices();
  REQUIRE_MESSAGE(devices.has_value(), (devices ? "" : devices.error().describe()));
  REQUIRE(devices->size() == 1);
  CHECK(devices->at(0).epochs.at(0).cursor.acked_through == 5);
  CHECK(fixture.ledger.events().events({"device-1", origin.epoch, 0, 100})->size() == 5);
  CHECK(fixture.ledger.audit().head()->id == 1);
  // The device resends from 6 on: stored once, and a duplicate the second time.
  const auto resent = fixture.apply(batch_of(origin, 6, 15));
  CHECK(resent.stored == 10);
  CHECK(resent.cursor.acked_through == 15);
  CHECK(fixture.apply(batch_of(origin, 6, 15)).duplicates == 10);
  CHECK(fixture.ledger.events().events({"device-1", origin.epoch, 0, 100})->size() == 15);
  const auto verification = fixture.ledger.audit().verify();
  REQUIRE(verification.has_value());
  CHECK_FALSE(verification->broken_id.has_value());
  CHECK(verification->entries == 3);
}

TEST_CASE_TEMPLATE("a ledger whose entries and events span many pages verifies, and an edit on the last page shows",
                   Backend, testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  const auto origin = origin_of("device-1");
  // More than one page of each (AuditLog::verify reads 1,000 at a time): 2,410 events, 1,104 entries.
  for (std::uint64_t first = 1; first <= 2400; first += 800) fixture.apply(batch_of(origin, first, first + 799));
  {
    auto write = fixture.ledger.begin_write();
    REQUIRE(write.has_value());
    for (int note = 0; note < 1100; ++note) REQUIRE(write->audit("test.note", "test", "{}").has_value());
    REQUIRE(write->commit().has_value());
  }
  fixture.apply(batch_of(origin, 2401, 2410));
  auto verification = fixture.ledger.audit().verify();
  REQUIRE(verification.has_value());
  CHECK_FALSE(verification->broken_id.has_value());
  CHECK(verification->entries == 1104);

  testing::tamper(fixture.ledger.database(), "events", "UPDATE events SET qty = 99 WHERE seq = 2405");
  verification = fixture.ledger.audit().verify();
  REQUIRE(verification.has_value());
  REQUIRE(verification->broken_id.has_value());
  CHECK(*verification->broken_id == 1104);
  CHECK(verification->entries == 1103);
}

TEST_CASE_TEMPLATE("committed batches survive closing and reopening the ledger", Backend, testing::SqliteLedger,
                   testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  fixture.apply(batch_of(origin_of("device-1"), 1, 7));
  fixture.ledger = fixture.open();
  auto devices = fixture.ledger.events().devices();
  REQUIRE(devices->size() == 1);
  CHECK(devices->at(0).epochs.at(0).cursor.acked_through == 7);
  CHECK(fixture.ledger.audit().verify()->entries == 1);
}

TEST_CASE("the ledger keeps statement journals in memory and a 32 MiB page cache for ingest's transactions") {
  LedgerFixture fixture;
  auto read_pragma = [&](const char* sql) {
    auto pragma = fixture.ledger.database().prepare(sql);
    REQUIRE(pragma.has_value());
    REQUIRE(pragma->step().value());
    return pragma->column_int(0);
  };
  CHECK(read_pragma("PRAGMA temp_store") == 2);  // MEMORY
  CHECK(read_pragma("PRAGMA cache_size") == -16384);
}

TEST_CASE_TEMPLATE("a payload refused as a whole is dead-lettered and audited without moving any cursor", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  const auto origin = origin_of("device-1", "");
  const DeadLetter letter{
      0, kFixedNowMs, "recount/v1/site-1/device-1/events", origin, std::nullopt, "", "", "not JSON", "garbage", 7};
  auto write = fixture.ledger.begin_write();
  REQUIRE(write->reject(letter).has_value());
  REQUIRE(write->commit().has_value());

  std::string kind;
  const nlohmann::json detail = last_audit_detail(fixture.ledger, &kind);
  CHECK(kind == "sync.payload_rejected");
  CHECK(detail["reason"] == "not JSON");
  CHECK(detail["bytes"] == 7);
  auto devices = fixture.ledger.events().devices();
  REQUIRE(devices->size() == 1);
  CHECK(devices->at(0).dead_letters == 1);
  CHECK(devices->at(0).epochs.empty());
}

TEST_CASE_TEMPLATE("a hello is answered with the stored cursor, and with zero for an unknown epoch", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  fixture.apply(batch_of(origin_of("device-1"), 1, 12));
  protocol::Hello hello{"site-1", "device-1", "00000000000000e1", 15, 9, kFixedNowMs, {0}, "test"};
  auto write = fixture.ledger.begin_write();
  CHECK(write->hello("recount/v1/site-1/device-1/hello", hello, kFixedNowMs)->acked_through == 12);
  hello.epoch = "00000000000000e9";
  CHECK(write->hello("recount/v1/site-1/device-1/hello", hello, kFixedNowMs)->acked_through == 0);
  REQUIRE(write->commit().has_value());

  std::string kind;
  const nlohmann::json detail = last_audit_detail(fixture.ledger, &kind);
  CHECK(kind == "sync.hello");
  CHECK(detail["agent_acked_through"] == 9);
  CHECK(fixture.ledger.events().devices()->at(0).epochs.size() == 2);
}

TEST_CASE_TEMPLATE(
    "a hello whose journal pruned seqs the restored hub lacks moves the cursor past them and dead-letters the range",
    Backend, testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  fixture.apply(batch_of(origin_of("device-1"), 1, 12));
  protocol::Hello hello{"site-1", "device-1", "00000000000000e1", 40, 30, kFixedNowMs, {0}, "test"};
  hello.pruned_through = 20;
  {
    auto write = fixture.ledger.begin_write();
    CHECK(write->hello("recount/v1/site-1/device-1/hello", hello, kFixedNowMs)->acked_through == 20);
    // A second hello loses nothing more and letters nothing twice.
    CHECK(write->hello("recount/v1/site-1/device-1/hello", hello, kFixedNowMs)->acked_through == 20);
    REQUIRE(write->commit().has_value());
  }
  auto letters = fixture.ledger.events().dead_letters(DeadLetterQuery{});
  REQUIRE(letters.has_value());
  REQUIRE(letters->size() == 1);
  CHECK(letters->at(0).field == "pruned_through");
  CHECK(letters->at(0).reason.find("seqs 13 to 20 are not in the ledger") != std::string::npos);
  // The device's resend from 21 on is acked again.
  CHECK(fixture.apply(batch_of(origin_of("device-1"), 21, 25)).cursor.acked_through == 25);
}

void record_status(Ledger& ledger, std::int64_t received_ms, LedgerWrite::Freshness freshness) {
  const protocol::Status status{"device-1", protocol::DeviceState::kOnline, 3, 1, 20, kFixedNowMs};
  auto write = ledger.begin_write();
  REQUIRE(write->status("site-1", status, received_ms, freshness).has_value());
  REQUIRE(write->commit().has_value());
}

TEST_CASE_TEMPLATE("a retained status is kept without counting as contact, a live one counts", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  fixture.apply(batch_of(origin_of("device-1"), 1, 1));
  record_status(fixture.ledger, kFixedNowMs + 100, LedgerWrite::Freshness::kRetained);
  auto device = fixture.ledger.events().devices()->at(0);
  CHECK(device.last_seen_ms == kFixedNowMs);
  REQUIRE(device.status.has_value());
  CHECK(device.status->status.backlog == 3);

  record_status(fixture.ledger, kFixedNowMs + 200, LedgerWrite::Freshness::kLive);
  CHECK(fixture.ledger.events().devices()->at(0).last_seen_ms == kFixedNowMs + 200);
}

// Opening must fail with kCorrupt, name the file, and not change one byte of it.
void check_refused_untouched(const std::filesystem::path& file) {
  const auto before = testing::read_file(file);
  auto opened = Ledger::open(file);
  REQUIRE_FALSE(opened.has_value());
  CHECK(opened.error().code == ErrorCode::kCorrupt);
  CHECK(opened.error().message.find(file.string()) != std::string::npos);
  CHECK(testing::read_file(file) == before);
}

// A closed hub database (WAL checkpointed into it) holding 2,000 events.
std::filesystem::path filled_database(LedgerFixture& fixture) {
  for (std::uint64_t first = 1; first <= 2000; first += 500) {
    fixture.apply(batch_of(origin_of("device-1"), first, first + 499));
  }
  fixture.ledger = Ledger::open(fixture.dir / "other.db").value();  // closes hub.db
  return fixture.file;
}

TEST_CASE("a hub database that is not SQLite is refused with an error naming it, and left as it was") {
  testing::TempDir dir;
  const auto file = dir / "hub.db";
  std::ofstream(file) << "this is not a database, but somebody's notes\n";
  check_refused_untouched(file);
}

TEST_CASE("another application's SQLite database is refused as a hub database, and left as it was") {
  testing::TempDir dir;
  const auto file = dir / "journal.db";
  {
    auto journal = storage::Database::open(file, storage::OpenMode::kCreateIfMissing, storage::Durability::kNormal,
                                           0x52434a4e);  // an agent journal's id
    REQUIRE(journal.has_value());
    REQUIRE(journal->execute("CREATE TABLE events (seq INTEGER PRIMARY KEY)").has_value());
  }
  check_refused_untouched(file);
}

TEST_CASE("a hub database with damaged pages is refused with an error naming it, and left as it was") {
  LedgerFixture fixture;
  const auto file = filled_database(fixture);
  {
    std::fstream damage(file, std::ios::in | std::ios::out | std::ios::binary);
    damage.seekp(std::streamoff{4096} * 3);
    const std::string noise(std::size_t{4096} * 4, '\x5a');
    damage.write(noise.data(), static_cast<std::streamsize>(noise.size()));
  }
  check_refused_untouched(file);
}

TEST_CASE("a truncated hub database is refused with an error naming it, and left as it was") {
  LedgerFixture fixture;
  const auto file = filled_database(fixture);
  std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
  check_refused_untouched(file);
}

TEST_CASE("a ledger closed cleanly reopens without the integrity check, with every batch it committed") {
  LedgerFixture fixture;
  filled_database(fixture);
  auto reopened = Ledger::open(fixture.file);
  REQUIRE(reopened.has_value());
  CHECK(reopened->sqlite()->checked_at_open());  // filled_database closed it by dropping it
  REQUIRE(Ledger::close_cleanly(std::move(*reopened)).has_value());

  auto after_clean_close = Ledger::open(fixture.file);
  REQUIRE(after_clean_close.has_value());
  CHECK_FALSE(after_clean_close->sqlite()->checked_at_open());
  auto last = after_clean_close->events().at(origin_of("device-1"), 2000);
  REQUIRE(last.has_value());
  CHECK(last->has_value());
}

TEST_CASE("a ledger opened with StartCheck::kAlways is checked after a clean close too") {
  LedgerFixture fixture;
  filled_database(fixture);
  REQUIRE(Ledger::close_cleanly(Ledger::open(fixture.file).value()).has_value());
  auto reopened = Ledger::open(fixture.file, testing::fixed_clock(), storage::StartCheck::kAlways);
  REQUIRE(reopened.has_value());
  CHECK(reopened->sqlite()->checked_at_open());
}

TEST_CASE("a ledger checked in the background after a crash is closed cleanly only once its check has passed") {
  LedgerFixture fixture;
  filled_database(fixture);  // dropped: a crash
  const auto marker = storage::clean_close_marker(fixture.file);
  {
    auto ledger = Ledger::open(fixture.file, testing::fixed_clock(), storage::StartCheck::kInBackground);
    REQUIRE(ledger.has_value());
    CHECK_FALSE(ledger->sqlite()->checked_at_open());
    CHECK(ledger->integrity_unverified());
    // Stopped before its check ran: the next start must run it.
    auto closed = Ledger::close_cleanly(std::move(*ledger));
    REQUIRE_FALSE(closed.has_value());
    CHECK(closed.error().message.find("has not passed an integrity check") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(marker));
  }
  auto ledger = Ledger::open(fixture.file, testing::fixed_clock(), storage::StartCheck::kInBackground);
  REQUIRE(ledger.has_value());
  CHECK(ledger->integrity_unverified());
  std::atomic<int> passed{0};
  ledger->check_in_background([&](const Result<void>& verdict) { passed += verdict ? 1 : 0; });
  REQUIRE(testing::eventually([&] { return !ledger->integrity_unverified(); }, std::chrono::seconds(60)));
  CHECK_FALSE(ledger->damaged());
  CHECK(ledger->begin_write().has_value());
  REQUIRE(Ledger::close_cleanly(std::move(*ledger)).has_value());
  CHECK(passed == 1);
  CHECK(std::filesystem::exists(marker));
}

TEST_CASE("a ledger the background check finds damaged takes no write and is not closed cleanly") {
  LedgerFixture fixture;
  filled_database(fixture);
  testing::damage_table_page(fixture.file, "events");
  auto ledger = Ledger::open(fixture.file, testing::fixed_clock(), storage::StartCheck::kInBackground);
  REQUIRE(ledger.has_value());
  REQUIRE(ledger->begin_write().has_value());  // a write before the finding is taken
  ledger->check_in_background([](const Result<void>&) {});
  REQUIRE(testing::eventually([&] { return ledger->damaged(); }, std::chrono::seconds(60)));
  auto write = ledger->begin_write();
  REQUIRE_FALSE(write.has_value());
  CHECK(write.error().code == ErrorCode::kCorrupt);
  CHECK(write.error().message.find(fixture.file.string()) != std::string::npos);
  CHECK(ledger->integrity_unverified());
  CHECK_FALSE(Ledger::close_cleanly(std::move(*ledger)).has_value());
  CHECK_FALSE(std::filesystem::exists(storage::clean_close_marker(fixture.file)));
  CHECK(std::filesystem::exists(storage::damage_marker(fixture.file)));
}

// Several hubs on one ledger (docs/scale-out.md, "Several hubs"): each hub is a Ledger of its own
// on its own thread, as two recount-hub processes sharing one database are.

// What one hub did with its batches, each in its own committed write: read after its thread ends.
struct HubRun {
  std::vector<std::uint64_t> acked;  // each outcome's cursor, in the order of its commits
  std::uint64_t stored = 0;          // events stored as new
  std::vector<std::string> errors;   // batches that failed, with why
};

// Applies the batches in order, each in its own write, and keeps going past a failed one (bounded
// by the list): the test then names every failure rather than the first.
HubRun run_hub(Ledger& ledger, const std::vector<IncomingBatch>& batches) {
  HubRun run;
  for (const IncomingBatch& batch : batches) {
    auto write = ledger.begin_write();
    if (!write) {
      run.errors.push_back(write.error().describe());
      continue;
    }
    auto outcome = write->apply(batch);
    if (!outcome) {
      run.errors.push_back(outcome.error().describe());
      continue;
    }
    if (auto committed = write->commit(); !committed) {
      run.errors.push_back(committed.error().describe());
      continue;
    }
    run.acked.push_back(outcome->cursor.acked_through);
    run.stored += outcome->stored;
  }
  return run;
}

// Runs two hubs at once on their own ledgers, one thread each, and returns what each did.
std::pair<HubRun, HubRun> run_two_hubs(Ledger& first, const std::vector<IncomingBatch>& first_batches, Ledger& second,
                                       const std::vector<IncomingBatch>& second_batches) {
  HubRun second_run;
  std::thread other([&] { second_run = run_hub(second, second_batches); });
  HubRun first_run = run_hub(first, first_batches);
  other.join();
  return {std::move(first_run), std::move(second_run)};
}

// Every batch of both hubs committed; else the first failure of each is named.
void check_no_errors(const HubRun& first, const HubRun& second) {
  INFO("first hub's errors: " << (first.errors.empty() ? "" : first.errors.front()));
  INFO("second hub's errors: " << (second.errors.empty() ? "" : second.errors.front()));
  CHECK(first.errors.empty());
  CHECK(second.errors.empty());
}

bool ascending(const std::vector<std::uint64_t>& values) { return std::is_sorted(values.begin(), values.end()); }

TEST_CASE_TEMPLATE("two hubs applying one device's overlapping batches at once store each seq once and ack in order",
                   Backend, testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  Ledger other = fixture.open();
  const auto origin = origin_of("device-1");
  // 200 batches of 4 to 6 events over seqs 1..303: the first hub from the bottom up, the second
  // from the top down, so each overlaps the other's and fills gaps the other left.
  constexpr std::uint64_t kBatches = 100;
  std::vector<IncomingBatch> upwards;
  std::vector<IncomingBatch> downwards;
  for (std::uint64_t i = 0; i < kBatches; ++i) {
    upwards.push_back(batch_of(origin, 3 * i + 1, 3 * i + 6));
    const std::uint64_t j = kBatches - 1 - i;
    downwards.push_back(batch_of(origin, 3 * j + 2, 3 * j + 5));
  }
  const auto runs = run_two_hubs(fixture.ledger, upwards, other, downwards);
  const HubRun& up = runs.first;
  const HubRun& down = runs.second;

  check_no_errors(up, down);
  CHECK(ascending(up.acked));
  CHECK(ascending(down.acked));
  CHECK(up.stored + down.stored == 303);
  auto stored = fixture.ledger.events().events({"device-1", origin.epoch, 0, 1000});
  REQUIRE(stored.has_value());
  REQUIRE(stored->size() == 303);
  for (std::size_t i = 0; i < stored->size(); ++i) CHECK(stored->at(i).event.seq == i + 1);
  auto devices = fixture.ledger.events().devices();
  REQUIRE(devices.has_value());
  REQUIRE(devices->size() == 1);
  CHECK(devices->at(0).epochs.at(0).cursor.acked_through == 303);
  CHECK(devices->at(0).epochs.at(0).cursor.events == 303);
  const auto verification = fixture.ledger.audit().verify();
  REQUIRE(verification.has_value());
  CHECK_MESSAGE(!verification->broken_id.has_value(), verification->problem);
  CHECK(verification->entries == up.acked.size() + down.acked.size());
}

TEST_CASE_TEMPLATE("two hubs writing different devices at once keep one audit chain that records every event in order",
                   Backend, testing::SqliteLedger, testing::PostgresLedger) {
  testing::LedgerOn<Backend> fixture;
  Ledger other = fixture.open();
  // 100 batches of 10 events each per hub, each hub its own device: nothing is shared but the
  // audit chain and the events table's order of storage, which verify() checks against each other.
  std::vector<IncomingBatch> first_batches;
  std::vector<IncomingBatch> second_batches;
  for (std::uint64_t first = 1; first <= 1000; first += 10) {
    first_batches.push_back(batch_of(origin_of("device-1"), first, first + 9, 1));
    second_batches.push_back(batch_of(origin_of("device-2"), first, first + 9, 2));
  }
  const auto runs = run_two_hubs(fixture.ledger, first_batches, other, second_batches);
  const HubRun& one = runs.first;
  const HubRun& two = runs.second;

  check_no_errors(one, two);
  CHECK(one.stored == 1000);
  CHECK(two.stored == 1000);
  const auto verification = fixture.ledger.audit().verify();
  REQUIRE(verification.has_value());
  CHECK_MESSAGE(!verification->broken_id.has_value(), verification->problem);
  CHECK(verification->entries == 200);
}

}  // namespace
}  // namespace recount::hub
