// The hub's ledger: one database (a SQLite file, or a PostgreSQL database) holding the event store
// and the audit log, and the write transactions that change both together, so every change is
// audited in the commit that makes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/ledger/audit_log.hpp"
#include "hub/ledger/event_digest.hpp"
#include "hub/ledger/event_store.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"
#include "shared/protocol/messages.hpp"
#include "shared/storage/background_check.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub {

// How far from its arrival an event's HLC stamp may be before the hub stops trusting it for the
// order of movements (recount-hub --max-clock-ahead/--max-clock-behind). A flagged event is
// stored with its stamp as sent, and reconciled at HlcStamp::from_parts(received_ms, 0): a device
// whose clock runs a year ahead would otherwise order a year of other devices' movements before
// its own. The logical part is the event's place in its batch, so flagged events keep their
// device's order among themselves.
struct ClockBounds {
  std::int64_t max_ahead_ms = 3'600'000;           // 1 hour
  std::int64_t max_behind_ms = 60LL * 86'400'000;  // 60 days

  // The stamp to reconcile `event`, the `place`-th of its batch, at when its own is out of
  // bounds of `received_ms`; nullopt when it is within them.
  std::optional<HlcStamp> reconcile_stamp(const Event& event, std::int64_t received_ms, std::size_t place) const;
};

// One events message, decoded and checked against its topic.
struct IncomingBatch {
  std::string topic;
  Origin origin;
  std::vector<Event> events;         // the valid events, in seq order
  std::vector<DeadLetter> rejected;  // the events the decoder refused, each with its seq
  std::uint64_t first_seq = 0;       // the range the payload covered, valid and rejected alike
  std::uint64_t last_seq = 0;
  std::int64_t received_ms = 0;
  ClockBounds clock;
};

struct BatchOutcome {
  Cursor cursor;  // after the batch: what the ack states
  std::size_t stored = 0;
  std::vector<std::size_t> new_events;   // indices in batch.events of the events stored as new
  std::size_t duplicates = 0;            // the same event again at a stored seq
  std::size_t conflicts = 0;             // a different event at a stored seq, kept as a Conflict
  std::size_t clock_flagged = 0;         // new events reconciled at their arrival (ClockBounds)
  std::size_t dead_letter_overflow = 0;  // letters past the device's quota (Lettering::kOverQuota)
  // The decoder's, the ledger's (reused event_id) and the conflicts.
  std::vector<protocol::NackEntry> rejected;
};

class Ledger;

// A write transaction that holds the ledger's write lock from its start to its end (SQLite: BEGIN
// IMMEDIATE; PostgreSQL: BEGIN and a transaction-level advisory lock), so the writes of several
// hubs on one database run one at a time, each seeing the others' commits. Destroying it without commit()
// rolls everything back. When a call returns an error, drop the write: on PostgreSQL the error has
// ended the transaction already (every later call and commit() fail with kIo), and on SQLite,
// which undoes only the failed statement, what the call did before it would otherwise commit.
// Dropped, nothing of the write is stored, on either engine. Not thread-safe; the Ledger must
// outlive it, and one Ledger has at most one at a time.
class LedgerWrite {
 public:
  LedgerWrite(LedgerWrite&&) noexcept = default;
  LedgerWrite& operator=(LedgerWrite&&) = delete;
  ~LedgerWrite() = default;

  // Stores the batch's new events, stamped for reconciliation as batch.clock says; an event at a
  // (device, epoch, seq) already stored is compared with the stored one, field by field as sent:
  // the same is a duplicate (counted, skipped), a different one a conflict (kept, counted,
  // nacked; the stored one stays). Dead-letters the rejected events and any event whose event_id
  // another stored event already has, moves the epoch's cursor, and audits the batch in one
  // "sync.batch" entry with counts and the digest of the events it stored
  // (hub/ledger/event_digest.hpp). Only duplicates cost a read of the stored event.
  Result<BatchOutcome> apply(const IncomingBatch& batch);

  // Dead-letters a payload refused as a whole (letter.seq empty) and audits it as
  // "sync.payload_rejected", unless the device's quota is used up: then it is only counted, and
  // not audited either (nothing was kept). The device in letter.origin, when known, is marked as
  // seen.
  Result<Lettering> reject(const DeadLetter& letter);

  // Records a hello (audited as "sync.hello") and returns the cursor of its epoch, which is all
  // zeros for an epoch the hub has never seen.
  Result<Cursor> hello(const std::string& topic, const protocol::Hello& hello, std::int64_t received_ms);

  // Stores an event the hub made (a reconciliation adjustment) at `site` under the hub's own
  // origin: device kHubDevice, the hub's epoch, and that epoch's next seq (one sequence for every
  // site, as a device's journal has). Returns the event as stored, with its seq. kConflict: its
  // event_id is already used. The events the hub makes are audited together in one "hub.events"
  // entry with their digest, appended before the next entry or event of this transaction, or at
  // commit(): so every stored event is recorded by an entry, in the order the events were stored.
  Result<Event> record_hub_event(const std::string& site, Event event, std::int64_t made_ms);

