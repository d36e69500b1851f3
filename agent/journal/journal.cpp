// The device journal.
#include "agent/journal/journal.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <iostream>
#include <system_error>

#include "agent/journal/journal_bell.hpp"
#include "agent/journal/journal_file.hpp"
#include "shared/core/random_id.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/storage/event_columns.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::agent {
namespace {

const char* counter_key(Refusal what) {
  switch (what) {
    case Refusal::kAck: return "refused_acks";
    case Refusal::kCatalog: return "refused_catalogs";
    case Refusal::kTaskList: return "refused_task_lists";
  }
  std::abort();
}

const std::string kEventColumns = "seq, event_id, type, wall_ms, hlc, " + std::string(storage::kEventDetailColumns);
constexpr int kFirstDetail = 5;  // the column of the first detail in kEventColumns (0-based; parameters count from 1)

Error corrupt(const std::filesystem::path& file, const std::string& detail) {
  return Error{ErrorCode::kCorrupt, "",
               "journal " + file.string() + " is unusable (" + detail +
                   "). It was left untouched. Copy it aside for recovery, then start the device on a new data "
                   "directory; the hub will see a new epoch."};
}

Result<Event> read_event(const storage::Statement& row) {
  Event event;
  event.seq = static_cast<std::uint64_t>(row.column_int(0));
  event.event_id = row.column_text(1);
  auto type = storage::read_event_type(row, 2, "events");
  if (!type) return type.error();
  event.type = *type;
  event.wall_ms = row.column_int(3);
  event.hlc = row.column_hlc(4);
  if (auto ok = storage::read_event_details(row, kFirstDetail, event, "events"); !ok) return ok.error();
  return event;
}

// Commits the sync bookkeeping (mark_sent, acknowledge) with synchronous=NORMAL for as long as it
// lives, then puts the connection back to FULL for recording. Losing such a commit to a power cut
// (WAL mode keeps the file intact; the next FULL commit syncs it too) only takes the journal back
// to an older sent/acked state: the agent resends from the older acked_through on its next
// connect, the hub stores by (device, epoch, seq) and acks the duplicates again, and events are
// pruned only once acked. A confirmed scan must never wait on NORMAL, so failing to restore FULL
// is an invariant violation.
class BookkeepingDurability {
 public:
  explicit BookkeepingDurability(storage::Database& database) : database_(database) {
    set_ = database_.execute("PRAGMA synchronous = NORMAL").has_value();
  }
  BookkeepingDurability(const BookkeepingDurability&) = delete;
  BookkeepingDurability& operator=(const BookkeepingDurability&) = delete;
  ~BookkeepingDurability() {
    if (!set_) return;
    if (auto ok = database_.execute("PRAGMA synchronous = FULL"); !ok) {
      std::cerr << "recount-agent: cannot restore synchronous=FULL on the journal: " << ok.error().describe() << '\n';
      std::abort();
    }
  }

 private:
  storage::Database& database_;
  bool set_ = false;
};

// The rule of SyncState (journal.hpp): a rejection first, then the watermarks.
SyncState state_of(std::uint64_t seq, bool rejected, std::uint64_t acked_through, std::uint64_t sent_through) {
  if (rejected) return SyncState::kRejected;
  if (seq <= acked_through) return SyncState::kAcked;
  if (seq <= sent_through) return SyncState::kSent;
  return SyncState::kUnsent;
}

// Resets a kept statement on scope exit, so that it never holds its read open after the call that
// stepped it returns, whichever way that call returns.
class ResetOnExit {
 public:
  explicit ResetOnExit(storage::Statement& statement) : statement_(statement) {}
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;
  ~ResetOnExit() { statement_.reset(); }

 private:
  storage::Statement& statement_;
};

}  // namespace

enum class Journal::Query { kInsertEvent, kReadMeta, kWriteMeta, kRaiseWatermark, kPending, kBacklog, kCount };

