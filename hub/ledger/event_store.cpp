// Event store: SQL over the tables of hub/ledger/schema.cpp, written once for SQLite and PostgreSQL.
#include "hub/ledger/event_store.hpp"

#include <algorithm>
#include <bit>
#include <iterator>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/storage/event_columns.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub {

enum class EventStore::Sql {
  kInsertDeadLetter,
  kReadCursor,
  kCoveredAfter,
  kWriteCursor,
  kTouchDevice,
  kWriteStatus,
  kListDevices,
  kListCursors,
  kListEvents,
  kFindEvent,
  kStoredAfter,
  kListDeadLetters,
  kReadQuota,
  kAddToQuota,
  kFindAt,
  kInsertConflict,
  kListConflicts,
  kFindConflict,
  kCountUnreviewed,
  kReviewConflict,
  kFlagClock,
  kCountAt,
  kCount,
};

namespace {

// A stored event as read_event() reads it.
const std::string kStoredEvent = "SELECT site, device, epoch, seq, event_id, type, " +
                                 std::string(storage::kEventDetailColumns) +
                                 ", wall_ms, hlc, received_ms, rowid FROM events";
// The same, as reconciliation takes it: at its arrival when its own stamp was set aside.
const std::string kReconciledEvent =
    "SELECT site, device, epoch, seq, event_id, type, " + std::string(storage::kEventDetailColumns) +
    ", CASE WHEN reconcile_hlc IS NULL THEN wall_ms ELSE received_ms END, coalesce(reconcile_hlc, hlc),"
    " received_ms, rowid FROM events";

// The later of two times, in SQL both engines read (SQLite's two-argument max() is PostgreSQL's
// greatest()). Table-qualified: in ON CONFLICT DO UPDATE, PostgreSQL finds a bare column ambiguous.
std::string later(std::string_view stored, std::string_view proposed) {
  return "CASE WHEN " + std::string(stored) + " > " + std::string(proposed) + " THEN " + std::string(stored) +
         " ELSE " + std::string(proposed) + " END";
}

const std::string kConflictColumns =
    "SELECT id, site, device, epoch, seq, stored_event, stored_received_ms, event, received_ms, reviewed_ms,"
    " reviewed_by FROM conflicts";

// Parameters of one row of insert_sql(); bind_row() binds them.
constexpr int kInsertParameters = 10 + storage::kEventDetailCount;

// Inserts `rows` events, skipping each whose (device, epoch, seq) or event_id is stored (a failing
// statement would end the whole transaction on PostgreSQL); with `returning`, returns the
// (seq, event_id) of each row written, and insert_all() tells the others apart. Rows are written
// in the order of VALUES, so rowid keeps the batch's order.
std::string insert_sql(std::size_t rows, bool returning) {
  std::string sql = "INSERT INTO events (device, epoch, seq, event_id, type, site, " +
                    std::string(storage::kEventDetailColumns) + ", wall_ms, hlc, received_ms, reconcile_hlc) VALUES ";
  int parameter = 0;
  for (std::size_t row = 0; row < rows; ++row) {
    sql += row == 0 ? "(" : ", (";
    for (int column = 0; column < kInsertParameters; ++column) {
      sql += (column == 0 ? "?" : ", ?") + std::to_string(++parameter);
    }
    sql += ')';
  }
  sql += " ON CONFLICT DO NOTHING";
  return returning ? sql + " RETURNING seq, event_id" : sql;
}

// SQLite's (EventStore::prepare() says why): the keys of the `?1` rows the connection's last
// insert wrote. Without a rowid given, SQLite gives a new row the rowid after the largest (events
// has no AUTOINCREMENT and is append-only), and a row ON CONFLICT skipped takes none, so the rows
// one statement wrote are the last `?1` rowids, ending at last_insert_rowid().
constexpr std::string_view kLastWritten =
    "SELECT seq, event_id FROM events WHERE rowid > last_insert_rowid() - ?1 AND rowid <= last_insert_rowid()";

// Indexed by EventStore::Sql.
const std::string kSql[] = {
    // kInsertDeadLetter
    "INSERT INTO dead_letters (received_ms, topic, site, device, epoch, seq, event_id, field, reason, payload,"
    " payload_bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    " ON CONFLICT (device, epoch, seq) WHERE seq IS NOT NULL DO NOTHING",
    // kReadCursor
    "SELECT acked_through, events FROM cursors WHERE device = ?1 AND epoch = ?2",
    // kCoveredAfter: every seq above ?3 that is stored or dead-lettered, ascending. SQLite
    // merges the two index scans lazily, so walking it stops at the first gap.
    "SELECT seq FROM events WHERE device = ?1 AND epoch = ?2 AND seq > ?3"
    " UNION SELECT seq FROM dead_letters WHERE device = ?1 AND epoch = ?2 AND seq > ?3 ORDER BY seq",
    // kWriteCursor
    "INSERT INTO cursors (device, epoch, site, acked_through, events, first_seen_ms, last_seen_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (device, epoch) DO UPDATE SET"
    " acked_through = excluded.acked_through, events = excluded.events,"
    " last_seen_ms = " +
        later("cursors.last_seen_ms", "excluded.last_seen_ms"),
    // kTouchDevice
    "INSERT INTO devices (device, site, last_seen_ms) VALUES (?1, ?2, ?3) ON CONFLICT (device) DO UPDATE SET"
    " site = excluded.site, last_seen_ms = " +
        later("devices.last_seen_ms", "excluded.last_seen_ms"),
    // kWriteStatus
    "INSERT INTO devices (device, site, last_seen_ms, status_state, status_backlog, status_acked_through,"
    " status_skew_ms, status_wall_ms, status_received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    " ON CONFLICT (device) DO UPDATE SET site = excluded.site,"
    " last_seen_ms = " +
        later("devices.last_seen_ms", "excluded.last_seen_ms") +
        ", status_state = excluded.status_state,"
        " status_backlog = excluded.status_backlog, status_acked_through = excluded.status_acked_through,"
        " status_skew_ms = excluded.status_skew_ms, status_wall_ms = excluded.status_wall_ms,"
        " status_received_ms = excluded.status_received_ms",
    // kListDevices
    "SELECT device, site, last_seen_ms, status_state, status_backlog, status_acked_through, status_skew_ms,"
    " status_wall_ms, status_received_ms,"
    " (SELECT COUNT(*) FROM dead_letters WHERE dead_letters.device = devices.device),"
    " coalesce((SELECT overflow FROM dead_letter_quota WHERE dead_letter_quota.device = devices.device), 0),"
    " (SELECT COUNT(*) FROM conflicts WHERE conflicts.device = devices.device), clock_flagged"
    " FROM devices ORDER BY site, device",
    // kListCursors
    "SELECT device, epoch, acked_through, events, first_seen_ms, last_seen_ms FROM cursors"
    " ORDER BY device, first_seen_ms, epoch",
    // kListEvents
    kStoredEvent + " WHERE device = ?1 AND epoch = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4",
    // kFindEvent: through the UNIQUE index on event_id.
    kStoredEvent + " WHERE event_id = ?1",
    // kStoredAfter: a range of the rowid, the order of storage.
    kReconciledEvent + " WHERE rowid > ?1 ORDER BY rowid LIMIT ?2",
    // kListDeadLetters
    "SELECT id, received_ms, topic, site, device, epoch, seq, event_id, field, reason, payload, payload_bytes"
    " FROM dead_letters WHERE (device = ?1 OR ?1 = '') AND id > ?2 ORDER BY id LIMIT ?3",
    // kReadQuota
    "SELECT letters, bytes FROM dead_letter_quota WHERE device = ?1",
    // kAddToQuota
    "INSERT INTO dead_letter_quota (device, letters, bytes, overflow) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (device) DO UPDATE SET letters = dead_letter_quota.letters + excluded.letters,"
    " bytes = dead_letter_quota.bytes + excluded.bytes, overflow = dead_letter_quota.overflow + excluded.overflow",
    // kFindAt: through the primary key.
    kStoredEvent + " WHERE device = ?1 AND epoch = ?2 AND seq = ?3",
    // kInsertConflict
    "INSERT INTO conflicts (site, device, epoch, seq, stored_event, stored_received_ms, event, received_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (device, epoch, seq, event) DO NOTHING",
    // kListConflicts
    kConflictColumns + " WHERE (device = ?1 OR ?1 = '') AND id > ?2 ORDER BY id LIMIT ?3",
    // kFindConflict
    kConflictColumns + " WHERE id = ?1",
    // kCountUnreviewed: through the partial index.
    "SELECT COUNT(*) FROM conflicts WHERE reviewed_ms IS NULL",
    // kReviewConflict
    "UPDATE conflicts SET reviewed_ms = ?2, reviewed_by = ?3 WHERE id = ?1 AND reviewed_ms IS NULL",
    // kFlagClock: advance() has written the device's row.
    "UPDATE devices SET clock_flagged = clock_flagged + ?2 WHERE device = ?1",
    // kCountAt: through the primary key.
    "SELECT COUNT(*) FROM events WHERE device = ?1 AND epoch = ?2 AND seq = ?3",
};

// SQLite integers are signed 64-bit; seqs, counts and HLC stamps stay far below 2^63.
std::int64_t as_sql(std::uint64_t value) { return static_cast<std::int64_t>(value); }
std::uint64_t as_count(std::int64_t value) { return static_cast<std::uint64_t>(value); }

std::string_view state_name(protocol::DeviceState state) {
  return state == protocol::DeviceState::kOnline ? "online" : "offline";
}

// Row readers for the listing statements, column by column as their SELECTs name them.

Result<DeviceSummary> read_device(const storage::Statement& row) {
  DeviceSummary device{row.column_text(1),
                       row.column_text(0),
                       row.column_int(2),
                       as_count(row.column_int(9)),
                       as_count(row.column_int(10)),
                       as_count(row.column_int(11)),
                       as_count(row.column_int(12)),
                       std::nullopt,
                       {}};
  if (row.column_is_null(3)) return device;
  const std::string state = row.column_text(3);
  if (state != state_name(protocol::DeviceState::kOnline) && state != state_name(protocol::DeviceState::kOffline)) {
    return storage::unknown_value("devices", "status_state", state);
  }
  protocol::Status status{device.device,
                          state == state_name(protocol::DeviceState::kOnline) ? protocol::DeviceState::kOnline
                                                                              : protocol::DeviceState::kOffline,
                          as_count(row.column_int(4)),
                          as_count(row.column_int(5)),
                          row.column_int(6),
                          row.column_int(7)};
  device.status = StatusRecord{std::move(status), row.column_int(8)};
  return device;
}

Result<std::pair<std::string, EpochSummary>> read_epoch(const storage::Statement& row) {
  return std::pair{row.column_text(0),
                   EpochSummary{row.column_text(1), Cursor{as_count(row.column_int(2)), as_count(row.column_int(3))},
                                row.column_int(4), row.column_int(5)}};
}

Result<StoredEvent> read_event(const storage::Statement& row) {
  StoredEvent stored;
  stored.origin = Origin{row.column_text(0), row.column_text(1), row.column_text(2)};
  Event& event = stored.event;
  event.seq = as_count(row.column_int(3));
  event.event_id = row.column_text(4);
  auto type = storage::read_event_type(row, 5, "events");
  if (!type) return type.error();
  event.type = *type;
  if (auto ok = storage::read_event_details(row, 6, event, "events"); !ok) return ok.error();
  event.wall_ms = row.column_int(20);
  event.hlc = row.column_hlc(21);
  stored.received_ms = row.column_int(22);
  stored.row = row.column_int(23);
  return stored;
}

Result<DeadLetter> read_dead_letter(const storage::Statement& row) {
  DeadLetter letter;
  letter.id = row.column_int(0);
  letter.received_ms = row.column_int(1);
  letter.topic = row.column_text(2);
  letter.origin = Origin{row.column_text(3), row.column_text(4), row.column_text(5)};
  if (!row.column_is_null(6)) letter.seq = as_count(row.column_int(6));
  letter.event_id = row.column_text(7);
  letter.field = row.column_text(8);
  letter.reason = row.column_text(9);
  letter.payload = row.column_text(10);
  letter.payload_bytes = static_cast<std::size_t>(row.column_int(11));
  return letter;
}

Result<Conflict> read_conflict(const storage::Statement& row) {
  Conflict conflict;
  conflict.id = row.column_int(0);
  conflict.origin = Origin{row.column_text(1), row.column_text(2), row.column_text(3)};
  conflict.seq = as_count(row.column_int(4));
  conflict.stored_event = row.column_text(5);
  conflict.stored_received_ms = row.column_int(6);
  conflict.event = row.column_text(7);
  conflict.received_ms = row.column_int(8);
  if (!row.column_is_null(9)) conflict.reviewed_ms = row.column_int(9);
  conflict.reviewed_by = row.column_text(10);
  return conflict;
}

using Key = std::pair<std::uint64_t, std::string>;  // (seq, event_id) of a row written

Result<Key> read_key(const storage::Statement& row) { return Key{as_count(row.column_int(0)), row.column_text(1)}; }

void bind_row(storage::Statement& insert, int first, const Origin& origin, const Arrival& arrival,
              std::int64_t received_ms) {
  const Event& event = *arrival.event;
  insert.bind(first, origin.device)
      .bind(first + 1, origin.epoch)
      .bind(first + 2, as_sql(event.seq))
      .bind(first + 3, event.event_id)
      .bind(first + 4, to_string(event.type))
      .bind(first + 5, origin.site);
  const int after_details = first + 6 + storage::kEventDetailCount;
  storage::bind_event_details(insert, first + 6, event)
      .bind(after_details, event.wall_ms)
      .bind(after_details + 1, event.hlc)
      .bind(after_details + 2, received_ms);
  if (arrival.reconcile_hlc) {
    insert.bind(after_details + 3, *arrival.reconcile_hlc);
  } else {
    insert.bind_null(after_details + 3);
  }
}

}  // namespace

