// The event store on a real SQLite file and a real PostgreSQL database: dedupe, contiguity across
// gaps, epochs, dead letters.
#include "hub/ledger/event_store.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "hub/ledger/schema.hpp"
#include "tests/hub/ledger_fixtures.hpp"
#include "tests/hub/storage_backends.hpp"

namespace recount::hub {
namespace {

using testing::count_event;
using testing::kFixedNowMs;
using testing::origin_of;

template <typename Backend>
struct StoreFixture {
  Backend backend;
  EventStore store = prepare();

  EventStore prepare() {
    REQUIRE(migrate(backend.connection()).has_value());
    auto prepared = EventStore::prepare(backend.connection());
    REQUIRE(prepared.has_value());
    return std::move(*prepared);
  }

  void insert_range(const Origin& origin, std::uint64_t first, std::uint64_t last, unsigned tag = 1) {
    for (auto seq = first; seq <= last; ++seq) {
      REQUIRE(store.insert(origin, count_event(seq, tag), kFixedNowMs).has_value());
    }
  }
  Cursor advance(const Origin& origin, std::uint64_t new_events = 0) {
    auto cursor = store.advance(origin, new_events, kFixedNowMs);
    REQUIRE(cursor.has_value());
    return *cursor;
  }
  DeadLetter letter_for(const Origin& origin, std::optional<std::uint64_t> seq) {
    return DeadLetter{0,
                      kFixedNowMs,
                      "recount/v1/site-1/" + origin.device + "/events",
                      origin,
                      seq,
                      seq ? testing::event_id_for(9, *seq) : "",
                      "qty",
                      "must be between 0 and 1000000000",
                      "{\"qty\":-5}",
                      10};
  }
};

TEST_CASE_TEMPLATE("an event delivered twice under the same device, epoch and seq is stored once", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  CHECK(fixture.store.insert(origin, count_event(1), kFixedNowMs).value() == Insertion::kNew);
  CHECK(fixture.store.insert(origin, count_event(1), kFixedNowMs).value() == Insertion::kDuplicate);

  auto events = fixture.store.events({"device-1", origin.epoch, 0, 100});
  REQUIRE(events.has_value());
  CHECK(events->size() == 1);
}

TEST_CASE_TEMPLATE("a duplicate seq keeps the event stored first, whatever the second delivery says", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  REQUIRE(fixture.store.insert(origin, count_event(1, 1, 3), kFixedNowMs).has_value());
  auto second = count_event(1, 1, 99);
  CHECK(fixture.store.insert(origin, second, kFixedNowMs).value() == Insertion::kDuplicate);
  CHECK(fixture.store.events({"device-1", origin.epoch, 0, 10})->at(0).event.qty == 3);
}

TEST_CASE_TEMPLATE("an event whose event_id another stored event already has is refused as a conflict", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  REQUIRE(fixture.store.insert(origin, count_event(1), kFixedNowMs).has_value());
  auto reused = count_event(2);
  reused.event_id = count_event(1).event_id;
  auto inserted = fixture.store.insert(origin, reused, kFixedNowMs);
  REQUIRE_FALSE(inserted.has_value());
  CHECK(inserted.error().code == ErrorCode::kConflict);
  CHECK(inserted.error().field == "event_id");
  CHECK(fixture.store.events({"device-1", origin.epoch, 0, 10})->size() == 1);
}

TEST_CASE_TEMPLATE("stored events read back with every field, in seq order", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  Event move = count_event(2);
  move.type = EventType::kMove;
  move.to_location = "B-1";
  move.lot = "L42";
  move.expiry = "2027-01-31";
  move.serial = "S-9";
  move.reference = "PO-7";
  move.task_id = "task-3";
  move.barcode = "]C1010123456789012";
  Event adjust = count_event(1);
  adjust.type = EventType::kAdjust;
  adjust.qty = -2;
  adjust.reason = ReasonCode::kDamage;
  REQUIRE(fixture.store.insert(origin, move, kFixedNowMs + 1).has_value());
  REQUIRE(fixture.store.insert(origin, adjust, kFixedNowMs + 2).has_value());

  auto events = fixture.store.events({"device-1", origin.epoch, 0, 10});
  REQUIRE(events.has_value());
  REQUIRE(events->size() == 2);
  CHECK(events->at(0).event == adjust);
  CHECK(events->at(1).event == move);
  CHECK(events->at(1).origin.site == "site-1");
  CHECK(events->at(1).received_ms == kFixedNowMs + 1);
}

TEST_CASE_TEMPLATE("event listings page by seq and stop at the limit", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  fixture.insert_range(origin, 1, 10);
  auto page = fixture.store.events({"device-1", origin.epoch, 4, 3});
  REQUIRE(page.has_value());
  REQUIRE(page->size() == 3);
  CHECK(page->front().event.seq == 5);
  CHECK(page->back().event.seq == 7);
}

TEST_CASE_TEMPLATE("acked_through stops below a gap and jumps across it once the gap is filled", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  fixture.insert_range(origin, 1, 3);
  CHECK(fixture.advance(origin, 3).acked_through == 3);

  fixture.insert_range(origin, 7, 9);
  const Cursor after_gap = fixture.advance(origin, 3);
  CHECK(after_gap.acked_through == 3);
  CHECK(after_gap.events == 6);

  fixture.insert_range(origin, 4, 6);
  const Cursor filled = fixture.advance(origin, 3);
  CHECK(filled.acked_through == 9);
  CHECK(filled.events == 9);
}

TEST_CASE_TEMPLATE("acked_through stays 0 while seq 1 is missing", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  fixture.insert_range(origin, 2, 5);
  CHECK(fixture.advance(origin, 4).acked_through == 0);
}

TEST_CASE_TEMPLATE("a dead-lettered seq counts as covered, so the ack moves past a rejected event", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  fixture.insert_range(origin, 1, 2);
  REQUIRE(fixture.store.add_dead_letter(fixture.letter_for(origin, 3)).has_value());
  fixture.insert_range(origin, 4, 5);
  const Cursor cursor = fixture.advance(origin, 4);
  CHECK(cursor.acked_through == 5);
  CHECK(cursor.events == 4);
}

TEST_CASE_TEMPLATE("each epoch of a device has its own cursor, and seqs may restart in a new epoch", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto old_epoch = origin_of("device-1", "00000000000000e1");
  const auto new_epoch = origin_of("device-1", "00000000000000e2");
  fixture.insert_range(old_epoch, 1, 5, 1);
  CHECK(fixture.advance(old_epoch, 5).acked_through == 5);
  fixture.insert_range(new_epoch, 1, 2, 2);
  CHECK(fixture.advance(new_epoch, 2).acked_through == 2);
  CHECK(fixture.advance(old_epoch).acked_through == 5);

  auto devices = fixture.store.devices();
  REQUIRE(devices.has_value());
  REQUIRE(devices->size() == 1);
  REQUIRE(devices->at(0).epochs.size() == 2);
  CHECK(devices->at(0).epochs[0].epoch == old_epoch.epoch);
  CHECK(devices->at(0).epochs[1].epoch == new_epoch.epoch);
  CHECK(devices->at(0).epochs[1].cursor.events == 2);
}

TEST_CASE_TEMPLATE("an epoch never seen has a zero cursor once advanced, and the device is listed", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const Cursor cursor = fixture.advance(origin_of("device-9"));
  CHECK(cursor.acked_through == 0);
  CHECK(cursor.events == 0);
  auto devices = fixture.store.devices();
  REQUIRE(devices->size() == 1);
  CHECK(devices->at(0).device == "device-9");
  CHECK(devices->at(0).last_seen_ms == kFixedNowMs);
}

TEST_CASE_TEMPLATE("a second dead letter for the same event is ignored, but every refused payload is kept", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  REQUIRE(fixture.store.add_dead_letter(fixture.letter_for(origin, 3)).has_value());
  REQUIRE(fixture.store.add_dead_letter(fixture.letter_for(origin, 3)).has_value());
  REQUIRE(fixture.store.add_dead_letter(fixture.letter_for(origin, std::nullopt)).has_value());
  REQUIRE(fixture.store.add_dead_letter(fixture.letter_for(origin, std::nullopt)).has_value());

  auto letters = fixture.store.dead_letters({"", 0, 100});
  REQUIRE(letters.has_value());
  REQUIRE(letters->size() == 3);
  CHECK(letters->at(0).seq == 3u);
  CHECK(letters->at(0).field == "qty");
  CHECK(letters->at(0).payload == "{\"qty\":-5}");
  CHECK_FALSE(letters->at(1).seq.has_value());
}

TEST_CASE_TEMPLATE("a huge refused payload is stored cut at the limit, with its full size recorded", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  auto letter = fixture.letter_for(origin_of("device-1"), std::nullopt);
  letter.payload = std::string(DeadLetter::kMaxStoredPayload * 3, 'x');
  letter.payload_bytes = letter.payload.size();
  REQUIRE(fixture.store.add_dead_letter(letter).has_value());
  auto letters = fixture.store.dead_letters({"", 0, 10});
  CHECK(letters->at(0).payload.size() == DeadLetter::kMaxStoredPayload);
  CHECK(letters->at(0).payload_bytes == DeadLetter::kMaxStoredPayload * 3);
}

TEST_CASE_TEMPLATE("dead letters can be listed for one device and paged by id", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  for (std::uint64_t seq = 1; seq <= 4; ++seq) {
    REQUIRE(fixture.store.add_dead_letter(fixture.letter_for(origin_of(seq % 2 ? "odd" : "even"), seq)).has_value());
  }
  auto odd = fixture.store.dead_letters({"odd", 0, 10});
  REQUIRE(odd->size() == 2);
  CHECK(odd->at(1).seq == 3u);
  auto after = fixture.store.dead_letters({"", odd->at(0).id, 2});
  REQUIRE(after->size() == 2);
  CHECK(after->at(0).seq == 2u);
}

TEST_CASE_TEMPLATE("devices count their dead letters and keep their latest status", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  fixture.advance(origin);
  REQUIRE(fixture.store.add_dead_letter(fixture.letter_for(origin, std::nullopt)).has_value());
  protocol::Status status{"device-1", protocol::DeviceState::kOffline, 12, 40, -250, kFixedNowMs - 5};
  REQUIRE(fixture.store.record_status("site-1", status, kFixedNowMs + 10, kFixedNowMs + 10).has_value());

  auto devices = fixture.store.devices();
  REQUIRE(devices->size() == 1);
  const DeviceSummary& device = devices->at(0);
  CHECK(device.dead_letters == 1);
  REQUIRE(device.status.has_value());
  CHECK(device.status->status == status);
  CHECK(device.status->received_ms == kFixedNowMs + 10);
  CHECK(device.last_seen_ms == kFixedNowMs + 10);
}

TEST_CASE_TEMPLATE("a status without contact (seen 0) does not move the device's last contact", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  fixture.advance(origin_of("device-1"));
  protocol::Status status{"device-1", protocol::DeviceState::kOnline, 0, 0, 0, kFixedNowMs};
  REQUIRE(fixture.store.record_status("site-1", status, kFixedNowMs + 500, 0).has_value());
  CHECK(fixture.store.devices()->at(0).last_seen_ms == kFixedNowMs);
}

TEST_CASE_TEMPLATE("past a device's dead-letter quota letters are only counted, an event's kept without its payload",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto noisy = origin_of("noisy");
  for (std::uint64_t seq = 1; seq <= DeadLetter::kMaxLettersPerDevice; ++seq) {
    REQUIRE(fixture.store.add_dead_letter(fixture.letter_for(noisy, seq)).value() == Lettering::kStored);
  }
  CHECK(fixture.store.add_dead_letter(fixture.letter_for(noisy, 1)).value() == Lettering::kAlreadyStored);
  const std::uint64_t next = DeadLetter::kMaxLettersPerDevice + 1;
  CHECK(fixture.store.add_dead_letter(fixture.letter_for(noisy, next)).value() == Lettering::kOverQuota);
  CHECK(fixture.store.add_dead_letter(fixture.letter_for(noisy, std::nullopt)).value() == Lettering::kOverQuota);
  CHECK(fixture.store.add_dead_letter(fixture.letter_for(noisy, std::nullopt)).value() == Lettering::kOverQuota);

  auto letters = fixture.store.dead_letters({"noisy", 0, 2000}).value();
  REQUIRE(letters.size() == DeadLetter::kMaxLettersPerDevice + 1);  // the whole payloads were not kept
  CHECK(letters.back().seq == next);
  CHECK(letters.back().payload.empty());
  CHECK(letters.back().payload_bytes == 10);
  // The event's seq stays covered, so the device's cursor passes it.
  CHECK(fixture.advance(noisy).acked_through == next);

  // Another device has a quota of its own.
  CHECK(fixture.store.add_dead_letter(fixture.letter_for(origin_of("quiet"), std::nullopt)).value() ==
        Lettering::kStored);
  auto devices = fixture.store.devices().value();
  REQUIRE(devices.size() == 1);  // "quiet" never advanced a cursor
  CHECK(devices[0].device == "noisy");
  CHECK(devices[0].dead_letters == DeadLetter::kMaxLettersPerDevice + 1);
  CHECK(devices[0].dead_letter_overflow == 3);
}

TEST_CASE_TEMPLATE("a device's dead-letter quota is also one of bytes, counted as stored after the cut", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  auto letter = fixture.letter_for(origin, std::nullopt);
  letter.payload = std::string(DeadLetter::kMaxStoredPayload * 2, 'x');
  letter.payload_bytes = letter.payload.size();
  const auto fits = DeadLetter::kMaxBytesPerDevice / DeadLetter::kMaxStoredPayload;
  for (std::uint64_t i = 0; i < fits; ++i) {
    REQUIRE(fixture.store.add_dead_letter(letter).value() == Lettering::kStored);
  }
  CHECK(fixture.store.add_dead_letter(letter).value() == Lettering::kOverQuota);
  letter.payload = "{}";
  CHECK(fixture.store.add_dead_letter(letter).value() == Lettering::kOverQuota);  // not a byte is left
  CHECK(fixture.store.dead_letters({"", 0, 1000}).value().size() == fits);
}

TEST_CASE_TEMPLATE("the event stored at a seq is read back through its key, and nothing where none is", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  fixture.insert_range(origin, 1, 3);
  const auto stored = fixture.store.at(origin, 2).value();
  REQUIRE(stored.has_value());
  CHECK(stored->event == count_event(2));
  CHECK_FALSE(fixture.store.at(origin, 4).value().has_value());
  CHECK_FALSE(fixture.store.at(origin_of("device-1", "00000000000000e2"), 2).value().has_value());
}

TEST_CASE_TEMPLATE("conflicts are kept once each, listed in id order, counted per device and until reviewed", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  fixture.advance(origin);
  const Conflict conflict{0, origin, 2, "{\"qty\":3}", kFixedNowMs - 5, "{\"qty\":300}", kFixedNowMs, std::nullopt, ""};
  CHECK(fixture.store.add_conflict(conflict).value());
  CHECK_FALSE(fixture.store.add_conflict(conflict).value());  // the same resend
  auto other = conflict;
  other.event = "{\"qty\":301}";
  CHECK(fixture.store.add_conflict(other).value());
  CHECK(fixture.store.unreviewed_conflicts().value() == 2);
  CHECK(fixture.store.devices().value().at(0).conflicts == 2);

  const auto listed = fixture.store.conflicts({"", 0, 10}).value();
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].seq == 2);
  CHECK(listed[0].stored_event == "{\"qty\":3}");
  CHECK(listed[0].stored_received_ms == kFixedNowMs - 5);
  CHECK(listed[1].event == "{\"qty\":301}");
  CHECK(fixture.store.conflicts({"device-2", 0, 10}).value().empty());
  CHECK(fixture.store.conflicts({"", listed[0].id, 10}).value().size() == 1);

