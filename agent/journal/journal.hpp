// The device's durable journal (DESIGN §4): every event is committed to SQLite with
// synchronous=FULL before anyone is told it happened, and the journal is the sync outbox.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"
#include "shared/domain/event.hpp"
#include "shared/protocol/messages.hpp"
#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::agent {

// Where an event stands in the sync: not yet published, published and waiting for the hub's
// ack, durably stored by the hub, or refused by the hub (dead-lettered there, never resent).
// Only a rejection is stored with the event. The rest follows from two watermarks, because events
// are published in seq order and the hub acks cumulatively: seq ≤ acked_through is acked, else
// seq ≤ sent_through is sent, else unsent. A batch then costs one meta write, not a row rewrite
// (and index update) per event.
enum class SyncState { kUnsent = 0, kSent = 1, kAcked = 2, kRejected = 3 };
std::string_view to_string(SyncState state);

struct JournalIdentity {
  std::string site;
  std::string device;
  std::string epoch;  // made when the journal file is created; a new file is a new epoch
};

struct JournalEntry {
  Event event;
  SyncState state = SyncState::kUnsent;
  std::string rejection;  // the hub's reason, for kRejected
};

// What the journal made of a hub's ack (DESIGN §9: defence in depth for a misconfigured broker,
// where anyone may publish on the device's ack topic). Only kApplied changed anything; every
// other verdict was counted as a refused ack.
enum class AckVerdict {
  kApplied,          // the watermark moved (or stayed, for a repeat), skew and clock follow the hub
  kOtherEpoch,       // for another journal of this device
  kDecreasing,       // below the acked watermark, and no newer than the last applied ack (a late one)
  kRewound,          // below the acked watermark from a hub newer than the last ack: restored from a
                     // backup, it holds less than it acked; the watermark went down to it
  kAboveSent,        // above what this journal has sent: no hub can hold those events
  kClockOutOfRange,  // the hub's wall time or HLC is more than kMaxHubClockOffsetMs from ours
};
std::string_view to_string(AckVerdict verdict);

// Messages from the hub that the agent refused, counted in the journal (shown by `status`).
enum class Refusal { kAck, kCatalog, kTaskList };

// Where the sync stands: what is still to reach the hub and what it said last.
struct SyncProgress {
  std::uint64_t unsent = 0;
  std::uint64_t unacked = 0;        // sent, waiting for the hub's ack
  std::uint64_t acked_through = 0;  // the hub's cumulative ack for this epoch
  std::int64_t last_ack_ms = 0;     // local wall time when the last ack arrived (0: never)
  std::int64_t skew_ms = 0;         // local wall clock minus the hub's, at the last ack

  std::uint64_t backlog() const { return unsent + unacked; }
};

// The progress and counts over the whole journal.
struct JournalStatus : SyncProgress {
  JournalIdentity identity;
  std::uint64_t total = 0;
  std::uint64_t acked = 0;
  std::uint64_t rejected = 0;
  std::uint64_t last_seq = 0;
  std::uint64_t refused_acks = 0;
  std::uint64_t refused_catalogs = 0;    // unsigned or badly signed
  std::uint64_t refused_task_lists = 0;  // unsigned or badly signed
};

// The journal of one data directory (DIR/journal.db). One Journal per process; several processes
// (the scan UI, `record`, the sync daemon) may each hold one on the same directory, and SQLite's
// locking serialises their writes. Not thread-safe within a process.
class Journal {
 public:
  static constexpr const char* kFileName = "journal.db";
  static constexpr std::int32_t kApplicationId = 0x52434a4e;  // "RCJN" in the SQLite header
  // How far an ack's clock (hub_wall_ms, and hub_hlc ahead) may be from this device's clock,
  // read as the later of its wall time and its newest stamp (so a device whose wall clock stepped
  // back still follows its hub). The same day an observed stamp may lead the wall clock.
  static constexpr std::int64_t kMaxHubClockOffsetMs = HybridLogicalClock::kMaxForwardMs;

  // Opens DIR/journal.db, creating it (and DIR) on first use, when `site` and `device` must be
  // given; later they may be omitted but must match what is stored. Errors:
  //   kInvalidInput  site/device missing on first use, or not valid identifiers;
  //   kConflict      a site/device different from the stored one;
  //   kCorrupt       the file fails SQLite's quick_check, is empty, or is not a recount journal;
  //                  the file is never modified, and the error says how to recover;
  //   kIo            the directory or file cannot be created or read.
  static Result<Journal> open(const std::filesystem::path& directory, const std::optional<std::string>& site,
                              const std::optional<std::string>& device, WallClock wall = system_wall_clock());

  const JournalIdentity& identity() const { return identity_; }
  // DIR/journal.db.
  const std::filesystem::path& file() const { return database_.path(); }

  // Fills in seq, event_id, wall_ms and hlc (any values in `draft` are replaced), validates the
  // event, and commits it. When this returns the event is on stable storage and the journal's
  // bell has rung (journal_bell.hpp), so a running sync sends it at once. Errors: the
  // validation error naming the field; kIo when the commit failed (nothing was stored).
  Result<Event> record(Event draft);
  // Records several events in one transaction: all are stored, or (on any invalid event) none.
  Result<std::vector<Event>> record_all(std::vector<Event> drafts);
  // What must change in another table of journal.db together with the events being recorded
  // (agent/workflow/held_scans.hpp: the held scan an event reports or applies). It runs on the
  // journal's connection inside record_all's transaction, after the events were inserted, with
  // them as stored; an error it returns rolls everything back and is record_all's error.
  using Alongside = std::function<Result<void>(storage::Database&, const std::vector<Event>&)>;
  Result<std::vector<Event>> record_all(std::vector<Event> drafts, const Alongside& alongside);