Result<EventStore> EventStore::prepare(storage::Connection& database) {
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  // The one place the engines differ in storing events. SQLite runs a RETURNING clause by
  // collecting the rows in a temporary table before the first is read, which cost a third of its
  // ledger_bench rate; there the insert only counts its rows, and a chunk with rows skipped
  // (rare: a resent batch) reads back which were written, in-process. PostgreSQL returns them in
  // the insert's own round trip, where a second statement would cost one more.
  std::optional<storage::Statement> last_written;
  if (database.dialect() == storage::Dialect::kSqlite) {
    auto prepared = database.prepare(kLastWritten);
    if (!prepared) return prepared.error();
    last_written = std::move(*prepared);
  }
  EventStore store(database, std::move(*statements), std::move(last_written));
  // The full chunk's, so a typo shows when the store opens; remainders' are prepared as they come.
  if (auto full = store.insert_of(kRowsPerInsert); !full) return full.error();
  return store;
}

Result<storage::Statement*> EventStore::insert_of(std::size_t rows) {
  if (auto kept = inserts_.find(rows); kept != inserts_.end()) return &kept->second;
  auto prepared = database_->prepare(insert_sql(rows, !last_written_));
  if (!prepared) return prepared.error();
  return &inserts_.emplace(rows, std::move(*prepared)).first->second;
}

