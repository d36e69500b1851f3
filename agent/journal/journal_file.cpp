// The journal's schema and the creation of its file.
#include "agent/journal/journal_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <string>
#include <system_error>
#include <utility>

#include "shared/core/random_id.hpp"

namespace recount::agent {
namespace {

// Step i takes the tables from version i to i + 1. Append only: a released step is never edited.
const storage::MigrationStep kSteps[] = {
    // 1 (journal schema 1)
    {R"sql(
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
    )sql"},
    // 2 (journal schema 3): sent and acked are ranges below two watermarks (SyncState in
    // journal.hpp), so the per-row sync_state and its index go; a rejection alone marks a rejected
    // event. A journal older than this keeps what it had published as sent_through.
    {R"sql(
    INSERT INTO meta(key, value) SELECT 'sent_through', MAX(
        COALESCE((SELECT MAX(seq) FROM events WHERE sync_state IN (1, 2)), 0),
        COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'acked_through'), 0));
    UPDATE events SET rejection = 'rejected by the hub' WHERE sync_state = 3 AND rejection IS NULL;
    DROP INDEX events_by_state;
    ALTER TABLE events DROP COLUMN sync_state;
    CREATE INDEX events_rejected ON events(seq) WHERE rejection IS NOT NULL;
    )sql"},
    // 3 (journal schema 5): the newest stamp is kept apart from the events, which retention
    // deletes, so the clock resumes after it; and counters of the hub messages the agent refused.
    {R"sql(
    INSERT INTO meta(key, value) SELECT 'newest_hlc', COALESCE(MAX(hlc), 0) FROM events;
    INSERT INTO meta(key, value) VALUES ('refused_acks', '0'), ('refused_catalogs', '0'), ('refused_task_lists', '0');
    )sql"},
};

void remove_database_files(const std::filesystem::path& database) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(database.string() + suffix, ignored);
}

// Builds a complete journal in `staging`, a file no other process knows.
Result<void> build_journal(const std::filesystem::path& staging, const JournalIdentity& identity, std::int64_t now_ms) {
  auto database = storage::Database::open(staging, storage::OpenMode::kCreateIfMissing, storage::Durability::kFull,
                                          Journal::kApplicationId);
  if (!database) return database.error();
  const storage::SchemaComponent components[] = {journal_schema()};
  if (auto ok = storage::migrate(*database, components); !ok) return ok;
  auto transaction = storage::Transaction::begin(*database);
  if (!transaction) return transaction.error();
  // sent_through and the counters are not among these: the steps made them.
  auto insert = database->prepare("INSERT INTO meta(key, value) VALUES(?, ?)");
  if (!insert) return insert.error();
  const std::pair<const char*, std::string> rows[] = {
      {"site", identity.site},   {"device", identity.device},
      {"epoch", identity.epoch}, {"last_seq", "0"},
      {"acked_through", "0"},    {"last_ack_ms", "0"},
      {"skew_ms", "0"},          {"created_ms", std::to_string(now_ms)},
  };
  for (const auto& [key, value] : rows) {
    if (auto ok = insert->bind(1, key).bind(2, value).run(); !ok) return ok;
  }
  if (auto ok = transaction->commit(); !ok) return ok;
  // Fold the WAL into the main file so that the link below shows one complete file.
  return database->execute("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace

storage::SchemaComponent journal_schema() {
  return storage::SchemaComponent{"journal",
                                  "recount-agent",
                                  {std::begin(kSteps), std::end(kSteps)},
                                  storage::shared_user_version({1, 3, 5}, kLastJournalSchema)};
}

Result<void> create_journal_file(const std::filesystem::path& file, const JournalIdentity& identity,
                                 std::int64_t now_ms) {
  // Named after this process and a random part: two creators never share a staging file, and
  // one left by a crash is never opened again.
  const std::filesystem::path staging =
      file.string() + ".creating-" + std::to_string(::getpid()) + "-" + random_epoch();
  auto built = build_journal(staging, identity, now_ms);
  if (built) {
    // link() never replaces: the first of several creators wins, the others keep its journal.
    if (::link(staging.c_str(), file.c_str()) != 0 && errno != EEXIST) {
      built = Error{ErrorCode::kIo, "", "cannot create " + file.string() + ": " + std::strerror(errno)};
    }
  }
  remove_database_files(staging);
  if (!built) return built;
  // The new name is durable only once the directory entry is on disk.
  const int directory = ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY);
  if (directory >= 0) {
    ::fsync(directory);
    ::close(directory);
  }
  return {};
}

}  // namespace recount::agent