  const auto reviewed = fixture.store.review_conflict(listed[0].id, "lead-1", kFixedNowMs + 1).value();
  CHECK(reviewed.reviewed_ms == kFixedNowMs + 1);
  CHECK(reviewed.reviewed_by == "lead-1");
  const auto again = fixture.store.review_conflict(listed[0].id, "lead-2", kFixedNowMs + 2).value();
  CHECK(again.reviewed_by == "lead-1");  // the first review stands
  CHECK(fixture.store.unreviewed_conflicts().value() == 1);
  CHECK(fixture.store.review_conflict(99, "lead-1", kFixedNowMs).error().code == ErrorCode::kNotFound);
}

TEST_CASE_TEMPLATE("an event stored with a reconciliation stamp is read as sent, but reconciled at its arrival",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  const Event event = count_event(1);
  const std::int64_t arrival_ms = kFixedNowMs + 400LL * 86'400'000;
  const auto arrival = HlcStamp::from_parts(arrival_ms, 0);
  REQUIRE(fixture.store.insert(origin, event, arrival_ms, arrival).has_value());
  REQUIRE(fixture.store.insert(origin, count_event(2), kFixedNowMs).has_value());

  CHECK(fixture.store.events({"device-1", origin.epoch, 0, 10}).value().at(0).event == event);
  const auto reconciled = fixture.store.stored_after(0, 10).value();
  REQUIRE(reconciled.size() == 2);
  CHECK(reconciled[0].event.hlc == arrival);
  CHECK(reconciled[0].event.wall_ms == arrival_ms);
  CHECK(reconciled[0].event.event_id == event.event_id);
  CHECK(reconciled[1].event == count_event(2));  // not flagged: as sent
}