namespace {

// The statements a scan's commit, the sync loop and status lines run again and again, indexed by
// Journal::Query.
const std::string kSql[] = {
    // kInsertEvent
    std::string("INSERT INTO events(") + kEventColumns + ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    // kReadMeta
    "SELECT value FROM meta WHERE key = ?",
    // kWriteMeta
    "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    // kRaiseWatermark
    "UPDATE meta SET value = ?2 WHERE key = ?1 AND CAST(value AS INTEGER) < ?2",
    // kPending: a range of the primary key, starting above the hub's ack.
    std::string("SELECT ") + kEventColumns +
        " FROM events WHERE seq >= MAX(?1, (SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = "
        "'acked_through')) AND rejection IS NULL ORDER BY seq LIMIT ?2",
    // kBacklog: the events above acked_through (?1), and how many of them are at most sent_through (?2).
    "SELECT COUNT(*), COALESCE(SUM(seq <= ?2), 0) FROM events WHERE seq > ?1 AND rejection IS NULL",
};

}  // namespace

std::string_view to_string(AckVerdict verdict) {
  switch (verdict) {
    case AckVerdict::kApplied: return "applied";
    case AckVerdict::kOtherEpoch: return "for another epoch";
    case AckVerdict::kDecreasing: return "below the acked seq";
    case AckVerdict::kRewound: return "below the acked seq, from a hub restored from a backup";
    case AckVerdict::kAboveSent: return "above the last seq sent";
    case AckVerdict::kClockOutOfRange: return "with the hub's clock out of range";
  }
  return "unknown";
}

std::string_view to_string(SyncState state) {
  switch (state) {
    case SyncState::kUnsent: return "unsent";
    case SyncState::kSent: return "sent";
    case SyncState::kAcked: return "acked";
    case SyncState::kRejected: return "rejected";
  }
  return "unknown";
}

Journal::Journal(storage::Database database, storage::StatementSet<Query> statements, JournalIdentity identity,
                 WallClock wall)
    : database_(std::move(database)),
      statements_(std::move(statements)),
      identity_(std::move(identity)),
      wall_(wall),
      clock_(std::make_unique<HybridLogicalClock>(std::move(wall))) {}

Result<Journal> Journal::open(const std::filesystem::path& directory, const std::optional<std::string>& site,
                              const std::optional<std::string>& device, WallClock wall) {
  if (site) {
    if (auto ok = validate_identifier("site", *site); !ok) return ok.error();
  }
  if (device) {
    if (auto ok = validate_identifier("device", *device); !ok) return ok.error();
  }
  const auto file = directory / kFileName;
  std::error_code error;
  const bool exists = std::filesystem::exists(file, error);
  if (error) return Error{ErrorCode::kIo, "", "cannot read " + file.string() + ": " + error.message()};

  if (!exists) {
    if (!site || !device) {
      return invalid(!site ? "site" : "device",
                     "is required the first time a data directory is used (--site and --device)");
    }
    std::filesystem::create_directories(directory, error);
    if (error) return Error{ErrorCode::kIo, "", "cannot create " + directory.string() + ": " + error.message()};
    if (auto ok = create_journal_file(file, JournalIdentity{*site, *device, random_epoch()}, wall()); !ok) {
      return ok.error();
    }
  } else if (std::filesystem::file_size(file, error) == 0) {
    return corrupt(file, "the file is empty");
  }

  auto database =
      storage::Database::open(file, storage::OpenMode::kExistingOnly, storage::Durability::kFull, kApplicationId);
  if (!database) {
    if (database.error().code == ErrorCode::kCorrupt) return corrupt(file, database.error().message);
    return database.error();
  }
  // A journal.db only ever appears complete (create_journal_file): no version means damage.
  const storage::SchemaComponent components[] = {journal_schema()};
  auto version = storage::schema_version(*database, components[0]);
  if (!version) return corrupt(file, "cannot read its schema version");
  if (*version < 1 || *version > static_cast<int>(components[0].steps.size())) {
    return corrupt(file, "schema version " + std::to_string(*version) + " is not one this agent knows");
  }
  // A journal made by an older agent gets the steps it lacks, all or none; several processes may
  // open it at once (storage::migrate).
  if (auto ok = storage::migrate(*database, components); !ok) return ok.error();
  auto statements = storage::StatementSet<Query>::prepare(*database, kSql);
  if (!statements) return statements.error();

  Journal journal(std::move(*database), std::move(*statements), {}, std::move(wall));
  for (auto [key, target] : {std::pair{"site", &journal.identity_.site}, std::pair{"device", &journal.identity_.device},
                             std::pair{"epoch", &journal.identity_.epoch}}) {
    auto value = journal.read_meta(key);
    if (!value) return corrupt(file, "its " + std::string(key) + " is missing");
    *target = *value;
  }
  if (site && *site != journal.identity_.site) {
    return Error{ErrorCode::kConflict, "site",
                 "this data directory belongs to site " + journal.identity_.site + ", not " + *site};
  }
  if (device && *device != journal.identity_.device) {
    return Error{ErrorCode::kConflict, "device",
                 "this data directory belongs to device " + journal.identity_.device + ", not " + *device};
  }
  // A rebooted device may come back with its wall clock behind, by any amount: its own history is
  // trusted, so it continues after its newest stamp, unclamped.
  auto newest = journal.read_number("newest_hlc");
  if (!newest) return corrupt(file, "its newest_hlc is missing");
  journal.clock_->resume(HlcStamp{static_cast<std::uint64_t>(*newest)});
  return journal;
}