  // Keeps the device's latest status. `received_ms` counts as contact only for a live message:
  // a retained one is the broker replaying the past.
  enum class Freshness { kLive, kRetained };
  Result<void> status(const std::string& site, const protocol::Status& status, std::int64_t received_ms,
                      Freshness freshness);

  // COMMIT with synchronous=FULL (SQLite) or synchronous_commit on (PostgreSQL): everything above
  // is on stable storage when this returns, which is what makes an ack sent afterwards true.
  // Errors: kIo (on PostgreSQL also a lost connection, after which the commit's outcome is unknown:
  // the caller acks nothing, and the device's resend is deduplicated), kStorageFull.
  Result<void> commit();

  // The event store, to read what this transaction and earlier ones stored.
  EventStore& events();

  // Appends an audit entry in this transaction (the reconciler's notes, say); detail is JSON.
  Result<void> audit(std::string kind, std::string subject, std::string detail);

  // The ledger's connection, for a store that writes tables of its own (the catalog's,
  // hub/catalog/catalog_store.hpp): what it writes through it commits or rolls back with this
  // transaction and its audit entries.
  storage::Connection& database();

 private:
  friend class Ledger;
  // The events stored at the seqs of the batch's events that insert_all() skipped (`stored`, by
  // index), by seq: a skipped event whose seq has none reused a stored event_id.
  Result<std::map<std::uint64_t, StoredEvent>> stored_at_skipped_seqs(const IncomingBatch& batch,
                                                                      const std::vector<bool>& stored);
  // For an event whose seq is already stored: whether it differs from `stored`, the event there,
  // in which case it is kept as a Conflict.
  Result<bool> conflict_with_stored(const IncomingBatch& batch, const Event& event, const StoredEvent& stored);

  LedgerWrite(Ledger& ledger, storage::Transaction transaction)
      : ledger_(&ledger), transaction_(std::move(transaction)) {}
  // Appends the "hub.events" entry of the hub's events stored since the last one, if any.
  Result<void> audit_hub_events();

  Ledger* ledger_;
  storage::Transaction transaction_;
  EventDigester hub_events_;  // of the hub's events not yet audited
  std::uint64_t first_hub_seq_ = 0;
  std::uint64_t last_hub_seq_ = 0;
};

// Owns the hub database: a SQLite file (open()) or a PostgreSQL database (connect()). What only a
// SQLite file has (its integrity check, clean closes, page cache, backups through sqlite()) is
// SQLite's alone; the events, the audit log and the write transactions behave the same on both.
// Not thread-safe: use it from one thread (the hub's io_context).
class Ledger {
 public:
  // Marks a hub database in the SQLite header (PRAGMA application_id), so no other program's
  // database (an agent's journal, say) is ever taken for one and written to.
  static constexpr std::int32_t kApplicationId = 0x52434842;  // "RCHB"
  // The device name of the events the hub makes itself (LedgerWrite::record_hub_event).
  static constexpr std::string_view kHubDevice = "hub";

  // The database file of a hub data directory (recount-hub --data, recountctl --data).
  static std::filesystem::path file_in(const std::filesystem::path& data_dir) { return data_dir / "hub.db"; }

  // Opens or creates the database file and migrates it; `check` says when the integrity check
  // runs (storage::StartCheck: by default only when the previous close was not close_cleanly()).
  // Errors: kCorrupt when the file is not a SQLite database, fails its integrity check or belongs
  // to another application, kUnsupportedVersion when a newer hub wrote it (all name the file, which
  // is left untouched), kIo when it cannot be opened or written.
  static Result<Ledger> open(const std::filesystem::path& file, WallClock wall = system_wall_clock(),
                             storage::StartCheck check = storage::StartCheck::kAfterUncleanClose);

  // Connects to a PostgreSQL database (`url` as storage::PostgresConnection::open takes it) and
  // creates or checks the ledger's tables there (hub/ledger/schema.hpp). Errors: kUnavailable when
  // the server cannot be reached or refuses the login, kInvalidInput for a malformed URL,
  // kUnsupportedVersion when a newer hub made the tables, kIo when the server refuses a statement.
  // Messages name the database without its password. Blocks on the server.
  static Result<Ledger> connect(const std::string& url, WallClock wall = system_wall_clock());

  // The ledger of a hub (recount-hub and recountctl --data DIR [--ledger URL]): the PostgreSQL
  // database at `url` (connect()) when it is not empty, else the file hub.db in `data_dir`
  // (open(), with `check`). The data directory holds the hub's other files either way. Errors: as
  // open() or connect().
  static Result<Ledger> open_hub(const std::filesystem::path& data_dir, const std::string& url,
                                 WallClock wall = system_wall_clock(),
                                 storage::StartCheck check = storage::StartCheck::kAfterUncleanClose);