TEST_CASE_TEMPLATE("stored_after into a kept buffer holds only the slice asked for, call after call", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  fixture.insert_range(origin, 1, 5);
  std::vector<StoredEvent> slice;
  REQUIRE(fixture.store.stored_after(0, 3, slice).has_value());
  REQUIRE(slice.size() == 3);
  CHECK(slice[2].event == count_event(3));
  REQUIRE(fixture.store.stored_after(slice.back().row, 3, slice).has_value());
  REQUIRE(slice.size() == 2);  // the first slice's events are gone, not followed by these
  CHECK(slice[0].event == count_event(4));
  CHECK(slice[1].event == count_event(5));
  REQUIRE(fixture.store.stored_after(slice.back().row, 3, slice).has_value());
  CHECK(slice.empty());
}

TEST_CASE_TEMPLATE("insert_all stores new events in order across chunks and skips stored seqs and reused event_ids",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  fixture.insert_range(origin, 1, 3);
  // Seqs 1..250: five statements (100, 100, and the remainder of 50 as 32, 16 and 2).
  std::vector<Event> events;
  for (std::uint64_t seq = 1; seq <= 250; ++seq) events.push_back(count_event(seq));
  events[1].qty = 300;                               // seq 2 taken: skipped whatever it says
  events[9].event_id = testing::event_id_for(1, 1);  // seq 10 reuses a stored event_id
  // Seq 180, in the second statement, reuses the id of seq 60 in the first; seq 181 of seq 182
  // in the same statement, which comes later: the earlier event is the one stored.
  events[179].event_id = events[59].event_id;
  events[180].event_id = events[181].event_id;
  const auto reconcile_at = HlcStamp::from_parts(kFixedNowMs, 7);
  std::vector<Arrival> arrivals;
  arrivals.reserve(events.size());
  for (const Event& event : events) arrivals.push_back(Arrival{&event, std::nullopt});
  arrivals[239].reconcile_hlc = reconcile_at;

  const auto stored = fixture.store.insert_all(origin, arrivals, kFixedNowMs);
  REQUIRE(stored.has_value());
  REQUIRE(stored->size() == 250);
  std::vector<std::uint64_t> skipped;
  for (std::size_t i = 0; i < stored->size(); ++i) {
    if (!(*stored)[i]) skipped.push_back(events[i].seq);
  }
  CHECK(skipped == std::vector<std::uint64_t>{1, 2, 3, 10, 180, 182});

  // Stored in the batch's order, each as sent, with its reconciliation stamp.
  const auto rows = fixture.store.stored_after(0, 300).value();
  REQUIRE(rows.size() == 3 + 244);
  std::uint64_t previous = 0;
  for (std::size_t i = 3; i < rows.size(); ++i) {
    CHECK(rows[i].event.seq > previous);
    previous = rows[i].event.seq;
    if (previous != 240) CHECK(rows[i].event == events[previous - 1]);
  }
  CHECK(fixture.store.events({"device-1", origin.epoch, 239, 1}).value().at(0).event == events[239]);
  CHECK(std::find_if(rows.begin(), rows.end(), [&](const StoredEvent& row) {
          return row.event.seq == 240 && row.event.hlc == reconcile_at;
        }) != rows.end());
  CHECK(fixture.store.at(origin, 2).value()->event == count_event(2));
  CHECK_FALSE(fixture.store.at(origin, 10).value().has_value());
  CHECK(fixture.store.at(origin, 181).value()->event.event_id == events[181].event_id);
  CHECK(fixture.advance(origin, 244).acked_through == 9);  // 10 is neither stored nor lettered
}