Result<std::string> Journal::read_meta(const std::string& key) {
  auto value = storage::first_text(statement(Query::kReadMeta).bind(1, key));
  if (!value) return value.error();
  if (!*value) return Error{ErrorCode::kNotFound, key, "missing from the journal"};
  return **value;
}

Result<void> Journal::write_meta(const std::string& key, const std::string& value) {
  return statement(Query::kWriteMeta).bind(1, key).bind(2, value).run();
}

Result<std::int64_t> Journal::read_number(const std::string& key) {
  auto value = read_meta(key);
  if (!value) return value.error();
  return std::stoll(*value);
}

Result<std::int64_t> Journal::read_number_or_zero(const std::string& key) {
  auto value = read_number(key);
  if (!value && value.error().code == ErrorCode::kNotFound) return 0;
  return value;
}

Result<void> Journal::raise_watermark(const std::string& key, std::uint64_t value) {
  return statement(Query::kRaiseWatermark).bind(1, key).bind(2, static_cast<std::int64_t>(value)).run();
}

Result<Journal::Watermarks> Journal::watermarks() {
  auto acked = read_number("acked_through");
  if (!acked) return acked.error();
  auto sent = read_number("sent_through");
  if (!sent) return sent.error();
  return Watermarks{static_cast<std::uint64_t>(*acked), static_cast<std::uint64_t>(*sent)};
}

std::uint64_t Journal::last_seq() {
  auto value = read_meta("last_seq");
  return value ? std::stoull(*value) : 0;
}

Result<Event> Journal::insert(Event draft, std::uint64_t seq) {
  draft.seq = seq;
  draft.wall_ms = wall_();
  draft.event_id = uuid_v7(draft.wall_ms);
  draft.hlc = clock_->now();
  if (auto ok = validate(draft); !ok) return ok.error();
  if (!device_may_record(draft.type)) {
    return invalid("type", std::string(to_string(draft.type)) + " events are recorded by the hub, not by devices");
  }
  storage::Statement& insert = statement(Query::kInsertEvent);
  insert.bind(1, static_cast<std::int64_t>(draft.seq))
      .bind(2, draft.event_id)
      .bind(3, to_string(draft.type))
      .bind(4, draft.wall_ms)
      .bind(5, draft.hlc);
  storage::bind_event_details(insert, kFirstDetail + 1, draft);
  if (auto ok = insert.run(); !ok) return ok.error();
  return draft;
}

