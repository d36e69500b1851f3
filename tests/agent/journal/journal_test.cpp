// The device journal against real SQLite files: durability bookkeeping, identity, sync states,
// and refusal of damaged files.
#include "agent/journal/journal.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "shared/storage/sqlite.hpp"
#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

using testing::TempDir;

Event count_draft(std::string sku, std::int64_t qty) {
  Event event;
  event.type = EventType::kCount;
  event.location = "A-01";
  event.sku = std::move(sku);
  event.qty = qty;
  event.user = "alice";
  return event;
}

Journal open_new(const TempDir& dir) {
  auto journal = Journal::open(dir.path(), std::string("s1"), std::string("d1"));
  REQUIRE_MESSAGE(journal.has_value(), (journal ? "" : journal.error().describe()));
  return std::move(*journal);
}

void copy_fixture(const std::string& name, const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  std::filesystem::copy_file(std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/data/journal" / name,
                             to / Journal::kFileName);
}

}  // namespace

TEST_CASE("recording assigns strictly increasing seqs, event ids and clock stamps") {
  TempDir dir;
  auto journal = open_new(dir);
  std::uint64_t previous_hlc = 0;
  for (std::uint64_t expected = 1; expected <= 5; ++expected) {
    auto event = journal.record(count_draft("SKU-1", 3));
    REQUIRE(event);
    CHECK(event->seq == expected);
    CHECK(event->event_id.size() == 36);
    CHECK(event->hlc > previous_hlc);
    previous_hlc = event->hlc;
  }
  CHECK(journal.last_seq() == 5);
}

TEST_CASE("seqs continue after reopening and are never reused after pruning") {
  TempDir dir;
  {
    auto journal = open_new(dir);
    for (int i = 0; i < 3; ++i) REQUIRE(journal.record(count_draft("SKU-1", 1)));
    REQUIRE(journal.acknowledge(3, journal.wall_now(), 0));
    auto pruned = journal.prune_acked_before(journal.wall_now() + 1);
    REQUIRE(pruned);
    CHECK(*pruned == 3);
  }
  auto reopened = Journal::open(dir.path(), std::nullopt, std::nullopt);
  REQUIRE(reopened);
  auto event = reopened->record(count_draft("SKU-1", 1));
  REQUIRE(event);
  CHECK(event->seq == 4);
}

TEST_CASE("an invalid event is refused with its field and nothing is stored") {
  TempDir dir;
  auto journal = open_new(dir);
  auto refused = journal.record(count_draft("SKU-1", -2));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().field == "qty");
  CHECK(journal.last_seq() == 0);
}

TEST_CASE("record_all stores all events or none") {
  TempDir dir;
  auto journal = open_new(dir);
  auto refused = journal.record_all({count_draft("SKU-1", 1), count_draft("", 1)});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().field == "[1].sku");
  CHECK(journal.last_seq() == 0);
  auto stored = journal.record_all({count_draft("SKU-1", 1), count_draft("SKU-2", 2)});
  REQUIRE(stored);
  CHECK(stored->size() == 2);
  CHECK(journal.last_seq() == 2);
}

TEST_CASE("a device may not record hub-only event types") {
  TempDir dir;
  auto journal = open_new(dir);
  Event baseline = count_draft("SKU-1", 5);
  baseline.type = EventType::kBaseline;
  auto refused = journal.record(baseline);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().field == "type");
}

