// The device journal against real SQLite files: durability bookkeeping, identity, sync states,
// and refusal of damaged files.
#include "agent/journal/journal.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "agent/catalog/catalog_store.hpp"
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

// The hub's ack through `acked_through` for this journal's epoch, its clock `offset_ms` from ours.
protocol::Ack hub_ack(Journal& journal, std::uint64_t acked_through, std::int64_t offset_ms = 0) {
  const std::int64_t hub_now = journal.wall_now() + offset_ms;
  return protocol::Ack{journal.identity().device, journal.identity().epoch, acked_through, hub_now,
                       HlcStamp::from_parts(hub_now, 0)};
}

AckVerdict acknowledge(Journal& journal, std::uint64_t acked_through, std::int64_t offset_ms = 0) {
  auto verdict = journal.acknowledge(hub_ack(journal, acked_through, offset_ms));
  REQUIRE_MESSAGE(verdict.has_value(), (verdict ? "" : verdict.error().describe()));
  return *verdict;
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

// The first column of every row `sql` returns, read past the Journal with a connection of its own.
std::vector<std::string> raw_column(const std::filesystem::path& file, const std::string& sql) {
  auto raw = storage::Database::open(file, storage::OpenMode::kExistingOnly, storage::Durability::kFull);
  REQUIRE(raw);
  auto query = raw->prepare(sql);
  REQUIRE(query);
  std::vector<std::string> values;
  while (query->step().value()) values.push_back(query->column_text(0));
  return values;
}

// A journal as the agent wrote it at schema version 2, before the sync states became watermarks:
// the migrations of that release, frozen here as it shipped, and the meta rows it created.
// `rows` are the VALUES of events(seq, event_id, sync_state, rejection).
void write_version_2_journal(const std::filesystem::path& directory, const std::string& acked_through,
                             const std::string& rows) {
  constexpr const char* kVersion1 = R"sql(
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE events (
      seq INTEGER PRIMARY KEY,
      event_id TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL,
      wall_ms INTEGER NOT NULL,
      hlc INTEGER NOT NULL,
      user TEXT, location TEXT, to_location TEXT, sku TEXT, lot TEXT, expiry TEXT, serial TEXT,
      qty INTEGER NOT NULL,
      reason TEXT, ref TEXT, session TEXT, task_id TEXT, barcode TEXT, system TEXT,
      sync_state INTEGER NOT NULL DEFAULT 0,
      rejection TEXT
    );
    CREATE INDEX events_by_state ON events(sync_state, seq);
    )sql";
  constexpr const char* kVersion2 = R"sql(
    CREATE TABLE catalog_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE catalog_items (sku TEXT PRIMARY KEY, description TEXT, item_class TEXT);
    CREATE TABLE catalog_barcodes (code TEXT PRIMARY KEY, sku TEXT NOT NULL, pack_qty INTEGER NOT NULL);
    CREATE TABLE catalog_locations (location TEXT PRIMARY KEY, label TEXT, location_class TEXT);
    CREATE INDEX catalog_locations_by_label ON catalog_locations(label);
    CREATE TABLE tasks (
      task_id TEXT PRIMARY KEY, location TEXT NOT NULL, sku TEXT, lot TEXT, round INTEGER NOT NULL,
      exclude_user TEXT, hint TEXT, created_ms INTEGER NOT NULL, acked_seq INTEGER
    );
    CREATE TABLE unresolved_scans (
      id INTEGER PRIMARY KEY, wall_ms INTEGER NOT NULL, barcode TEXT NOT NULL, mode TEXT NOT NULL,
      user TEXT, location TEXT, to_location TEXT, ref TEXT, reason TEXT, session TEXT, task_id TEXT,
      lot TEXT, expiry TEXT, serial TEXT, qty INTEGER NOT NULL, resolved_seq INTEGER
    );
    )sql";
  std::filesystem::create_directories(directory);
  auto raw = storage::Database::open(directory / Journal::kFileName, storage::OpenMode::kCreateIfMissing,
                                     storage::Durability::kFull);
  REQUIRE(raw);
  REQUIRE(raw->execute("PRAGMA application_id = " + std::to_string(Journal::kApplicationId)));
  REQUIRE(raw->execute(kVersion1));
  REQUIRE(raw->execute(kVersion2));
  REQUIRE(
      raw->execute("INSERT INTO meta(key, value) VALUES ('site', 's1'), ('device', 'd1'), ('epoch', 'e1'), "
                   "('last_seq', '8'), ('acked_through', '" +
                   acked_through +
                   "'), ('last_ack_ms', '0'), "
                   "('skew_ms', '0'), ('created_ms', '0')"));
  REQUIRE(raw->execute(
      "CREATE TEMP TABLE old_rows(seq, event_id, sync_state, rejection); INSERT INTO old_rows VALUES " + rows +
      "; INSERT INTO events(seq, event_id, type, wall_ms, hlc, user, location, sku, qty, sync_state, "
      "rejection) SELECT seq, event_id, 'count', 1000 + seq, seq, 'alice', 'A-01', 'SKU-1', 1, "
      "sync_state, rejection FROM old_rows"));
  REQUIRE(raw->execute("PRAGMA user_version = 2"));
}