Result<Event> Journal::record(Event draft) {
  auto events = record_all({std::move(draft)});
  if (!events) return events.error();
  return std::move(events->front());
}

Result<std::vector<Event>> Journal::record_all(std::vector<Event> drafts) { return record_all(std::move(drafts), {}); }

Result<std::vector<Event>> Journal::record_all(std::vector<Event> drafts, const Alongside& alongside) {
  auto transaction = storage::Transaction::begin(database_);
  if (!transaction) return transaction.error();
  // Read inside the write transaction: another process may have recorded since we last looked.
  auto last = read_meta("last_seq");
  if (!last) return last.error();
  std::uint64_t seq = std::stoull(*last);
  std::vector<Event> stored;
  stored.reserve(drafts.size());
  for (std::size_t i = 0; i < drafts.size(); ++i) {
    auto event = insert(std::move(drafts[i]), ++seq);
    if (!event) return drafts.size() == 1 ? event.error() : event.error().within("[" + std::to_string(i) + "]");
    stored.push_back(std::move(*event));
  }
  if (auto ok = write_meta("last_seq", std::to_string(seq)); !ok) return ok.error();
  if (!stored.empty()) {
    if (auto ok = raise_watermark("newest_hlc", stored.back().hlc.packed); !ok) return ok.error();
  }
  if (alongside) {
    if (auto ok = alongside(database_, stored); !ok) return ok.error();
  }
  if (auto ok = transaction->commit(); !ok) return ok.error();
  ring_journal_bell(file());
  return stored;
}

Result<std::vector<Event>> Journal::pending_from(std::uint64_t from, std::size_t limit) {
  storage::Statement& query = statement(Query::kPending);
  ResetOnExit reset(query);
  query.bind(1, static_cast<std::int64_t>(from)).bind(2, static_cast<std::int64_t>(limit));
  std::vector<Event> events;
  while (true) {
    auto row = query.step();
    if (!row) return row.error();
    if (!*row) break;
    auto event = read_event(query);
    if (!event) return event.error();
    if (!events.empty() && event->seq != events.back().seq + 1) break;
    events.push_back(std::move(*event));
  }
  return events;
}

Result<void> Journal::mark_sent(std::uint64_t last_seq) {
  BookkeepingDurability durability(database_);
  return raise_watermark("sent_through", last_seq);
}

Result<AckVerdict> Journal::judge(const protocol::Ack& ack) {
  if (ack.epoch != identity_.epoch) return AckVerdict::kOtherEpoch;
  auto marks = watermarks();
  if (!marks) return marks.error();
  bool rewound = false;
  if (ack.acked_through < marks->acked_through) {
    auto last_hlc = read_number_or_zero("last_ack_hlc");
    if (!last_hlc) return last_hlc.error();
    // Journals from before last_ack_hlc was kept (0) take no ack below their watermark as a rewind
    // until an ack has been applied.
    if (*last_hlc == 0 || ack.hub_hlc.packed <= static_cast<std::uint64_t>(*last_hlc)) return AckVerdict::kDecreasing;
    rewound = true;
  }
  if (ack.acked_through > marks->sent_through) return AckVerdict::kAboveSent;
  const std::int64_t ours = std::max(wall_(), clock_->latest().wall_ms());
  const bool wall_in_range =
      ack.hub_wall_ms >= ours - kMaxHubClockOffsetMs && ack.hub_wall_ms <= ours + kMaxHubClockOffsetMs;
  if (!wall_in_range || ack.hub_hlc.wall_ms() > ours + kMaxHubClockOffsetMs) {
    return AckVerdict::kClockOutOfRange;
  }
  return rewound ? AckVerdict::kRewound : AckVerdict::kApplied;
}

