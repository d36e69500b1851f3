// Ledger: opening the hub database and the audited write transactions.
#include "hub/ledger/ledger.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/ledger/schema.hpp"
#include "hub/storage/postgres.hpp"
#include "shared/protocol/codec.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// Details may quote untrusted text (reasons name fields of a payload); invalid UTF-8 is replaced
// rather than allowed to throw.
std::string dump(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string subject_of(const Origin& origin) { return origin.site + "/" + origin.device; }

protocol::NackEntry nack_entry(const DeadLetter& letter) {
  return protocol::NackEntry{letter.seq.value_or(0), letter.event_id, letter.field, letter.reason};
}

Result<std::string> read_hub_epoch(storage::Connection& database) {
  auto statement = database.prepare("SELECT epoch FROM hub_journal WHERE id = 1");
  if (!statement) return statement.error();
  auto row = statement->step();
  if (!row) return row.error();
  if (!*row) return Error{ErrorCode::kCorrupt, "", database.name() + " has no hub epoch"};
  return statement->column_text(0);
}

constexpr std::string_view kConflictReason =
    "a different event is already stored at this seq; kept as a conflict for review, not applied";

}  // namespace

std::optional<HlcStamp> ClockBounds::reconcile_stamp(const Event& event, std::int64_t received_ms,
                                                     std::size_t place) const {
  const std::int64_t stamped_ms = event.hlc.wall_ms();
  if (stamped_ms - received_ms <= max_ahead_ms && received_ms - stamped_ms <= max_behind_ms) return std::nullopt;
  // A batch holds at most limits::kMaxBatchEvents events, far fewer than the logical part holds.
  return HlcStamp::from_parts(received_ms, static_cast<std::uint16_t>(std::min<std::size_t>(place, 0xFFFF)));
}

Result<Ledger> Ledger::open(const std::filesystem::path& file, WallClock wall, storage::StartCheck check) {
  auto database = storage::Database::open(file, storage::OpenMode::kCreateIfMissing, storage::Durability::kFull,
                                          kApplicationId, check);
  if (!database) return database.error();
  // Ingest runs the reconciler's multi-row UPDATEs inside one long write transaction. With
  // SQLite's defaults (2 MB page cache, statement journals in temp files) each of them spilled
  // pages to disk: pwrite/pread took over half of the hub's CPU in a profile of 50 devices x 2,000
  // events, and these two settings together cut it from 13 to 8 CPU-s per 100k events (either
  // alone: no gain; docs/performance.md). Statement journals only undo one statement inside the
  // transaction, so keeping them in memory changes nothing about what a commit makes durable.
  // The cache is most of the hub's memory once the ledger outgrows it: 64 MiB put the hub at
  // 168 MiB under a 1M-event backlog, against a budget of 100 MB (issue 16); 32 MiB kept that
  // run's ingest rate relative to raw SQLite, and 16 MiB took ~17 MB more off, its cost on the
  // rate not separable from the machine's load in the runs made (docs/performance.md, "The
  // hub's RSS under a 1M-event backlog").
  if (auto ok = database->execute("PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY"); !ok) return ok.error();
  // Checkpoints inside ingest's commits took ~7% of the hub's time on its one thread; on a thread of
  // their own they run on the second core (docs/performance.md, "After: checkpoints on a thread of
  // their own").
  if (auto ok = database->checkpoint_in_background(); !ok) return ok.error();
  const bool verified = database->checked_at_open() || database->previous_close() == storage::PreviousClose::kClean;
  auto ledger = open_on(std::make_unique<storage::Database>(std::move(*database)), std::move(wall));
  if (!ledger) return ledger.error();
  ledger->verified_at_open_ = verified;
  return ledger;
}

Result<Ledger> Ledger::connect(const std::string& url, WallClock wall) {
  auto connection = storage::PostgresConnection::open(url);
  if (!connection) return connection.error();
  auto ledger = open_on(std::make_unique<storage::PostgresConnection>(std::move(*connection)), std::move(wall));
  if (ledger) ledger->url_ = url;
  return ledger;
}

Result<Ledger> Ledger::open_hub(const std::filesystem::path& data_dir, const std::string& url, WallClock wall,
                                storage::StartCheck check) {
  if (url.empty()) return open(file_in(data_dir), std::move(wall), check);
  return connect(url, std::move(wall));
}

Result<Ledger> Ledger::open_on(std::unique_ptr<storage::Connection> connection, WallClock wall) {
  if (auto ok = migrate(*connection, wall); !ok) return ok.error();
  auto events = EventStore::prepare(*connection);
  if (!events) return events.error();
  auto audit = AuditLog::prepare(*connection);
  if (!audit) return audit.error();
  auto hub_epoch = read_hub_epoch(*connection);
  if (!hub_epoch) return hub_epoch.error();
  return Ledger(std::move(connection), std::move(*events), std::move(*audit), std::move(wall), std::move(*hub_epoch));
}