  // Closes the ledger at the end of an orderly stop so the next open may skip the integrity check
  // (storage::Database::close_cleanly). Everything that prepared statements on database() must
  // be destroyed first. Errors: as close_cleanly, and kIo when the file awaits its integrity check
  // (integrity_unverified(): a background check cancelled here, or one that failed), which the next
  // start must then run: the ledger is closed without a clean close. Closed either way. Blocks.
  // On PostgreSQL it only closes the connection: the server keeps its own files.
  static Result<void> close_cleanly(Ledger ledger);

  // Whether the file has not been checked since its last unclean close: opened with
  // StartCheck::kInBackground after one, and no background check has passed yet. Never on
  // PostgreSQL.
  bool integrity_unverified() const;

  // Starts SQLite's integrity check of the file on a thread and a read-only connection of its own
  // (storage::BackgroundCheck), while this ledger serves. `finished` runs on that thread, once,
  // with the verdict (storage::BackgroundCheck::Finished); from the moment the check fails, before
  // `finished` runs, damaged() is true. Call at most once, on the ledger's thread. The check stops
  // when the ledger closes or is destroyed. On PostgreSQL there is no file to check: nothing
  // starts and `finished` never runs.
  void check_in_background(storage::BackgroundCheck::Finished finished);

  // Whether the background check found the file damaged or could not read it. From then on
  // begin_write() refuses (kCorrupt) and nothing may tell a device that a commit is durable (Ingest
  // withholds its acks). Thread-safe.
  bool damaged() const;

  Ledger(Ledger&&) noexcept = default;
  Ledger& operator=(Ledger&&) noexcept = default;

  // Starts a write transaction; kIo if the engine cannot (e.g. another process holds SQLite's
  // write lock past the busy timeout, or the PostgreSQL server is gone), kCorrupt once damaged().
  // Blocks, on PostgreSQL for as long as another hub's write on the database holds the lock.
  Result<LedgerWrite> begin_write();

  // From now on every write transaction runs `begun` first, once it holds the ledger's lock: how
  // a hub among several on one database (hub/cluster/membership.hpp) learns that another wrote
  // since it last did. An error from it fails begin_write() (the transaction rolls back).
  // Replaces an earlier one.
  using WriteBegun = std::function<Result<void>()>;
  void on_write_begun(WriteBegun begun) { write_begun_ = std::move(begun); }

  // For reads (stats, listings, verification). Writes go through begin_write().
  EventStore& events() { return events_; }
  AuditLog& audit() { return audit_; }
  // The connection itself, for the reconciler (hub/reconcile/reconciler.hpp), whose writes must
  // run inside a LedgerWrite so that they commit with it.
  storage::Connection& database() { return *connection_; }
  // The SQLite file's connection, for what only SQLite has (its open-time check, backups, ATTACH);
  // nullptr on PostgreSQL.
  storage::Database* sqlite();

  // The SQLite file; empty on PostgreSQL.
  std::filesystem::path path() const;

  // Opens a connection of its own to this ledger, for reading on another thread while this one
  // writes (the catalog publisher's reading): the SQLite file read-only
  // (storage::Database::open_reader), or a session of its own with the PostgreSQL server. The
  // function may be copied to and called on any thread; the connection is then that thread's, and
  // must be closed before close_cleanly(). Its reads see what has been committed, never what a
  // write of this ledger has under way.
  using Opener = std::function<Result<std::unique_ptr<storage::Connection>>()>;
  Opener reader() const;
  // What the ledger is stored in, for messages: the file, or the PostgreSQL URL without its
  // password.
  std::string name() const { return connection_->name(); }
  // The hub's journal epoch, chosen when the database was created and kept for good.
  const std::string& hub_epoch() const { return hub_epoch_; }

 private:
  friend class LedgerWrite;
  Ledger(std::unique_ptr<storage::Connection> connection, EventStore events, AuditLog audit, WallClock wall,
         std::string hub_epoch)
      : connection_(std::move(connection)),
        events_(std::move(events)),
        audit_(std::move(audit)),
        wall_(std::move(wall)),
        hub_epoch_(std::move(hub_epoch)) {}

  // Declared first: the statements below must be finalized before it closes. On the heap, so
  // that they keep pointing at it when the Ledger moves.
  std::unique_ptr<storage::Connection> connection_;
  EventStore events_;
  AuditLog audit_;
  WallClock wall_;
  std::string hub_epoch_;
  std::string url_;               // the PostgreSQL server's, password included, for reader(); empty on SQLite
  bool verified_at_open_ = true;  // checked at open, or closed cleanly before
  WriteBegun write_begun_;
  // Opens the stores on a connection (a SQLite file already set up, or a PostgreSQL database):
  // migrates the ledger's tables and reads the hub's epoch.
  static Result<Ledger> open_on(std::unique_ptr<storage::Connection> connection, WallClock wall);

  // Declared last: destroyed first, so its thread stops before anything else goes.
  std::unique_ptr<storage::BackgroundCheck> check_;
};

}  // namespace recount::hub