Result<AckVerdict> Journal::acknowledge(const protocol::Ack& ack) {
  BookkeepingDurability durability(database_);  // declared first: it outlives the transaction
  auto transaction = storage::Transaction::begin(database_);
  if (!transaction) return transaction.error();
  auto verdict = judge(ack);
  if (!verdict) return verdict.error();
  if (*verdict != AckVerdict::kApplied && *verdict != AckVerdict::kRewound) {
    if (auto ok = count_refusal(Refusal::kAck); !ok) return ok.error();
  } else {
    clock_->observe(ack.hub_hlc);
    const std::int64_t now = wall_();
    if (*verdict == AckVerdict::kRewound) {
      if (auto ok = write_meta("acked_through", std::to_string(ack.acked_through)); !ok) return ok.error();
      auto cleared = database_.prepare("UPDATE events SET rejection = NULL WHERE seq > ? AND rejection IS NOT NULL");
      if (!cleared) return cleared.error();
      if (auto ok = cleared->bind(1, static_cast<std::int64_t>(ack.acked_through)).run(); !ok) return ok.error();
    }
    if (auto ok = raise_watermark("acked_through", ack.acked_through); !ok) return ok.error();
    if (auto ok = write_meta("last_ack_hlc", std::to_string(ack.hub_hlc.packed)); !ok) return ok.error();
    if (auto ok = write_meta("last_ack_ms", std::to_string(now)); !ok) return ok.error();
    if (auto ok = write_meta("skew_ms", std::to_string(now - ack.hub_wall_ms)); !ok) return ok.error();
  }
  if (auto ok = transaction->commit(); !ok) return ok.error();
  return *verdict;
}

Result<void> Journal::count_refusal(Refusal what) {
  auto update = database_.prepare("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = ?");
  if (!update) return update.error();
  return update->bind(1, std::string(counter_key(what))).run();
}

Result<void> Journal::reject(const std::vector<protocol::NackEntry>& entries) {
  auto transaction = storage::Transaction::begin(database_);
  if (!transaction) return transaction.error();
  auto update = database_.prepare("UPDATE events SET rejection = ? WHERE seq = ? AND event_id = ?");
  if (!update) return update.error();
  for (const auto& entry : entries) {
    const std::string reason = entry.field.empty() ? entry.reason : entry.field + ": " + entry.reason;
    if (auto ok = update->bind(1, reason).bind(2, static_cast<std::int64_t>(entry.seq)).bind(3, entry.event_id).run();
        !ok) {
      return ok;
    }
  }
  return transaction->commit();
}

Result<SyncProgress> Journal::progress() {
  auto marks = watermarks();
  if (!marks) return marks.error();
  SyncProgress progress;
  progress.acked_through = marks->acked_through;
  for (auto [key, target] :
       {std::pair{"last_ack_ms", &progress.last_ack_ms}, std::pair{"skew_ms", &progress.skew_ms}}) {
    auto value = read_number(key);
    if (!value) return value.error();
    *target = *value;
  }
  storage::Statement& query = statement(Query::kBacklog);
  ResetOnExit reset(query);
  query.bind(1, static_cast<std::int64_t>(marks->acked_through))
      .bind(2, static_cast<std::int64_t>(marks->sent_through));
  auto row = query.step();
  if (!row) return row.error();
  const auto backlog = static_cast<std::uint64_t>(query.column_int(0));
  progress.unacked = static_cast<std::uint64_t>(query.column_int(1));
  progress.unsent = backlog - progress.unacked;
  return progress;
}