storage::Database* Ledger::sqlite() {
  // Dialect::kSqlite is spoken by storage::Database alone (shared/storage/connection.hpp).
  return connection_->dialect() == storage::Dialect::kSqlite ? static_cast<storage::Database*>(connection_.get())
                                                             : nullptr;
}

std::filesystem::path Ledger::path() const {
  if (connection_->dialect() != storage::Dialect::kSqlite) return {};
  return static_cast<const storage::Database&>(*connection_).path();
}

Ledger::Opener Ledger::reader() const {
  if (connection_->dialect() == storage::Dialect::kSqlite) {
    return [file = path()]() -> Result<std::unique_ptr<storage::Connection>> {
      auto database = storage::Database::open_reader(file);
      if (!database) return database.error();
      return std::unique_ptr<storage::Connection>(std::make_unique<storage::Database>(std::move(*database)));
    };
  }
  return [url = url_]() -> Result<std::unique_ptr<storage::Connection>> {
    auto connection = storage::PostgresConnection::open(url);
    if (!connection) return connection.error();
    return std::unique_ptr<storage::Connection>(std::make_unique<storage::PostgresConnection>(std::move(*connection)));
  };
}

bool Ledger::integrity_unverified() const {
  return !verified_at_open_ && !(check_ && check_->verdict() == storage::BackgroundCheck::Verdict::kPassed);
}

void Ledger::check_in_background(storage::BackgroundCheck::Finished finished) {
  if (sqlite() == nullptr) return;
  check_ = storage::BackgroundCheck::start(path(), kApplicationId, std::move(finished));
}

bool Ledger::damaged() const { return check_ && check_->verdict() == storage::BackgroundCheck::Verdict::kFailed; }

Result<void> Ledger::close_cleanly(Ledger ledger) {
  const bool unverified = ledger.integrity_unverified();
  ledger.check_.reset();  // cancels a check still running
  if (unverified) {
    const auto file = ledger.path();
    { const Ledger closed = std::move(ledger); }
    return Error{
        ErrorCode::kIo, "",
        "not closing " + file.string() + " cleanly: it has not passed an integrity check since its last unclean stop"};
  }
  std::unique_ptr<storage::Connection> connection = std::move(ledger.connection_);
  {
    // The event store's and audit log's statements go first: the connection closes only without any.
    const Ledger finalized = std::move(ledger);
  }
  if (connection->dialect() != storage::Dialect::kSqlite) return {};
  return storage::Database::close_cleanly(std::move(static_cast<storage::Database&>(*connection)));
}

Result<LedgerWrite> Ledger::begin_write() {
  if (damaged()) {
    return Error{ErrorCode::kCorrupt, "", name() + " failed its integrity check: it takes no more writes"};
  }
  auto transaction = storage::Transaction::begin(*connection_);
  if (!transaction) return transaction.error();
  // SQLite's BEGIN IMMEDIATE holds the file's write lock already. On PostgreSQL, several hubs
  // writing one database at once would otherwise fork the audit chain (two entries chained to one
  // head: the second fails on audit_log's key), store rows of the events table in an order their
  // entries do not record (identity values are drawn at insert, not at commit), and compute a
  // cursor from a stale read (its event count loses updates). One lock for every write of the
  // ledger, held to the commit, orders them all as SQLite does (docs/scale-out.md, "Several
  // hubs"). Its key: "ledger" in ASCII.
  if (connection_->dialect() == storage::Dialect::kPostgres) {
    if (auto locked = connection_->execute("SELECT pg_advisory_xact_lock(119182731994482)"); !locked) {
      return locked.error();
    }
  }
  if (write_begun_) {
    if (auto ok = write_begun_(); !ok) return ok.error();
  }
  return LedgerWrite(*this, std::move(*transaction));
}

Result<void> LedgerWrite::audit(std::string kind, std::string subject, std::string detail) {
  if (auto ok = audit_hub_events(); !ok) return ok;
  auto entry = ledger_->audit_.append(ledger_->wall_(), std::move(kind), std::move(subject), std::move(detail));
  if (!entry) return entry.error();
  return {};
}