std::vector<SyncState> states(Journal& journal) {
  std::vector<SyncState> result;
  for (const auto& entry : journal.list(0, 100).value()) result.push_back(entry.state);
  return result;
}

std::vector<std::uint64_t> seqs(const std::vector<Event>& events) {
  std::vector<std::uint64_t> result;
  result.reserve(events.size());
  for (const auto& event : events) result.push_back(event.seq);
  return result;
}

}  // namespace

TEST_CASE("recording assigns strictly increasing seqs, event ids and clock stamps") {
  TempDir dir;
  auto journal = open_new(dir);
  HlcStamp previous_hlc;
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
    REQUIRE(journal.mark_sent(3));
    REQUIRE(acknowledge(journal, 3) == AckVerdict::kApplied);
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
  REQUIRE(journal.mark_sent(3));
  REQUIRE(acknowledge(journal, 3) == AckVerdict::kApplied);
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
  REQUIRE(journal.mark_sent(4));
  REQUIRE(acknowledge(journal, 2, -1500) == AckVerdict::kApplied);
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

TEST_CASE("a decreasing ack is refused and counted, and changes nothing") {
  TempDir dir;
  auto journal = open_new(dir);
  for (int i = 0; i < 4; ++i) REQUIRE(journal.record(count_draft("SKU-1", 1)));
  REQUIRE(journal.mark_sent(4));
  REQUIRE(acknowledge(journal, 3) == AckVerdict::kApplied);
  const auto skew = journal.status().value().skew_ms;
  CHECK(acknowledge(journal, 1, -5000) == AckVerdict::kDecreasing);
  auto status = journal.status();
  REQUIRE(status);
  CHECK(status->acked_through == 3);
  CHECK(status->acked == 3);
  CHECK(status->skew_ms == skew);
  CHECK(status->refused_acks == 1);
  // The same ack again is how the hub answers every hello: applied, not refused.
  CHECK(acknowledge(journal, 3) == AckVerdict::kApplied);
  CHECK(journal.status().value().refused_acks == 1);
}

TEST_CASE("an ack above what this journal has sent is refused and counted, and loses nothing") {
  // An anonymous client on a misconfigured broker acks far beyond anything sent.
  TempDir dir;
  auto journal = open_new(dir);
  for (int i = 0; i < 5; ++i) REQUIRE(journal.record(count_draft("SKU-1", 1)));
  REQUIRE(journal.mark_sent(5));
  CHECK(acknowledge(journal, 1'000'000) == AckVerdict::kAboveSent);
  CHECK(acknowledge(journal, 6) == AckVerdict::kAboveSent);
  for (int i = 0; i < 2; ++i) REQUIRE(journal.record(count_draft("SKU-1", 1)));
  const auto status = journal.status().value();
  CHECK(status.acked_through == 0);
  CHECK(status.acked == 0);
  CHECK(status.unacked == 5);
  CHECK(status.unsent == 2);
  CHECK(status.refused_acks == 2);
  CHECK(journal.prune_acked_before(journal.wall_now() + 1).value() == 0);
  CHECK(seqs(journal.pending_from(1, 100).value()) == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7});
  // Exactly what was sent is a genuine hub's ack.
  CHECK(acknowledge(journal, 5) == AckVerdict::kApplied);
  CHECK(journal.status().value().acked_through == 5);
}

