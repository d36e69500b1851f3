// The hub's event store: every event a device sent, kept once under (device, epoch, seq), with
// the per-epoch cursors that acks are made from, the devices' last status, and dead letters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shared/core/result.hpp"
#include "shared/domain/event.hpp"
#include "shared/protocol/messages.hpp"
#include "shared/storage/sqlite.hpp"

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

// A message, or one event of it, that the hub refused. `seq` is set only for a single event.
struct DeadLetter {
  std::int64_t id = 0;  // assigned by the store
  std::int64_t received_ms = 0;
  std::string topic;
  Origin origin;  // from the topic; epoch as the payload said, when it could be read
  std::optional<std::uint64_t> seq;
  std::string event_id;
  std::string field;   // dotted path of the offending field, or empty
  std::string reason;
  std::string payload;  // the rejected event's JSON, or the raw payload cut at kMaxStoredPayload
  std::size_t payload_bytes = 0;  // size of what was received, before any cut

  static constexpr std::size_t kMaxStoredPayload = 64 * 1024;
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
  std::uint64_t dead_letters = 0;      // of every epoch, and payloads refused as a whole
  std::optional<StatusRecord> status;
  std::vector<EpochSummary> epochs;    // oldest first; the last one is the current journal
};

struct StoredEvent {
  Origin origin;
  Event event;
  std::int64_t received_ms = 0;
  // Where the ledger stored it: SQLite's rowid, which grows with every insert (events are never
  // deleted, so it is never reused), and so is the order the hub stored them in.
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

// Prepared statements over a migrated hub database (hub/ledger/schema.hpp). Writes must run
// inside a transaction the caller holds (Ledger::begin_write), so a batch is all or nothing.
// Every call blocks on SQLite and returns kIo when SQLite fails. Not thread-safe; must not
// outlive the Database it was prepared on.
class EventStore {
 public:
  static Result<EventStore> prepare(storage::Database& database);

  // Stores the event unless (device, epoch, seq) is already stored, in which case it returns
  // kDuplicate and leaves the stored event as it was. kConflict: the event_id is already used
  // by another stored event (nothing is written).
  Result<Insertion> insert(const Origin& origin, const Event& event, std::int64_t received_ms);

  // Stores a dead letter. A second letter for the same (device, epoch, seq) is ignored, so a
  // resent batch does not count its bad events twice.
  Result<void> add_dead_letter(const DeadLetter& letter);

  // Records that the epoch was seen at `seen_ms` with `new_events` more events stored, moves
  // acked_through up to the highest contiguous seq stored or dead-lettered, and returns the
  // cursor. Creates the cursor (and the device) on first sight.
  Result<Cursor> advance(const Origin& origin, std::uint64_t new_events, std::int64_t seen_ms);

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
  // The events stored after the one at `row`, in the order they were stored, at most `limit`.
  Result<std::vector<StoredEvent>> stored_after(std::int64_t row, std::size_t limit);
  // The stored event with this event_id, if any.
  Result<std::optional<StoredEvent>> find(const std::string& event_id);

 private:
  enum class Sql;
  explicit EventStore(std::vector<storage::Statement> statements) : statements_(std::move(statements)) {}
  storage::Statement& statement(Sql which);

  std::vector<storage::Statement> statements_;  // indexed by Sql
};

}  // namespace recount::hub
