// The digest of stored events: what the ledger computes as it inserts equals what verification
// recomputes from the rows, and the encoding tells apart what the columns hold.
#include "hub/ledger/event_digest.hpp"

#include <doctest/doctest.h>

#include "hub/ledger/ledger.hpp"
#include "tests/hub/ledger_fixtures.hpp"

namespace recount::hub {
namespace {

using testing::origin_of;

// An event with every detail column set, so each is hashed as text, none as NULL.
Event full_event(std::uint64_t seq) {
  Event event = testing::count_event(seq, 3);
  event.type = EventType::kAdjust;
  event.to_location = "B-1";
  event.lot = "LOT-1";
  event.expiry = "2027-01-31";
  event.serial = "SN-1";
  event.reason = ReasonCode::kDamage;
  event.reference = "REF-1";
  event.task_id = "task-1";
  event.barcode = "4006381333931";
  event.system = "wms";
  event.qty = -4;
  return event;
}

EventsDigest digest_of_rows(Ledger& ledger) {
  auto rows = ledger.database().prepare(EventDigester::select_in_storage_order());
  REQUIRE(rows.has_value());
  EventDigester digester;
  while (*rows->step()) digester.add_row(*rows);
  return digester.finish();
}

TEST_CASE("the digest of events as inserted equals the digest recomputed from their rows") {
  testing::LedgerFixture fixture;
  auto batch = testing::batch_of(origin_of("device-1"), 1, 2);
  batch.events.push_back(full_event(3));
  batch.last_seq = 3;
  batch.events[0].user.clear();  // stored as NULL
  fixture.apply(batch);

  EventDigester inserted;
  for (const Event& event : batch.events) inserted.add(batch.origin, event, batch.received_ms);
  const EventsDigest expected = inserted.finish();
  const EventsDigest recomputed = digest_of_rows(fixture.ledger);
  CHECK(recomputed.count == 3);
  CHECK(recomputed.sha256 == expected.sha256);
}

TEST_CASE("the digest changes with the quantity, with text moved between columns, and with the site") {
  const auto origin = origin_of("device-1");
  auto digest = [](const Event& event, const Origin& from = origin_of("device-1")) {
    EventDigester digester;
    digester.add(from, event, testing::kFixedNowMs);
    return digester.finish().sha256;
  };
  const Event base = full_event(1);
  Event qty = base;
  qty.qty = -5;
  Event shifted = base;  // "LOT-1" + "2027-01-31" as "LOT-12027-01-3" + "1"
  shifted.lot = "LOT-12027-01-3";
  shifted.expiry = "1";
  CHECK(digest(qty) != digest(base));
  CHECK(digest(shifted) != digest(base));
  CHECK(digest(base, origin_of("device-1", "00000000000000e1", "site-2")) != digest(base));
  CHECK(digest(base, origin) == digest(base));
}

TEST_CASE("a digest of no events is that of the empty text, and finish starts over") {
  EventDigester digester;
  const EventsDigest empty = digester.finish();
  CHECK(empty.count == 0);
  CHECK(empty.sha256 == sha256_hex(""));
  digester.add(origin_of("device-1"), full_event(1), 0);
  CHECK(digester.finish().count == 1);
  CHECK(digester.finish().sha256 == empty.sha256);
}

TEST_CASE("a detail records its digest as an events member and reads it back, anything else records none") {
  const EventsDigest digest{3, std::string(64, 'a')};
  const nlohmann::json detail = {{"new", 3}, {kEventsMember, to_json(digest)}};
  const auto read = recorded_events(detail);
  REQUIRE(read.has_value());
  CHECK(read->count == 3);
  CHECK(read->sha256 == digest.sha256);
  CHECK_FALSE(recorded_events(nlohmann::json{{"new", 3}}).has_value());
  CHECK_FALSE(recorded_events(nlohmann::json{{kEventsMember, {{"count", -1}, {"sha256", "x"}}}}).has_value());
  CHECK_FALSE(recorded_events(nlohmann::json::parse("not json", nullptr, false)).has_value());
}

}  // namespace
}  // namespace recount::hub