Result<JournalStatus> Journal::status() {
  auto progress = this->progress();
  if (!progress) return progress.error();
  JournalStatus status;
  static_cast<SyncProgress&>(status) = *progress;
  status.identity = identity_;
  auto last = read_number("last_seq");
  if (!last) return last.error();
  status.last_seq = static_cast<std::uint64_t>(*last);
  // Rejected events are few and have an index of their own; acked ones are most of the journal.
  auto counts = database_.prepare(
      "SELECT (SELECT COUNT(*) FROM events WHERE seq <= ? AND rejection IS NULL), "
      "(SELECT COUNT(*) FROM events WHERE rejection IS NOT NULL)");
  if (!counts) return counts.error();
  counts->bind(1, static_cast<std::int64_t>(status.acked_through));
  auto row = counts->step();
  if (!row) return row.error();
  status.acked = static_cast<std::uint64_t>(counts->column_int(0));
  status.rejected = static_cast<std::uint64_t>(counts->column_int(1));
  for (auto [what, target] :
       {std::pair{Refusal::kAck, &status.refused_acks}, std::pair{Refusal::kCatalog, &status.refused_catalogs},
        std::pair{Refusal::kTaskList, &status.refused_task_lists}}) {
    auto value = read_number(counter_key(what));
    if (!value) return value.error();
    *target = static_cast<std::uint64_t>(*value);
  }
  status.total = status.backlog() + status.acked + status.rejected;
  return status;
}

Result<std::vector<JournalEntry>> Journal::list(std::uint64_t from, std::size_t limit) {
  auto marks = watermarks();
  if (!marks) return marks.error();
  auto query = database_.prepare(std::string("SELECT ") + kEventColumns +
                                 ", rejection FROM events WHERE seq >= ? ORDER BY seq LIMIT ?");
  if (!query) return query.error();
  query->bind(1, static_cast<std::int64_t>(from)).bind(2, static_cast<std::int64_t>(limit));
  constexpr int kRejection = kFirstDetail + storage::kEventDetailCount;
  std::vector<JournalEntry> entries;
  while (true) {
    auto row = query->step();
    if (!row) return row.error();
    if (!*row) break;
    auto event = read_event(*query);
    if (!event) return event.error();
    const SyncState state =
        state_of(event->seq, !query->column_is_null(kRejection), marks->acked_through, marks->sent_through);
    entries.push_back({std::move(*event), state, query->column_text(kRejection)});
  }
  return entries;
}

Result<std::uint64_t> Journal::prune_acked_before(std::int64_t cutoff_ms) {
  // The prefix: the events below the first one that must stay (rejected ones aside, which stay).
  static constexpr const char* kPrefix =
      " FROM events WHERE rejection IS NULL AND seq < coalesce((SELECT min(seq) FROM events WHERE rejection IS NULL"
      " AND (seq > ?1 OR wall_ms >= ?2)), ?1 + 1)";
  auto transaction = storage::Transaction::begin(database_);
  if (!transaction) return transaction.error();
  auto marks = watermarks();
  if (!marks) return marks.error();
  const auto acked = static_cast<std::int64_t>(marks->acked_through);
  auto last = database_.prepare(std::string("SELECT max(seq)") + kPrefix);
  if (!last) return last.error();
  auto row = last->bind(1, acked).bind(2, cutoff_ms).step();
  if (!row) return row.error();
  if (!*row || last->column_is_null(0)) return std::uint64_t{0};
  const std::int64_t through = last->column_int(0);
  last->reset();
  auto erase = database_.prepare(std::string("DELETE") + kPrefix);
  if (!erase) return erase.error();
  auto erased = erase->bind(1, acked).bind(2, cutoff_ms).run_counted();
  if (!erased) return erased.error();
  auto previous = read_number_or_zero("pruned_through");
  if (!previous) return previous.error();
  if (through > *previous) {
    if (auto ok = write_meta("pruned_through", std::to_string(through)); !ok) return ok.error();
  }
  if (auto ok = transaction->commit(); !ok) return ok.error();
  return static_cast<std::uint64_t>(*erased);
}

Result<std::uint64_t> Journal::pruned_through() {
  auto through = read_number_or_zero("pruned_through");
  if (!through) return through.error();
  return static_cast<std::uint64_t>(*through);
}

}  // namespace recount::agent