Result<std::optional<std::vector<Key>>> EventStore::run_insert(storage::Statement& insert, std::size_t rows) {
  using Written = std::optional<std::vector<Key>>;
  if (!last_written_) {  // PostgreSQL's: the insert returns the keys
    auto keys = collect_rows<Key>(insert, read_key);
    if (!keys) return keys.error();
    if (keys->size() == rows) return Written();
    return Written(std::move(*keys));
  }
  auto written = insert.run_counted();
  if (!written) return written.error();
  if (std::cmp_equal(*written, rows)) return Written();
  if (*written == 0) return Written(std::vector<Key>());
  auto keys = collect_rows<Key>(last_written_->bind(1, *written), read_key);
  if (!keys) return keys.error();
  return Written(std::move(*keys));
}

Result<std::vector<bool>> EventStore::insert_all(const Origin& origin, std::span<const Arrival> events,
                                                 std::int64_t received_ms) {
  std::vector<bool> stored(events.size(), false);
  for (std::size_t first = 0, rows = 0; first < events.size(); first += rows) {
    // A remainder goes in chunks of powers of two, so that at most eight inserts are ever
    // prepared: one kept per remainder's size held ~7 MB of statements, and growing, in a hub
    // that took a backlog's resends (issue 16). The price: a remainder takes up to six
    // statements, not one.
    const std::size_t left = events.size() - first;
    rows = left >= kRowsPerInsert ? kRowsPerInsert : std::bit_floor(left);
    const auto chunk = events.subspan(first, rows);
    auto insert = insert_of(chunk.size());
    if (!insert) return insert.error();
    for (std::size_t row = 0; row < chunk.size(); ++row) {
      bind_row(**insert, static_cast<int>(row) * kInsertParameters + 1, origin, chunk[row], received_ms);
    }
    auto written = run_insert(**insert, chunk.size());
    if (!written) return written.error();
    if (!*written) {
      std::fill_n(stored.begin() + static_cast<std::ptrdiff_t>(first), chunk.size(), true);
      continue;
    }
    // A key names one event of the chunk: two events of it with the same seq or the same
    // event_id cannot both be written, and of two equal ones the first is.
    for (const auto& key : **written) {
      const auto match = std::find_if(chunk.begin(), chunk.end(), [&](const Arrival& arrival) {
        return arrival.event->seq == key.first && arrival.event->event_id == key.second;
      });
      if (match != chunk.end()) stored[first + static_cast<std::size_t>(match - chunk.begin())] = true;
    }
  }
  return stored;
}