Result<BatchOutcome> LedgerWrite::apply(const IncomingBatch& batch) {
  // The hub's own events so far were stored before this batch's, so their entry comes first.
  if (auto ok = audit_hub_events(); !ok) return ok.error();
  EventStore& store = ledger_->events_;
  EventDigester digester;
  BatchOutcome outcome;
  std::vector<DeadLetter> letters = batch.rejected;
  std::vector<Arrival> arrivals;
  arrivals.reserve(batch.events.size());
  for (std::size_t i = 0; i < batch.events.size(); ++i) {
    arrivals.push_back(Arrival{&batch.events[i], batch.clock.reconcile_stamp(batch.events[i], batch.received_ms, i)});
  }
  auto stored = store.insert_all(batch.origin, arrivals, batch.received_ms);
  if (!stored) return stored.error();
  auto taken = stored_at_skipped_seqs(batch, *stored);
  if (!taken) return taken.error();
  for (std::size_t i = 0; i < batch.events.size(); ++i) {
    const Event& event = batch.events[i];
    if ((*stored)[i]) {
      ++outcome.stored;
      outcome.new_events.push_back(i);
      if (arrivals[i].reconcile_hlc) ++outcome.clock_flagged;
      digester.add(batch.origin, event, batch.received_ms);
    } else if (auto at_seq = taken->find(event.seq); at_seq != taken->end()) {
      auto conflicted = conflict_with_stored(batch, event, at_seq->second);
      if (!conflicted) return conflicted.error();
      if (!*conflicted) {
        ++outcome.duplicates;
        continue;
      }
      ++outcome.conflicts;
      outcome.rejected.push_back(protocol::NackEntry{event.seq, event.event_id, "", std::string(kConflictReason)});
    } else {
      // Its seq is free, so its event_id was what is stored.
      const Error reused = EventStore::reused_event_id();
      const std::string json = protocol::encode_event(event);
      letters.push_back(DeadLetter{0, batch.received_ms, batch.topic, batch.origin, event.seq, event.event_id,
                                   reused.field, reused.message, json, json.size()});
    }
  }
  Json rejected = Json::array();
  for (const DeadLetter& letter : letters) {
    auto lettered = store.add_dead_letter(letter);
    if (!lettered) return lettered.error();
    if (*lettered == Lettering::kOverQuota) ++outcome.dead_letter_overflow;
    outcome.rejected.push_back(nack_entry(letter));
    rejected.push_back({{"seq", letter.seq.value_or(0)}, {"field", letter.field}, {"reason", letter.reason}});
  }
  auto cursor = store.advance(batch.origin, outcome.stored, batch.received_ms);
  if (!cursor) return cursor.error();
  outcome.cursor = *cursor;
  if (outcome.clock_flagged > 0) {
    if (auto ok = store.flag_clock(batch.origin.device, outcome.clock_flagged); !ok) return ok.error();
  }

  const Json detail = {{"topic", batch.topic},
                       {"epoch", batch.origin.epoch},
                       {"first_seq", batch.first_seq},
                       {"last_seq", batch.last_seq},
                       {"new", outcome.stored},
                       {"duplicates", outcome.duplicates},
                       {"conflicts", outcome.conflicts},
                       {"clock_flagged", outcome.clock_flagged},
                       {"rejected", rejected},
                       {"acked_through", outcome.cursor.acked_through},
                       {kEventsMember, to_json(digester.finish())}};
  if (auto ok = audit("sync.batch", subject_of(batch.origin), dump(detail)); !ok) return ok.error();
  return outcome;
}

Result<std::map<std::uint64_t, StoredEvent>> LedgerWrite::stored_at_skipped_seqs(const IncomingBatch& batch,
                                                                                 const std::vector<bool>& stored) {
  std::map<std::uint64_t, StoredEvent> taken;
  std::optional<std::uint64_t> lowest;
  std::uint64_t highest = 0;
  for (std::size_t i = 0; i < batch.events.size(); ++i) {
    if (stored[i]) continue;
    const std::uint64_t seq = batch.events[i].seq;
    lowest = std::min(lowest.value_or(seq), seq);
    highest = std::max(highest, seq);
  }
  if (!lowest) return taken;
  // One read of the range the skipped seqs span, which a batch's consecutive seqs bound.
  auto found = ledger_->events_.events(EventQuery{batch.origin.device, batch.origin.epoch, *lowest - 1,
                                                  static_cast<std::size_t>(highest - *lowest + 1)});
  if (!found) return found.error();
  for (StoredEvent& event : *found) {
    const std::uint64_t seq = event.event.seq;
    taken.emplace(seq, std::move(event));
  }
  return taken;
}

Result<bool> LedgerWrite::conflict_with_stored(const IncomingBatch& batch, const Event& event,
                                               const StoredEvent& stored) {
  std::string stored_text = protocol::encode_event(stored.event);
  std::string text = protocol::encode_event(event);
  if (stored_text == text) return false;
  auto added =
      ledger_->events_.add_conflict(Conflict{0, batch.origin, event.seq, std::move(stored_text), stored.received_ms,
                                             std::move(text), batch.received_ms, std::nullopt, ""});
  if (!added) return added.error();
  return true;
}

