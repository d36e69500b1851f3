// Audit log: SQL over the audit_log table and the hash chain.
#include "hub/ledger/audit_log.hpp"

#include <array>
#include <cstddef>
#include <iterator>
#include <limits>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hub/ledger/event_digest.hpp"
#include "shared/crypto/sha256.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub {

enum class AuditLog::Sql { kTail, kInsert, kAfter, kEvents, kMatching, kCount };

namespace {

// The detail's "actor" member: the one expression the two dialects spell differently (the
// column is TEXT on both, so that the stored detail is the hashed text byte for byte).
std::string actor_of_detail(storage::Dialect dialect) {
  return dialect == storage::Dialect::kSqlite ? "json_extract(detail, '$.actor')" : "(detail::jsonb ->> 'actor')";
}

// Indexed by AuditLog::Sql (StatementSet checks the count).
std::array<std::string, 5> sql_for(storage::Dialect dialect) {
  const std::string actor = actor_of_detail(dialect);
  return {
      // kTail
      "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
      // kInsert
      "INSERT INTO audit_log (id, at_ms, kind, subject, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
      // kAfter
      "SELECT id, at_ms, kind, subject, detail, prev_hash, hash FROM audit_log WHERE id > ?1 ORDER BY id LIMIT ?2",
      // kEvents
      EventDigester::select_page_in_storage_order(),
      // kMatching: ?3 a kind prefix, ?4 an actor as the detail names it or its last word, ?5 and ?6
      // the window of at_ms; '' matches any. The last word is compared through a substr from a
      // positive start, which both dialects read alike (SQLite counts a negative one from the end).
      "SELECT id, at_ms, kind, subject, detail, prev_hash, hash FROM audit_log WHERE id > ?1"
      " AND substr(kind, 1, length(?3)) = ?3"
      " AND (?4 = '' OR " +
          actor +
          " = ?4"
          "      OR substr(" +
          actor + ", length(" + actor +
          ") - length(?4)) = ' ' || ?4)"
          " AND at_ms >= ?5 AND at_ms < ?6 ORDER BY id LIMIT ?2",
  };
}

// Each text field is length-prefixed, so the encoding is unambiguous for any bytes.
void append_field(std::string& out, std::string_view field) {
  out.append(std::to_string(field.size())).append(":").append(field).append("|");
}

Result<AuditEntry> read_entry(const storage::Statement& row) {
  return AuditEntry{row.column_int(0),  row.column_int(1),  row.column_text(2), row.column_text(3),
                    row.column_text(4), row.column_text(5), row.column_text(6)};
}

}  // namespace

Result<AuditLog> AuditLog::prepare(storage::Connection& database) {
  auto statements = storage::StatementSet<Sql>::prepare(database, sql_for(database.dialect()));
  if (!statements) return statements.error();
  return AuditLog(database, std::move(*statements));
}

const std::string& AuditLog::genesis_hash() {
  static const std::string kGenesis(64, '0');
  return kGenesis;
}

std::string AuditLog::canonical(const AuditEntry& entry) {
  std::string text;
  append_field(text, std::to_string(entry.id));
  append_field(text, std::to_string(entry.at_ms));
  append_field(text, entry.kind);
  append_field(text, entry.subject);
  append_field(text, entry.detail);
  return text;
}

Result<ChainHead> AuditLog::head() {
  ChainHead head{0, genesis_hash()};
  auto& tail = statement(Sql::kTail);
  auto found = tail.step();
  if (found && *found) head = ChainHead{tail.column_int(0), tail.column_text(1)};
  tail.reset();
  if (!found) return found.error();
  return head;
}

Result<AuditEntry> AuditLog::append(std::int64_t at_ms, std::string kind, std::string subject, std::string detail) {
  auto head = this->head();
  if (!head) return head.error();
  AuditEntry entry{head->id + 1, at_ms, std::move(kind), std::move(subject), std::move(detail), head->hash, ""};
  entry.hash = sha256_hex(entry.prev_hash + canonical(entry));
  auto ok = statement(Sql::kInsert)
                .bind(1, entry.id)
                .bind(2, entry.at_ms)
                .bind(3, entry.kind)
                .bind(4, entry.subject)
                .bind(5, entry.detail)
                .bind(6, entry.prev_hash)
                .bind(7, entry.hash)
                .run();
  if (!ok) return ok.error();
  return entry;
}