Result<Insertion> EventStore::insert(const Origin& origin, const Event& event, std::int64_t received_ms,
                                     std::optional<HlcStamp> reconcile_hlc) {
  const Arrival arrival{&event, reconcile_hlc};
  auto stored = insert_all(origin, std::span(&arrival, 1), received_ms);
  if (!stored) return stored.error();
  if (stored->front()) return Insertion::kNew;
  auto at_seq = storage::single_int(
      statement(Sql::kCountAt).bind(1, origin.device).bind(2, origin.epoch).bind(3, as_sql(event.seq)));
  if (!at_seq) return at_seq.error();
  if (*at_seq > 0) return Insertion::kDuplicate;
  return reused_event_id();
}

Error EventStore::reused_event_id() {
  return Error{ErrorCode::kConflict, "event_id", "is already stored for another event"};
}

Result<Lettering> EventStore::add_dead_letter(const DeadLetter& letter) {
  auto& quota = statement(Sql::kReadQuota);
  quota.bind(1, letter.origin.device);
  auto found = quota.step();
  const std::uint64_t letters = found && *found ? as_count(quota.column_int(0)) : 0;
  const std::uint64_t bytes = found && *found ? as_count(quota.column_int(1)) : 0;
  quota.reset();
  if (!found) return found.error();

  const std::string_view payload = std::string_view(letter.payload).substr(0, DeadLetter::kMaxStoredPayload);
  const bool over_quota =
      letters >= DeadLetter::kMaxLettersPerDevice || bytes + payload.size() > DeadLetter::kMaxBytesPerDevice;
  auto count = [&](std::uint64_t stored_bytes) {
    return statement(Sql::kAddToQuota)
        .bind(1, letter.origin.device)
        .bind(2, std::int64_t{over_quota ? 0 : 1})
        .bind(3, as_sql(stored_bytes))
        .bind(4, std::int64_t{over_quota ? 1 : 0})
        .run();
  };
  if (over_quota && !letter.seq) {
    if (auto ok = count(0); !ok) return ok.error();
    return Lettering::kOverQuota;
  }

  auto& insert = statement(Sql::kInsertDeadLetter);
  insert.bind(1, letter.received_ms)
      .bind(2, letter.topic)
      .bind(3, letter.origin.site)
      .bind(4, letter.origin.device)
      .bind(5, letter.origin.epoch)
      .bind(7, letter.event_id)
      .bind(8, letter.field)
      .bind(9, letter.reason)
      .bind_blob(10, over_quota ? std::string_view("") : payload)  // "", not a null pointer: NOT NULL
      .bind(11, static_cast<std::int64_t>(letter.payload_bytes));
  if (letter.seq) {
    insert.bind(6, as_sql(*letter.seq));
  } else {
    insert.bind_null(6);
  }
  auto written = insert.run_counted();
  if (!written) return written.error();
  if (*written == 0) return Lettering::kAlreadyStored;
  if (auto ok = count(over_quota ? 0 : payload.size()); !ok) return ok.error();
  return over_quota ? Lettering::kOverQuota : Lettering::kStored;
}