Result<Lettering> LedgerWrite::reject(const DeadLetter& letter) {
  auto lettered = ledger_->events_.add_dead_letter(letter);
  if (!lettered) return lettered.error();
  if (!letter.origin.device.empty()) {
    if (auto ok = ledger_->events_.touch_device(letter.origin.site, letter.origin.device, letter.received_ms); !ok) {
      return ok.error();
    }
  }
  if (*lettered == Lettering::kOverQuota) return lettered;
  const Json detail = {{"topic", letter.topic},
                       {"epoch", letter.origin.epoch},
                       {"field", letter.field},
                       {"reason", letter.reason},
                       {"bytes", letter.payload_bytes}};
  if (auto ok = audit("sync.payload_rejected", subject_of(letter.origin), dump(detail)); !ok) return ok.error();
  return lettered;
}

Result<Cursor> LedgerWrite::hello(const std::string& topic, const protocol::Hello& hello, std::int64_t received_ms) {
  const Origin origin{hello.site, hello.device, hello.epoch};
  auto cursor = ledger_->events_.advance(origin, 0, received_ms);
  if (!cursor) return cursor.error();
  if (hello.pruned_through > cursor->acked_through) {
    // Restored from an older backup: the device acked these long ago and its retention has
    // deleted them since. The cursor moves past them, so its later events are acked again, and
    // the loss stays visible.
    const std::uint64_t first = cursor->acked_through + 1;
    cursor = ledger_->events_.advance(origin, 0, received_ms, hello.pruned_through);
    if (!cursor) return cursor.error();
    const std::string range = "seqs " + std::to_string(first) + " to " + std::to_string(hello.pruned_through);
    DeadLetter lost{0,
                    received_ms,
                    topic,
                    origin,
                    std::nullopt,
                    "",
                    "pruned_through",
                    range +
                        " are not in the ledger (it was restored from an older backup) and no longer in the "
                        "device's journal (retention deleted them after an earlier ack): lost",
                    "",
                    0};
    if (auto lettered = ledger_->events_.add_dead_letter(lost); !lettered) return lettered.error();
    const Json lost_detail = {{"epoch", hello.epoch}, {"first_seq", first}, {"last_seq", hello.pruned_through}};
    if (auto ok = audit("sync.events_lost", subject_of(origin), dump(lost_detail)); !ok) return ok.error();
  }
  const Json detail = {{"topic", topic},
                       {"epoch", hello.epoch},
                       {"last_seq", hello.last_seq},
                       {"agent_acked_through", hello.acked_through},
                       {"acked_through", cursor->acked_through}};
  if (auto ok = audit("sync.hello", subject_of(origin), dump(detail)); !ok) return ok.error();
  return cursor;
}

EventStore& LedgerWrite::events() { return ledger_->events_; }

storage::Connection& LedgerWrite::database() { return ledger_->database(); }

Result<Event> LedgerWrite::record_hub_event(const std::string& site, Event event, std::int64_t made_ms) {
  const Origin origin{site, std::string(Ledger::kHubDevice), ledger_->hub_epoch_};
  auto cursor = ledger_->events_.advance(origin, 0, made_ms);
  if (!cursor) return cursor.error();
  event.seq = cursor->acked_through + 1;
  auto inserted = ledger_->events_.insert(origin, event, made_ms);
  if (!inserted) return inserted.error();
  if (*inserted == Insertion::kNew) {
    if (hub_events_.count() == 0) first_hub_seq_ = event.seq;
    last_hub_seq_ = event.seq;
    hub_events_.add(origin, event, made_ms);
  }
  if (auto advanced = ledger_->events_.advance(origin, 1, made_ms); !advanced) return advanced.error();
  return event;
}

Result<void> LedgerWrite::status(const std::string& site, const protocol::Status& status, std::int64_t received_ms,
                                 Freshness freshness) {
  return ledger_->events_.record_status(site, status, received_ms, freshness == Freshness::kLive ? received_ms : 0);
}

Result<void> LedgerWrite::audit_hub_events() {
  if (hub_events_.count() == 0) return {};
  const Json detail = {{"epoch", ledger_->hub_epoch_},
                       {"first_seq", first_hub_seq_},
                       {"last_seq", last_hub_seq_},
                       {kEventsMember, to_json(hub_events_.finish())}};
  auto entry = ledger_->audit_.append(ledger_->wall_(), "hub.events", std::string(Ledger::kHubDevice), dump(detail));
  if (!entry) return entry.error();
  return {};
}

Result<void> LedgerWrite::commit() {
  if (auto ok = audit_hub_events(); !ok) return ok;
  return transaction_.commit();
}

}  // namespace recount::hub