TEST_CASE("site and device are required on first use and must match afterwards") {
  TempDir dir;
  auto missing = Journal::open(dir.path(), std::nullopt, std::string("d1"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().field == "site");
  CHECK_FALSE(std::filesystem::exists(dir / Journal::kFileName));

  open_new(dir);
  auto other_device = Journal::open(dir.path(), std::string("s1"), std::string("d2"));
  REQUIRE_FALSE(other_device);
  CHECK(other_device.error().code == ErrorCode::kConflict);
  CHECK(other_device.error().message.find("d1") != std::string::npos);
  auto same = Journal::open(dir.path(), std::string("s1"), std::nullopt);
  CHECK(same);
}

TEST_CASE("ids that cannot appear in an MQTT topic are refused") {
  TempDir dir;
  auto refused = Journal::open(dir.path(), std::string("s/1"), std::string("d1"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().field == "site");
}

TEST_CASE("each new journal file gets its own epoch") {
  TempDir first, second;
  CHECK(open_new(first).identity().epoch != open_new(second).identity().epoch);
}

TEST_CASE("pending events come consecutively in seq order and skip acked and rejected ones") {
  TempDir dir;
  auto journal = open_new(dir);
  for (int i = 0; i < 10; ++i) REQUIRE(journal.record(count_draft("SKU-1", 1)));
  REQUIRE(journal.acknowledge(3, journal.wall_now(), 0));
  auto pending = journal.pending_from(1, 4);
  REQUIRE(pending);
  REQUIRE(pending->size() == 4);
  CHECK(pending->front().seq == 4);
  CHECK(pending->back().seq == 7);

  auto seven = journal.list(7, 1);
  REQUIRE(seven);
  REQUIRE(journal.reject({{7, seven->front().event.event_id, "qty", "too large"}}));
  auto after_reject = journal.pending_from(4, 100);
  REQUIRE(after_reject);
  CHECK(after_reject->size() == 3);  // 4,5,6: the run stops at the rejected seq
  auto rest = journal.pending_from(7, 100);
  REQUIRE(rest);
  CHECK(rest->front().seq == 8);
}

TEST_CASE("an event row this build cannot read stops sync and listing with an error naming it") {
  TempDir dir;
  {
    auto journal = open_new(dir);
    REQUIRE(journal.record(count_draft("SKU-1", 1)));
    REQUIRE(journal.record(count_draft("SKU-2", 1)));
  }
  for (const std::string& damage : {std::string("type = 'teleport'"), std::string("reason = 'gremlins'")}) {
    CAPTURE(damage);
    {
      auto raw = storage::Database::open(dir / Journal::kFileName, storage::OpenMode::kExistingOnly,
                                         storage::Durability::kFull);
      REQUIRE(raw);
      REQUIRE(raw->execute("UPDATE events SET type = 'count', reason = NULL; UPDATE events SET " + damage +
                           " WHERE seq = 2"));
    }
    auto journal = open_new(dir);
    auto pending = journal.pending_from(1, 10);
    REQUIRE_FALSE(pending);
    CHECK(pending.error().code == ErrorCode::kCorrupt);
    CHECK(pending.error().message.find("events.") != std::string::npos);
    CHECK(pending.error().message.find(damage.substr(damage.find('\'') + 1, 6)) != std::string::npos);
    CHECK_FALSE(journal.list(1, 10));
  }
}

TEST_CASE("status counts unsent, unacked, acked and rejected events") {
  TempDir dir;
  auto journal = open_new(dir);
  for (int i = 0; i < 6; ++i) REQUIRE(journal.record(count_draft("SKU-1", 1)));
  REQUIRE(journal.mark_sent(1, 4));
  REQUIRE(journal.acknowledge(2, journal.wall_now() - 1500, 0));
  auto four = journal.list(4, 1);
  REQUIRE(four);
  REQUIRE(journal.reject({{4, four->front().event.event_id, "sku", "unknown"}}));
  auto status = journal.status();
  REQUIRE(status);
  CHECK(status->total == 6);
  CHECK(status->acked == 2);
  CHECK(status->unacked == 1);
  CHECK(status->rejected == 1);
  CHECK(status->unsent == 2);
  CHECK(status->acked_through == 2);
  CHECK(status->skew_ms >= 1500);
  auto listed = journal.list(4, 1);
  REQUIRE(listed);
  CHECK(listed->front().state == SyncState::kRejected);
  CHECK(listed->front().rejection == "sku: unknown");
}

TEST_CASE("an ack that does not move forward changes nothing") {
  TempDir dir;
  auto journal = open_new(dir);
  for (int i = 0; i < 4; ++i) REQUIRE(journal.record(count_draft("SKU-1", 1)));
  REQUIRE(journal.acknowledge(3, journal.wall_now(), 0));
  REQUIRE(journal.acknowledge(1, journal.wall_now(), 0));
  auto status = journal.status();
  REQUIRE(status);
  CHECK(status->acked_through == 3);
  CHECK(status->acked == 3);
}

TEST_CASE("sent marks and acks undone by a power cut leave every recorded event pending to be sent again") {
  // mark_sent and acknowledge commit without fsync, so a power cut may take the journal back to
  // its state after the last recording; a copy of the files taken then stands in for that.
  TempDir dir;
  std::vector<std::string> ids;
  const auto saved = dir / "saved";
  {
    auto journal = open_new(dir);
    for (int i = 0; i < 5; ++i) ids.push_back(journal.record(count_draft("SKU-1", 1)).value().event_id);
    std::filesystem::create_directories(saved);
    for (const char* name : {"journal.db", "journal.db-wal"}) std::filesystem::copy_file(dir / name, saved / name);
    REQUIRE(journal.mark_sent(1, 5));
    REQUIRE(journal.acknowledge(5, journal.wall_now(), 0));
    REQUIRE(journal.status().value().acked == 5);
  }
  std::filesystem::remove(dir / "journal.db-shm");
  for (const char* name : {"journal.db", "journal.db-wal"}) {
    std::filesystem::copy_file(saved / name, dir / name, std::filesystem::copy_options::overwrite_existing);
  }
  auto journal = Journal::open(dir.path(), std::nullopt, std::nullopt);
  REQUIRE(journal);
  const auto status = journal->status().value();
  CHECK(status.acked_through == 0);  // the agent's hello and resend start from seq 1 again
  CHECK(status.unsent == 5);
  const auto pending = journal->pending_from(1, 100).value();
  REQUIRE(pending.size() == 5);
  // The same events with the same ids, which the hub keys by (device, epoch, seq) and acks again.
  for (std::size_t i = 0; i < pending.size(); ++i) CHECK(pending[i].event_id == ids[i]);
}

TEST_CASE("the clock never runs backwards across a restart with the wall clock set back") {
  TempDir dir;
  std::int64_t now = 1'800'000'000'000;
  std::uint64_t before = 0;
  {
    auto journal = Journal::open(dir.path(), std::string("s1"), std::string("d1"), [&] { return now; });
    REQUIRE(journal);
    before = journal->record(count_draft("SKU-1", 1))->hlc;
  }
  now -= 3'600'000;  // the device rebooted with its clock an hour behind
  auto journal = Journal::open(dir.path(), std::nullopt, std::nullopt, [&] { return now; });
  REQUIRE(journal);
  auto after = journal->record(count_draft("SKU-1", 1));
  REQUIRE(after);
  CHECK(after->hlc > before);
}

TEST_CASE("damaged journal files are refused with a clear error and left untouched") {
  for (const std::string fixture : {"truncated.db", "garbage.db", "empty.db", "bad-page.db", "foreign.db"}) {
    CAPTURE(fixture);
    TempDir dir;
    copy_fixture(fixture, dir.path());
    const auto before = testing::read_file(dir / Journal::kFileName);
    auto journal = Journal::open(dir.path(), std::string("s1"), std::string("d1"));
    REQUIRE_FALSE(journal);
    CHECK(journal.error().code == ErrorCode::kCorrupt);
    CHECK(journal.error().message.find("left untouched") != std::string::npos);
    CHECK(testing::read_file(dir / Journal::kFileName) == before);
  }
}

}  // namespace recount::agent