Result<std::optional<StoredEvent>> EventStore::at(const Origin& origin, std::uint64_t seq) {
  auto found = collect_rows<StoredEvent>(
      statement(Sql::kFindAt).bind(1, origin.device).bind(2, origin.epoch).bind(3, as_sql(seq)), read_event);
  if (!found) return found.error();
  if (found->empty()) return std::optional<StoredEvent>();
  return std::optional<StoredEvent>(std::move(found->front()));
}

Result<bool> EventStore::add_conflict(const Conflict& conflict) {
  auto written = statement(Sql::kInsertConflict)
                     .bind(1, conflict.origin.site)
                     .bind(2, conflict.origin.device)
                     .bind(3, conflict.origin.epoch)
                     .bind(4, as_sql(conflict.seq))
                     .bind(5, conflict.stored_event)
                     .bind(6, conflict.stored_received_ms)
                     .bind(7, conflict.event)
                     .bind(8, conflict.received_ms)
                     .run_counted();
  if (!written) return written.error();
  return *written > 0;
}

Result<std::vector<Conflict>> EventStore::conflicts(const ConflictQuery& query) {
  auto& list = statement(Sql::kListConflicts);
  list.bind(1, query.device).bind(2, query.after_id).bind(3, static_cast<std::int64_t>(query.limit));
  return collect_rows<Conflict>(list, read_conflict);
}