TEST_CASE("an ack for another epoch of the device is refused and counted") {
  TempDir dir;
  auto journal = open_new(dir);
  for (int i = 0; i < 3; ++i) REQUIRE(journal.record(count_draft("SKU-1", 1)));
  REQUIRE(journal.mark_sent(3));
  auto other = hub_ack(journal, 2);
  other.epoch = "another-epoch";
  CHECK(journal.acknowledge(other).value() == AckVerdict::kOtherEpoch);
  const auto status = journal.status().value();
  CHECK(status.acked_through == 0);
  CHECK(status.refused_acks == 1);
}

TEST_CASE("an ack whose hub clock is out of range is refused and moves neither skew nor clock") {
  TempDir dir;
  auto journal = open_new(dir);
  for (int i = 0; i < 3; ++i) REQUIRE(journal.record(count_draft("SKU-1", 1)));
  REQUIRE(journal.mark_sent(3));
  // A minute past the bound, not a millisecond: the hub's time is read before the journal's, and on
  // a slow machine (the aarch64 suite under qemu) milliseconds pass in between.
  const std::int64_t beyond = Journal::kMaxHubClockOffsetMs + 60'000;
  CHECK(acknowledge(journal, 2, beyond) == AckVerdict::kClockOutOfRange);
  CHECK(acknowledge(journal, 2, -beyond) == AckVerdict::kClockOutOfRange);
  // A plausible wall time with a stamp 6.7 days ahead.
  auto far_stamp = hub_ack(journal, 2);
  far_stamp.hub_hlc = HlcStamp::from_parts(journal.wall_now() + 578'880'000, 0);
  CHECK(journal.acknowledge(far_stamp).value() == AckVerdict::kClockOutOfRange);
  auto status = journal.status().value();
  CHECK(status.acked_through == 0);
  CHECK(status.skew_ms == 0);
  CHECK(status.refused_acks == 3);
  const auto next = journal.record(count_draft("SKU-1", 1)).value();
  CHECK(next.hlc.wall_ms() <= journal.wall_now());
  // Within the bound, the hub's clock is followed.
  CHECK(acknowledge(journal, 2, Journal::kMaxHubClockOffsetMs - 60'000) == AckVerdict::kApplied);
  CHECK(journal.status().value().skew_ms < -(Journal::kMaxHubClockOffsetMs - 120'000));
  CHECK(journal.record(count_draft("SKU-1", 1)).value().hlc.wall_ms() >
        journal.wall_now() + Journal::kMaxHubClockOffsetMs - 120'000);
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
    REQUIRE(journal.mark_sent(5));
    REQUIRE(acknowledge(journal, 5) == AckVerdict::kApplied);
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

TEST_CASE("a hub holding more than the journal marked sent gets those events again, then its ack is applied") {
  TempDir dir;
  auto journal = open_new(dir);
  for (int i = 0; i < 6; ++i) REQUIRE(journal.record(count_draft("SKU-1", 1)));
  // The hub stored 1..4, but a power cut undid the journal's mark_sent: its answer to the hello
  // is refused, the agent resends from 1, and the hub acks the duplicates again.
  CHECK(acknowledge(journal, 4) == AckVerdict::kAboveSent);
  CHECK(seqs(journal.pending_from(1, 100).value()) == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6});
  REQUIRE(journal.mark_sent(4));
  REQUIRE(acknowledge(journal, 4) == AckVerdict::kApplied);
  CHECK(seqs(journal.pending_from(2, 100).value()) == std::vector<std::uint64_t>{5, 6});
  CHECK(seqs(journal.pending_from(4, 100).value()) == std::vector<std::uint64_t>{5, 6});
  CHECK(states(journal) == std::vector<SyncState>{SyncState::kAcked, SyncState::kAcked, SyncState::kAcked,
                                                  SyncState::kAcked, SyncState::kUnsent, SyncState::kUnsent});
  CHECK(journal.pending_from(2, 100).value().front().seq == 5);
}

TEST_CASE("marking an earlier range sent again never takes later events back to unsent") {
  TempDir dir;
  auto journal = open_new(dir);
  for (int i = 0; i < 6; ++i) REQUIRE(journal.record(count_draft("SKU-1", 1)));
  REQUIRE(journal.mark_sent(5));
  REQUIRE(journal.mark_sent(2));  // a resend from the last ack after a timeout
  CHECK(states(journal) == std::vector<SyncState>{SyncState::kSent, SyncState::kSent, SyncState::kSent,
                                                  SyncState::kSent, SyncState::kSent, SyncState::kUnsent});
  const auto progress = journal.progress().value();
  CHECK(progress.unacked == 5);
  CHECK(progress.unsent == 1);
}

TEST_CASE("pruning deletes old acked events only, never rejected, unacked or unsent ones") {
  TempDir dir;
  auto journal = open_new(dir);
  for (int i = 0; i < 6; ++i) REQUIRE(journal.record(count_draft("SKU-1", 1)));
  REQUIRE(journal.reject({{2, journal.list(2, 1).value().front().event.event_id, "sku", "unknown"}}));
  REQUIRE(journal.mark_sent(5));
  REQUIRE(acknowledge(journal, 3) == AckVerdict::kApplied);
  CHECK(journal.prune_acked_before(journal.wall_now() + 1).value() == 2);
  CHECK(states(journal) ==
        std::vector<SyncState>{SyncState::kRejected, SyncState::kSent, SyncState::kSent, SyncState::kUnsent});
}

TEST_CASE("pruning deletes a prefix and remembers up to where: an old event behind a young one stays") {
  TempDir dir;
  std::int64_t now = 1'795'714'800'000;
  auto opened = Journal::open(dir.path(), std::string("s1"), std::string("d1"), [&] { return now; });
  REQUIRE(opened);
  Journal& journal = *opened;
  CHECK(journal.pruned_through().value() == 0);
  for (const std::int64_t wall : {now, now + 5000, now + 2000, now + 9000}) {
    now = wall;  // the third one after the device's clock stepped back
    REQUIRE(journal.record(count_draft("SKU-1", 1)));
  }
  REQUIRE(journal.mark_sent(4));
  REQUIRE(acknowledge(journal, 3) == AckVerdict::kApplied);
  CHECK(journal.prune_acked_before(now - 6000).value() == 1);  // seq 3 is as old, but behind seq 2
  CHECK(journal.pruned_through().value() == 1);
  CHECK(journal.prune_acked_before(now + 1).value() == 2);  // seq 4 is not acked
  CHECK(journal.pruned_through().value() == 3);
  CHECK(seqs(journal.pending_from(1, 100).value()) == std::vector<std::uint64_t>{4});
}

TEST_CASE("an ack below the watermark from a hub newer than the last ack rewinds it, and what is held is sent again") {
  TempDir dir;
  auto journal = open_new(dir);
  for (int i = 0; i < 6; ++i) REQUIRE(journal.record(count_draft("SKU-1", 1)));
  REQUIRE(journal.mark_sent(6));
  REQUIRE(journal.reject({{5, journal.list(5, 1).value().front().event.event_id, "sku", "unknown"}}));
  REQUIRE(acknowledge(journal, 6) == AckVerdict::kApplied);
  // A late copy of an older ack: refused, as before.
  CHECK(acknowledge(journal, 2, -5000) == AckVerdict::kDecreasing);
  CHECK(journal.status().value().acked_through == 6);
  // The hub, restored from a backup, holds only through 2 and says so with a newer stamp.
  CHECK(acknowledge(journal, 2, 1000) == AckVerdict::kRewound);
  const auto status = journal.status().value();
  CHECK(status.acked_through == 2);
  CHECK(status.refused_acks == 1);
  CHECK(status.rejected == 0);  // the restored hub never rejected seq 5: it judges it again
  CHECK(seqs(journal.pending_from(3, 100).value()) == std::vector<std::uint64_t>{3, 4, 5, 6});
  // Its acks of the resent events apply as usual.
  CHECK(acknowledge(journal, 6, 2000) == AckVerdict::kApplied);
  CHECK(journal.status().value().acked_through == 6);
}

TEST_CASE("a version 2 journal keeps every event's sync state when its per-row states become watermarks") {
  struct Case {
    std::string name;
    std::string seq6_state;  // seq 6: sent, or not yet
    std::string sent_through;
    SyncState seq6;
  };
  for (const Case& old : {Case{"sent above the ack", "1", "6", SyncState::kSent},
                          Case{"nothing sent above the ack", "0", "5", SyncState::kUnsent}}) {
    CAPTURE(old.name);
    TempDir dir;
    // Seqs 1 and 2 were pruned; the hub acked through 5, rejecting 4 and 5 (5 by an agent that
    // kept no reason).
    write_version_2_journal(dir.path(), "5",
                            "(3, 'id-3', 2, NULL), (4, 'id-4', 3, 'qty: too large'), (5, 'id-5', 3, NULL), "
                            "(6, 'id-6', " +
                                old.seq6_state + ", NULL), (7, 'id-7', 0, NULL), (8, 'id-8', 0, NULL)");
    const std::vector<SyncState> expected{SyncState::kAcked, SyncState::kRejected, SyncState::kRejected,
                                          old.seq6,          SyncState::kUnsent,   SyncState::kUnsent};
    for (int open = 1; open <= 2; ++open) {  // the second open finds nothing to migrate
      CAPTURE(open);
      {
        auto journal = Journal::open(dir.path(), std::nullopt, std::nullopt);
        REQUIRE_MESSAGE(journal.has_value(), (journal ? "" : journal.error().describe()));
        CHECK(states(*journal) == expected);
        const auto listed = journal->list(4, 2).value();
        CHECK(listed[0].rejection == "qty: too large");
        CHECK(listed[1].rejection == "rejected by the hub");
        const auto status = journal->status().value();
        CHECK(status.total == 6);
        CHECK(status.acked == 1);
        CHECK(status.rejected == 2);
        CHECK(status.unacked == (old.seq6 == SyncState::kSent ? 1 : 0));
        CHECK(status.unsent == (old.seq6 == SyncState::kSent ? 2 : 3));
        CHECK(status.acked_through == 5);
        CHECK(status.last_seq == 8);
        CHECK(seqs(journal->pending_from(1, 100).value()) == std::vector<std::uint64_t>{6, 7, 8});
      }
      const auto file = dir / Journal::kFileName;
      // Journal schema 2 was the journal's version 1 and the catalog's 1; the journal steps on alone.
      CHECK(raw_column(file, "SELECT component || ' ' || version FROM schema_versions") ==
            std::vector<std::string>{"journal 3"});
      // Migration 5 keeps the newest stamp (hlc = seq in these rows) and starts the counters.
      CHECK(raw_column(file, "SELECT value FROM meta WHERE key = 'newest_hlc'") == std::vector<std::string>{"8"});
      CHECK(raw_column(file, "SELECT value FROM meta WHERE key = 'refused_acks'") == std::vector<std::string>{"0"});
      CHECK(raw_column(file, "SELECT value FROM meta WHERE key = 'sent_through'") ==
            std::vector<std::string>{old.sent_through});
    }
    // The same tables and indexes as a journal made new by this build.
    TempDir fresh;
    open_new(fresh);
    // The catalog's tables are the catalog store's, which migrates them when it opens.
    for (const auto* directory : {&dir, &fresh}) REQUIRE(CatalogStore::open(directory->path()).has_value());
    CHECK(raw_column(dir / Journal::kFileName, "SELECT component || ' ' || version FROM schema_versions") ==
          std::vector<std::string>{"agent_catalog 5", "journal 3"});
    const std::string schema =
        "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master ORDER BY name";
    CHECK(raw_column(dir / Journal::kFileName, schema) == raw_column(fresh / Journal::kFileName, schema));
    CHECK(raw_column(fresh / Journal::kFileName, "SELECT value FROM meta WHERE key = 'sent_through'") ==
          std::vector<std::string>{"0"});
  }
}

TEST_CASE("the clock never runs backwards across a restart with the wall clock set back") {
  TempDir dir;
  std::int64_t now = 1'800'000'000'000;
  HlcStamp before;
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

TEST_CASE("stamps keep increasing across a restart with the wall clock 30 days back, after pruning") {
  TempDir dir;
  std::int64_t now = 1'800'000'000'000;
  HlcStamp before;
  {
    auto journal = Journal::open(dir.path(), std::string("s1"), std::string("d1"), [&] { return now; });
    REQUIRE(journal);
    for (int i = 0; i < 3; ++i) before = journal->record(count_draft("SKU-1", 1))->hlc;
    // Every event acked and pruned: the newest stamp survives in the journal's meta.
    REQUIRE(journal->mark_sent(3));
    REQUIRE(acknowledge(*journal, 3) == AckVerdict::kApplied);
    REQUIRE(journal->prune_acked_before(now + 1).value() == 3);
  }
  now -= 30LL * 24 * 3600 * 1000;
  auto journal = Journal::open(dir.path(), std::nullopt, std::nullopt, [&] { return now; });
  REQUIRE(journal);
  HlcStamp previous = before;
  for (int i = 0; i < 3; ++i) {
    const auto stamp = journal->record(count_draft("SKU-1", 1))->hlc;
    CHECK(stamp > previous);
    previous = stamp;
  }
  // Reopened once more (the stamps above are newest now), and still increasing.
  auto again = Journal::open(dir.path(), std::nullopt, std::nullopt, [&] { return now; });
  REQUIRE(again);
  CHECK(again->record(count_draft("SKU-1", 1))->hlc > previous);
}

TEST_CASE("the hub's ack still reaches a device whose wall clock stepped 30 days back") {
  TempDir dir;
  const std::int64_t hub_now = 1'800'000'000'000;
  std::int64_t now = hub_now;
  {
    auto journal = Journal::open(dir.path(), std::string("s1"), std::string("d1"), [&] { return now; });
    REQUIRE(journal);
    REQUIRE(journal->record(count_draft("SKU-1", 1)));
  }
  now -= 30LL * 24 * 3600 * 1000;
  auto journal = Journal::open(dir.path(), std::nullopt, std::nullopt, [&] { return now; });
  REQUIRE(journal);
  REQUIRE(journal->mark_sent(1));
  const protocol::Ack ack{"d1", journal->identity().epoch, 1, hub_now + 5000, HlcStamp::from_parts(hub_now + 5000, 0)};
  CHECK(journal->acknowledge(ack).value() == AckVerdict::kApplied);
  // The skew shows operators the device's clock is a month behind.
  CHECK(journal->status().value().skew_ms < -29LL * 24 * 3600 * 1000);
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