namespace {

// How many entries, and how many events, verify() holds at a time.
constexpr std::int64_t kVerifyPage = 1000;

// Takes the next `recorded.count` rows of `events` and names what does not match, if anything.
Result<std::string> check_events(storage::KeysetPages& events, const storage::Statement& event,
                                 const EventsDigest& recorded) {
  EventDigester digester;
  while (digester.count() < recorded.count) {
    auto row = events.next();
    if (!row) return row.error();
    if (!*row) {
      return "it records " + std::to_string(recorded.count) + " events but only " + std::to_string(digester.count()) +
             " are left in the events table (rows were deleted)";
    }
    digester.add_row(event);
  }
  if (digester.finish().sha256 != recorded.sha256) {
    return "the " + std::to_string(recorded.count) +
           " events it records do not match the events table (a row was edited, deleted or inserted)";
  }
  return std::string();
}

}  // namespace

Result<AuditVerification> AuditLog::verify() {
  // The entries and the events are read on one snapshot, so that a batch committed meanwhile
  // shows in both or in neither, and page by page, so that memory does not grow with the log.
  auto snapshot = storage::Transaction::snapshot(*database_);
  if (!snapshot) return snapshot.error();
  auto verification = walk_chain();
  if (!verification) return verification;
  // Ends the snapshot (its pages are reset); a read-only commit, not counted as a rollback.
  if (auto ok = snapshot->commit(); !ok) return ok.error();
  return verification;
}

Result<AuditVerification> AuditLog::walk_chain() {
  AuditVerification verification;
  std::string expected_prev = genesis_hash();
  auto& entry_row = statement(Sql::kAfter);
  auto& event_row = statement(Sql::kEvents);
  storage::KeysetPages entries(entry_row, 0, 0, kVerifyPage);
  storage::KeysetPages events(event_row, EventDigester::key_column(), 0, kVerifyPage);
  while (true) {
    auto row = entries.next();
    if (!row) return row.error();
    if (!*row) break;
    const AuditEntry entry = *read_entry(entry_row);
    const auto expected_id = static_cast<std::int64_t>(verification.entries) + 1;
    if (entry.id != expected_id) {
      verification.broken_id = expected_id;
      verification.problem =
          "entry " + std::to_string(expected_id) + " is missing (the next entry is " + std::to_string(entry.id) + ")";
    } else if (entry.prev_hash != expected_prev) {
      verification.broken_id = entry.id;
      verification.problem = "its prev_hash does not match the hash of the entry before it";
    } else if (entry.hash != sha256_hex(entry.prev_hash + canonical(entry))) {
      verification.broken_id = entry.id;
      verification.problem = "its content does not match its hash";
    } else if (const auto recorded = recorded_events(nlohmann::json::parse(entry.detail, nullptr, false))) {
      auto problem = check_events(events, event_row, *recorded);
      if (!problem) return problem.error();
      if (!problem->empty()) {
        verification.broken_id = entry.id;
        verification.problem = std::move(*problem);
      }
    }
    if (verification.broken_id) return verification;
    ++verification.entries;
    verification.head_hash = entry.hash;
    expected_prev = entry.hash;
  }
  auto extra = events.next();
  if (!extra) return extra.error();
  if (*extra) {
    verification.broken_id = static_cast<std::int64_t>(verification.entries) + 1;
    verification.problem =
        "no entry records the events stored after those of the last entry (the first: " + event_row.column_text(3) +
        " of " + event_row.column_text(5) + "/" + event_row.column_text(0) + ", seq " + event_row.column_text(2) +
        "): rows were inserted";
  }
  return verification;
}

Result<std::vector<AuditEntry>> AuditLog::matching(const AuditQuery& query) {
  auto& matching = statement(Sql::kMatching);
  matching.bind(1, query.after_id)
      .bind(2, static_cast<std::int64_t>(query.limit))
      .bind(3, query.kind_prefix)
      .bind(4, query.actor)
      .bind(5, query.from_ms)
      .bind(6, query.to_ms);
  return collect_rows<AuditEntry>(matching, read_entry);
}

Result<std::vector<AuditEntry>> AuditLog::entries(std::int64_t after_id, std::size_t limit) {
  auto& after = statement(Sql::kAfter);
  after.bind(1, after_id).bind(2, static_cast<std::int64_t>(limit));
  return collect_rows<AuditEntry>(after, read_entry);
}

}  // namespace recount::hub