Result<std::uint64_t> EventStore::unreviewed_conflicts() {
  auto& count = statement(Sql::kCountUnreviewed);
  auto row = count.step();
  const std::uint64_t unreviewed = row && *row ? as_count(count.column_int(0)) : 0;
  count.reset();
  if (!row) return row.error();
  return unreviewed;
}

Result<Conflict> EventStore::review_conflict(std::int64_t id, const std::string& operator_name,
                                             std::int64_t reviewed_ms) {
  if (auto ok = statement(Sql::kReviewConflict).bind(1, id).bind(2, reviewed_ms).bind(3, operator_name).run(); !ok) {
    return ok.error();
  }
  auto found = collect_rows<Conflict>(statement(Sql::kFindConflict).bind(1, id), read_conflict);
  if (!found) return found.error();
  if (found->empty()) return Error{ErrorCode::kNotFound, "id", "no conflict has id " + std::to_string(id)};
  return std::move(found->front());
}

Result<void> EventStore::flag_clock(const std::string& device, std::uint64_t events) {
  return statement(Sql::kFlagClock).bind(1, device).bind(2, as_sql(events)).run();
}

Result<Cursor> EventStore::advance(const Origin& origin, std::uint64_t new_events, std::int64_t seen_ms,
                                   std::uint64_t at_least) {
  Cursor cursor;
  auto& read = statement(Sql::kReadCursor);
  read.bind(1, origin.device).bind(2, origin.epoch);
  auto found = read.step();
  if (found && *found) cursor = Cursor{as_count(read.column_int(0)), as_count(read.column_int(1))};
  read.reset();
  if (!found) return found.error();
  cursor.events += new_events;
  cursor.acked_through = std::max(cursor.acked_through, at_least);

  auto& covered = statement(Sql::kCoveredAfter);
  covered.bind(1, origin.device).bind(2, origin.epoch).bind(3, as_sql(cursor.acked_through));
  while (true) {
    auto row = covered.step();
    if (!row) return row.error();
    if (!*row || as_count(covered.column_int(0)) != cursor.acked_through + 1) break;
    ++cursor.acked_through;
  }
  covered.reset();

  auto& write = statement(Sql::kWriteCursor);
  write.bind(1, origin.device)
      .bind(2, origin.epoch)
      .bind(3, origin.site)
      .bind(4, as_sql(cursor.acked_through))
      .bind(5, as_sql(cursor.events))
      .bind(6, seen_ms);
  if (auto ok = write.run(); !ok) return ok.error();
  if (auto ok = touch_device(origin.site, origin.device, seen_ms); !ok) return ok.error();
  return cursor;
}

