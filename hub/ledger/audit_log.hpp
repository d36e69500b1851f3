// The hub's audit trail (DESIGN §7): an append-only log whose entries are hash-chained, so that
// editing, reordering or deleting any entry but the newest ones is detectable, and whose entries
// carry the digest of the events they record, so that editing the events is too. Deleting the
// newest entries, or rewriting entries and recomputing the chain, shows against a signed
// checkpoint kept elsewhere (hub/ledger/checkpoint.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub {

struct AuditEntry {
  std::int64_t id = 0;     // 1, 2, 3, … without gaps
  std::int64_t at_ms = 0;  // hub wall time
  std::string kind;        // what happened, e.g. "sync.batch"
  std::string subject;     // what it happened to, e.g. "site-1/device-7"
  std::string detail;      // a JSON object with the particulars
  std::string prev_hash;   // the previous entry's hash; 64 zeros for the first entry
  std::string hash;        // SHA-256 hex of prev_hash followed by the canonical entry
};

// The newest entry: what a checkpoint signs (hub/audit/checkpoint.hpp).
struct ChainHead {
  std::int64_t id = 0;  // 0 for an empty log
  std::string hash;     // the newest entry's hash; the genesis hash for an empty log
};

struct AuditVerification {
  std::uint64_t entries = 0;              // entries that verified before the first broken one
  std::string head_hash;                  // hash of the last entry that verified (record it elsewhere:
                                          // deleting the newest entries is visible only against it)
  std::optional<std::int64_t> broken_id;  // the first entry that is missing or does not verify
                                          // (one past the last when events no entry records follow)
  std::string problem;                    // why, when broken_id is set
};

// Which entries a listing shows (docs/api.md, GET /api/v1/audit): each member narrows it.
struct AuditQuery {
  std::int64_t after_id = 0;
  std::size_t limit = 100;
  std::string kind_prefix;   // kinds starting with it ("reconcile."); "" for any
  std::string actor;         // the detail's "actor" ("operator ops-anna"), whole or its name; "" for any
  std::int64_t from_ms = 0;  // at_ms at or after
  std::int64_t to_ms = std::numeric_limits<std::int64_t>::max();  // at_ms before
};

// Prepared statements over the audit_log table of a migrated hub database, SQLite or PostgreSQL
// (the same chain, the same digests on both). Not thread-safe; must not outlive the Connection.
// Every call blocks on the database and returns kIo when it fails.
class AuditLog {
 public:
  static Result<AuditLog> prepare(storage::Connection& database);

  // The first entry's prev_hash.
  static const std::string& genesis_hash();

  // The text that is hashed for an entry (after its prev_hash): a JSON array of id, at_ms, kind,
  // subject and detail, so no two different entries share it.
  static std::string canonical(const AuditEntry& entry);

  // Appends an entry chained to the newest one and returns it. Run it inside the transaction
  // that makes the change it records, so the log and the change commit together.
  Result<AuditEntry> append(std::int64_t at_ms, std::string kind, std::string subject, std::string detail);

  // Walks the whole chain in id order beside the events table in storage order, a page of each at
  // a time (memory does not grow with the log), on one snapshot of the database
  // (Connection::begin_snapshot: entries and events of the same commits, while the hub writes),
  // and reports the first entry whose id is out of sequence, whose prev_hash is
  // not its predecessor's hash, whose hash does not match its content, or whose detail records
  // events (hub/ledger/event_digest.hpp) that the next rows of the events table do not match; and
  // rows left in the events table that no entry records. Entries record their events in the order
  // the events were stored, each entry's after the previous one's, which is what makes one pass
  // enough. Call outside any transaction on the connection (it opens its own). Blocks for a read
  // of the whole log and events table.
  Result<AuditVerification> verify();

  // The newest entry's id and hash.
  Result<ChainHead> head();

  // Entries in id order after `after_id`, at most `limit`.
  Result<std::vector<AuditEntry>> entries(std::int64_t after_id, std::size_t limit);
  // Entries in id order after query.after_id that match its filters, at most query.limit. Reads
  // on in id order until the page is full, so a rare filter reads much of the log.
  Result<std::vector<AuditEntry>> matching(const AuditQuery& query);

 private:
  enum class Sql;
  AuditLog(storage::Connection& database, storage::StatementSet<Sql> statements)
      : database_(&database), statements_(std::move(statements)) {}
  storage::Statement& statement(Sql which) { return statements_[which]; }
  // verify()'s walk, inside its snapshot.
  Result<AuditVerification> walk_chain();

  storage::Connection* database_;
  storage::StatementSet<Sql> statements_;
};

}  // namespace recount::hub