  // Events with seq ≥ `from` that are not acked or rejected, in seq order, at most `limit`.
  // Stops at the first seq that does not follow its predecessor, so a batch is consecutive.
  Result<std::vector<Event>> pending_from(std::uint64_t from, std::size_t limit);
  // Sync bookkeeping: mark_sent and acknowledge commit with synchronous=NORMAL (no fsync; a power
  // cut may undo the last of them, which makes the agent resend what the hub then acks again as
  // duplicates). Everything else, recording above all, commits with synchronous=FULL.
  //
  // Records that every event through `last_seq` has been published: raises the sent_through
  // watermark, never lowers it (a resend from the last ack changes nothing). One meta write.
  Result<void> mark_sent(std::uint64_t last_seq);

  // Applies the hub's cumulative ack if it passes the checks, in this order: the journal's epoch;
  // not below acked_through; not above sent_through (a hub that really holds more, because a
  // power cut undid our last mark_sent, gets those events again and acks them again); its clock
  // within kMaxHubClockOffsetMs. Applied, it raises acked_through, so every event with
  // seq ≤ acked_through that is not rejected counts as acked, and its hub_wall_ms and hub_hlc give
  // the skew and keep our clock after the hub's (by at most a day, HybridLogicalClock::observe).
  // Refused, nothing changes but the refused-acks counter. Errors: kIo from the store only.
  //
  // An ack below acked_through whose hub_hlc is newer than the last applied ack's (and whose
  // clock is in range) is kRewound: the hub went back in time (restored from a backup) and holds
  // only that much. acked_through goes down to it and the rejections above it are cleared, so
  // pending_from yields again every event the journal still holds above it, in seq order, for the
  // hub to store (or reject) again; an ack lower but older than the last is a late copy (kDecreasing).
  // Lowering the watermark never loses anything: it only resends, and prunes later. Events that
  // retention pruned cannot be resent: hello's pruned_through tells the hub (pruned_through()).
  Result<AckVerdict> acknowledge(const protocol::Ack& ack);
  // Adds one to the counter of `what` (JournalStatus::refused_*).
  Result<void> count_refusal(Refusal what);
  // Marks the hub's rejected events, keeping its reasons for operators.
  Result<void> reject(const std::vector<protocol::NackEntry>& entries);

  // Cheap enough for a status line every second: reads the watermarks and counts the events
  // above acked_through, the backlog (a range of the primary key).
  Result<SyncProgress> progress();
  // The progress and the counts over the whole journal: reads every acked event still kept
  // (O(journal size)), for the `status` command rather than for polling.
  Result<JournalStatus> status();
  std::uint64_t last_seq();
  // Events with seq ≥ from, at most limit, in seq order, with their sync state.
  Result<std::vector<JournalEntry>> list(std::uint64_t from, std::size_t limit);

  // Deletes acked events whose wall time is older than `cutoff_ms`, as a prefix: from the oldest
  // seq up to the first event that is not acked or not that old (a device whose clock stepped
  // back keeps the acked events behind it a little longer). Returns how many. Unsent, unacked and
  // rejected events are never deleted. Seqs are never reused afterwards.
  Result<std::uint64_t> prune_acked_before(std::int64_t cutoff_ms);
  // The highest seq retention deleted (0: none): the journal holds no other event at or below it
  // than rejected ones, so a hub that lost them (restored from an older backup) cannot have them
  // again. Sent in every hello.
  Result<std::uint64_t> pruned_through();

  std::int64_t wall_now() const { return wall_(); }

 private:
  enum class Query;
  Journal(storage::Database database, storage::StatementSet<Query> statements, JournalIdentity identity,
          WallClock wall);
  Result<std::string> read_meta(const std::string& key);
  Result<void> write_meta(const std::string& key, const std::string& value);
  Result<std::int64_t> read_number(const std::string& key);
  // The same, 0 for a key the journal does not hold yet (kept since a later version).
  Result<std::int64_t> read_number_or_zero(const std::string& key);
  // Sets the meta number `key` to `value` if that is larger: a watermark only moves forward.
  Result<void> raise_watermark(const std::string& key, std::uint64_t value);
  struct Watermarks {
    std::uint64_t acked_through = 0;
    std::uint64_t sent_through = 0;
  };
  Result<Watermarks> watermarks();
  Result<Event> insert(Event draft, std::uint64_t seq);
  Result<AckVerdict> judge(const protocol::Ack& ack);

  // The statements a scan's commit, the sync loop and status lines run again and again (kSql in
  // journal.cpp), compiled when the journal opens and kept: compiling one costs as much as running it.
  storage::Statement& statement(Query which) { return statements_[which]; }

  storage::Database database_;
  // Declared after database_: finalized first.
  storage::StatementSet<Query> statements_;
  JournalIdentity identity_;
  WallClock wall_;
  std::unique_ptr<HybridLogicalClock> clock_;  // boxed: the clock holds a mutex, the Journal moves
};

}  // namespace recount::agent