Result<void> EventStore::touch_device(const std::string& site, const std::string& device, std::int64_t seen_ms) {
  return statement(Sql::kTouchDevice).bind(1, device).bind(2, site).bind(3, seen_ms).run();
}

Result<void> EventStore::record_status(const std::string& site, const protocol::Status& status,
                                       std::int64_t received_ms, std::int64_t seen_ms) {
  return statement(Sql::kWriteStatus)
      .bind(1, status.device)
      .bind(2, site)
      .bind(3, seen_ms)
      .bind(4, state_name(status.state))
      .bind(5, as_sql(status.backlog))
      .bind(6, as_sql(status.acked_through))
      .bind(7, status.skew_ms)
      .bind(8, status.wall_ms)
      .bind(9, received_ms)
      .run();
}

Result<std::vector<DeviceSummary>> EventStore::devices() {
  auto devices = collect_rows<DeviceSummary>(statement(Sql::kListDevices), read_device);
  if (!devices) return devices.error();
  auto epochs = collect_rows<std::pair<std::string, EpochSummary>>(statement(Sql::kListCursors), read_epoch);
  if (!epochs) return epochs.error();
  std::map<std::string, DeviceSummary*> by_device;
  for (auto& device : *devices) by_device[device.device] = &device;
  for (auto& [device, epoch] : *epochs) {
    // advance() writes a device row with every cursor, so each epoch has its device.
    if (auto owner = by_device.find(device); owner != by_device.end())
      owner->second->epochs.push_back(std::move(epoch));
  }
  return devices;
}

Result<std::vector<StoredEvent>> EventStore::events(const EventQuery& query) {
  auto& list = statement(Sql::kListEvents);
  list.bind(1, query.device)
      .bind(2, query.epoch)
      .bind(3, as_sql(query.after_seq))
      .bind(4, static_cast<std::int64_t>(query.limit));
  return collect_rows<StoredEvent>(list, read_event);
}

Result<std::vector<StoredEvent>> EventStore::stored_after(std::int64_t row, std::size_t limit) {
  std::vector<StoredEvent> events;
  if (auto ok = stored_after(row, limit, events); !ok) return ok.error();
  return events;
}

Result<void> EventStore::stored_after(std::int64_t row, std::size_t limit, std::vector<StoredEvent>& into) {
  // Room for the slice up front (reconciliation reads 1,000 at a time, capped in case of a caller
  // asking for everything): growing the vector moved every event's strings again at each doubling,
  // about half of what reading events back for reconciliation cost (docs/performance.md).
  constexpr std::size_t kMostReserved = 4096;
  into.clear();
  into.reserve(std::min(limit, kMostReserved));
  return append_rows(statement(Sql::kStoredAfter).bind(1, row).bind(2, static_cast<std::int64_t>(limit)), read_event,
                     into);
}

Result<std::optional<StoredEvent>> EventStore::find(const std::string& event_id) {
  auto found = collect_rows<StoredEvent>(statement(Sql::kFindEvent).bind(1, event_id), read_event);
  if (!found) return found.error();
  if (found->empty()) return std::optional<StoredEvent>();
  return std::optional<StoredEvent>(std::move(found->front()));
}

Result<std::vector<DeadLetter>> EventStore::dead_letters(const DeadLetterQuery& query) {
  auto& list = statement(Sql::kListDeadLetters);
  list.bind(1, query.device).bind(2, query.after_id).bind(3, static_cast<std::int64_t>(query.limit));
  return collect_rows<DeadLetter>(list, read_dead_letter);
}

}  // namespace recount::hub
