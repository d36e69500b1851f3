// The hub's event store: every event a device sent, kept once under (device, epoch, seq), with
// the per-epoch cursors that acks are made from, the devices' last status, and dead letters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"
#include "shared/domain/event.hpp"
#include "shared/protocol/messages.hpp"
#include "shared/storage/connection.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub {

// Where events come from: one journal epoch of one device at one site.
struct Origin {
  std::string site;
  std::string device;
  std::string epoch;
};

// How far one journal epoch has been received.
struct Cursor {
  std::uint64_t acked_through = 0;  // every seq 1..acked_through is stored or dead-lettered
  std::uint64_t events = 0;         // distinct events of this epoch stored
};

enum class Insertion { kNew, kDuplicate };

// One event for EventStore::insert_all(), and the stamp reconciliation orders it by instead of its
// own, when set (LedgerWrite::apply). The event is borrowed for the call.
struct Arrival {
  const Event* event = nullptr;
  std::optional<HlcStamp> reconcile_hlc;
};

// What add_dead_letter() did with a letter.
enum class Lettering {
  kStored,
  kAlreadyStored,  // a letter for the same (device, epoch, seq) was
  // The device's quota is used up: a letter for one event is kept without its payload (its seq
  // must stay covered, or the device's cursor would stop at it), a whole payload only counted.
  kOverQuota,
};

// A message, or one event of it, that the hub refused. `seq` is set only for a single event.
struct DeadLetter {
  std::int64_t id = 0;  // assigned by the store
  std::int64_t received_ms = 0;
  std::string topic;
  Origin origin;  // from the topic; epoch as the payload said, when it could be read
  std::optional<std::uint64_t> seq;
  std::string event_id;
  std::string field;  // dotted path of the offending field, or empty
  std::string reason;
  std::string payload;            // the rejected event's JSON, or the raw payload cut at kMaxStoredPayload
  std::size_t payload_bytes = 0;  // size of what was received, before any cut

  static constexpr std::size_t kMaxStoredPayload = std::size_t{64} * 1024;
  // A device's quota: past either bound, its letters are only counted (Lettering::kOverQuota),
  // so a device that sends garbage cannot fill the hub's disk with it.
  static constexpr std::uint64_t kMaxLettersPerDevice = 1000;
  static constexpr std::uint64_t kMaxBytesPerDevice = std::uint64_t{8} * 1024 * 1024;
};

// A different event sent at a (device, epoch, seq) where one is already stored: the stored one
// stays (it may have been applied and acked), the other is kept here for an operator to review.
// Both events are in their wire form (protocol::encode_event).
struct Conflict {
  std::int64_t id = 0;  // assigned by the store
  Origin origin;
  std::uint64_t seq = 0;
  std::string stored_event;
  std::int64_t stored_received_ms = 0;
  std::string event;
  std::int64_t received_ms = 0;
  std::optional<std::int64_t> reviewed_ms;
  std::string reviewed_by;
};

struct ConflictQuery {
  std::string device;  // empty: every device
  std::int64_t after_id = 0;
  std::size_t limit = 100;
};

struct EpochSummary {
  std::string epoch;
  Cursor cursor;
  std::int64_t first_seen_ms = 0;
  std::int64_t last_seen_ms = 0;
};

// A device's last status message as the hub received it.
struct StatusRecord {
  protocol::Status status;
  std::int64_t received_ms = 0;
};

struct DeviceSummary {
  std::string site;
  std::string device;
  std::int64_t last_seen_ms = 0;
  std::uint64_t dead_letters = 0;          // of every epoch, and payloads refused as a whole
  std::uint64_t dead_letter_overflow = 0;  // letters past its quota, counted but not kept
  std::uint64_t conflicts = 0;             // kept, reviewed or not
  std::uint64_t clock_flagged = 0;         // events whose stamp was too far from their arrival
  std::optional<StatusRecord> status;
  std::vector<EpochSummary> epochs;  // oldest first; the last one is the current journal
};

struct StoredEvent {
  Origin origin;
  Event event;
  std::int64_t received_ms = 0;
  // Where the ledger stored it: SQLite's rowid (on PostgreSQL an identity column of that name),
  // which grows with every insert (events are never deleted, so it is never reused), and so is
  // the order the hub stored them in.
  std::int64_t row = 0;
};

struct EventQuery {
  std::string device;
  std::string epoch;
  std::uint64_t after_seq = 0;
  std::size_t limit = 100;
};

struct DeadLetterQuery {
  std::string device;  // empty: every device
  std::int64_t after_id = 0;
  std::size_t limit = 100;
};

// Prepared statements over a migrated hub database (hub/ledger/schema.hpp), SQLite or
// PostgreSQL. Writes must run inside a transaction the caller holds (Ledger::begin_write), so a
// batch is all or nothing. Every call blocks on the database and returns kIo when it fails (on
// PostgreSQL the caller must then roll back). Not thread-safe; must not outlive the connection
// it was prepared on.
class EventStore {
 public:
  static Result<EventStore> prepare(storage::Connection& database);

  // Stores the event unless (device, epoch, seq) is already stored, in which case it returns
  // kDuplicate and leaves the stored event as it was. kConflict: the event_id is already used
  // by another stored event (nothing is written).
  // `reconcile_hlc`, when set, is the stamp reconciliation orders the event by instead of its own.
  Result<Insertion> insert(const Origin& origin, const Event& event, std::int64_t received_ms,
                           std::optional<HlcStamp> reconcile_hlc = std::nullopt);