TEST_CASE_TEMPLATE(
    "insert_all tells the written events of a chunk whose last events are skipped, and of one with none written",
    Backend, testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  fixture.insert_range(origin, 8, 10);
  fixture.insert_range(origin_of("device-2"), 1, 5, 3);  // rows after device-1's, before the chunk's
  // Seqs 1..10, of which 8..10 are stored, then seq 4 again under another event_id, in chunks of
  // 8, 2 and 1: the first's last row is skipped, so its last row written is not its last row, and
  // the other two write none.
  std::vector<Event> events;
  for (std::uint64_t seq = 1; seq <= 10; ++seq) events.push_back(count_event(seq));
  events.push_back(count_event(4, 2, 99));
  std::vector<Arrival> arrivals;
  arrivals.reserve(events.size());
  for (const Event& event : events) arrivals.push_back(Arrival{&event, std::nullopt});

  const auto stored = fixture.store.insert_all(origin, arrivals, kFixedNowMs);
  REQUIRE(stored.has_value());
  CHECK(*stored == std::vector<bool>{true, true, true, true, true, true, true, false, false, false, false});
  CHECK(fixture.store.at(origin, 4).value()->event == events[3]);
  CHECK(fixture.store.events({"device-1", origin.epoch, 0, 20}).value().size() == 10);

  // Sent again, nothing is written: none is told stored, though the same keys were just written.
  const auto again = fixture.store.insert_all(origin, arrivals, kFixedNowMs);
  REQUIRE(again.has_value());
  CHECK(*again == std::vector<bool>(events.size(), false));
}

TEST_CASE_TEMPLATE("insert_all stores every event of a batch whatever the size of its remainder", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
  const auto origin = origin_of("device-1");
  // Batches of 1..kRowsPerInsert + 1 events, one after another: every remainder's chunks.
  std::uint64_t next = 1;
  for (std::size_t size = 1; size <= EventStore::kRowsPerInsert + 1; ++size) {
    std::vector<Event> events;
    events.reserve(size);
    for (std::size_t i = 0; i < size; ++i) events.push_back(count_event(next++));
    std::vector<Arrival> arrivals;
    arrivals.reserve(size);
    for (const Event& event : events) arrivals.push_back(Arrival{&event, std::nullopt});
    const auto stored = fixture.store.insert_all(origin, arrivals, kFixedNowMs);
    REQUIRE(stored.has_value());
    CHECK(*stored == std::vector<bool>(size, true));
  }
  const auto rows = fixture.store.stored_after(0, next).value();
  REQUIRE(rows.size() == next - 1);
  for (std::size_t i = 0; i < rows.size(); ++i) CHECK(rows[i].event == count_event(i + 1));
}

}  // namespace
}  // namespace recount::hub