  // Stores the events in their order as insert() would one after another, in multi-row
  // statements of at most kRowsPerInsert rows (one round trip each on PostgreSQL), and returns,
  // by index, whether each was stored. An event not stored had its (device, epoch, seq) or its
  // event_id already stored, perhaps by an earlier event of the same call: at() (or events())
  // tells which, as insert()'s kDuplicate and kConflict do. Errors: kIo; on SQLite a statement's
  // rows are written all or none, on PostgreSQL the transaction is ended.
  Result<std::vector<bool>> insert_all(const Origin& origin, std::span<const Arrival> events, std::int64_t received_ms);

  // insert()'s kConflict, for an event whose event_id another stored event has.
  static Error reused_event_id();

  // Rows per multi-row insert: 100 rows are 2,400 parameters, below SQLite's default limit of
  // 32,766 (Debian builds it with 250,000) and PostgreSQL's 65,535.
  static constexpr std::size_t kRowsPerInsert = 100;

  // Stores a dead letter within the quota of letter.origin.device (DeadLetter's bounds). A
  // second letter for the same (device, epoch, seq) is ignored, so a resent batch does not count
  // its bad events twice.
  Result<Lettering> add_dead_letter(const DeadLetter& letter);

  // The stored event at (origin.device, origin.epoch, seq), if any: what a duplicate is compared
  // with.
  Result<std::optional<StoredEvent>> at(const Origin& origin, std::uint64_t seq);

  // Keeps a conflict; returns false when the same one (same seq, same different event) already
  // is, so a resent batch does not count it twice.
  Result<bool> add_conflict(const Conflict& conflict);
  // Conflicts in id order after `after_id`, at most `limit`.
  Result<std::vector<Conflict>> conflicts(const ConflictQuery& query);
  // How many conflicts no operator has reviewed yet.
  Result<std::uint64_t> unreviewed_conflicts();
  // Marks a conflict reviewed; kNotFound for an unknown id. Reviewing one twice keeps the first.
  Result<Conflict> review_conflict(std::int64_t id, const std::string& operator_name, std::int64_t reviewed_ms);

  // Counts `events` more of the device's events as flagged for their clock (LedgerWrite::apply).
  Result<void> flag_clock(const std::string& device, std::uint64_t events);

  // Records that the epoch was seen at `seen_ms` with `new_events` more events stored, moves
  // acked_through up to at least `at_least` (seqs the device can never send again: Hello::
  // pruned_through), then up to the highest contiguous seq stored or dead-lettered, and returns
  // the cursor. Creates the cursor (and the device) on first sight.
  Result<Cursor> advance(const Origin& origin, std::uint64_t new_events, std::int64_t seen_ms,
                         std::uint64_t at_least = 0);

  // Marks the device as seen without naming an epoch (a payload too broken to tell).
  Result<void> touch_device(const std::string& site, const std::string& device, std::int64_t seen_ms);

  // Keeps the device's latest status; `seen_ms` moves its last contact (0: no contact, as for a
  // retained status the broker replays).
  Result<void> record_status(const std::string& site, const protocol::Status& status, std::int64_t received_ms,
                             std::int64_t seen_ms);

  // Reads: every device ordered by site and device; events of one epoch in seq order after
  // `after_seq`; dead letters in id order after `after_id`. At most `limit` rows each.
  Result<std::vector<DeviceSummary>> devices();
  Result<std::vector<StoredEvent>> events(const EventQuery& query);
  Result<std::vector<DeadLetter>> dead_letters(const DeadLetterQuery& query);
  // The events stored after the one at `row`, in the order they were stored, at most `limit`:
  // the reconciler's reading. An event whose stamp was too far from its arrival comes with the
  // stamp it is reconciled at (LedgerWrite::apply) as its hlc and its arrival as its wall_ms;
  // events() and find() give every event as its device sent it.
  Result<std::vector<StoredEvent>> stored_after(std::int64_t row, std::size_t limit);
  // The same into `into`, cleared first: a caller reading slice after slice keeps one buffer,
  // where a new one each time was mapped and unmapped by malloc (the hub maps blocks of 32 KB or
  // more apart, hub/main.cpp) and had every page faulted in again, ~4% of the hub's time while
  // reconciling a backlog.
  Result<void> stored_after(std::int64_t row, std::size_t limit, std::vector<StoredEvent>& into);
  // The stored event with this event_id, if any.
  Result<std::optional<StoredEvent>> find(const std::string& event_id);

 private:
  enum class Sql;
  EventStore(storage::Connection& database, storage::StatementSet<Sql> statements,
             std::optional<storage::Statement> last_written)
      : database_(&database), statements_(std::move(statements)), last_written_(std::move(last_written)) {}
  storage::Statement& statement(Sql which) { return statements_[which]; }
  // The insert of `rows` events, prepared on first use and kept: kRowsPerInsert's for full
  // chunks, and one per power of two below it for a batch's remainder (insert_all).
  Result<storage::Statement*> insert_of(std::size_t rows);
  // Runs an insert_of(rows) whose rows are bound and returns the (seq, event_id) of each row it
  // wrote, or nothing when it wrote all `rows` (the common case, which needs no telling apart).
  // Errors: kIo, from the insert or SQLite's read-back.
  Result<std::optional<std::vector<std::pair<std::uint64_t, std::string>>>> run_insert(storage::Statement& insert,
                                                                                       std::size_t rows);

  storage::Connection* database_;
  storage::StatementSet<Sql> statements_;
  std::map<std::size_t, storage::Statement> inserts_;  // by rows
  // Set on SQLite only (prepare() says why): its inserts count their rows instead of RETURNING
  // them, and this reads back the rows the last one wrote.
  std::optional<storage::Statement> last_written_;
};

}  // namespace recount::hub
