// The corrections outbox's table: queueing, superseding, delivery rounds, confirmation by reports.
#include "hub/channels/outbox/corrections.hpp"

#include <array>
#include <utility>

#include <nlohmann/json.hpp>

#include "hub/channels/outbox/corrections_schema.hpp"
#include "shared/core/random_id.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::channels {
namespace {

using Json = nlohmann::json;

constexpr std::array<std::pair<CorrectionState, std::string_view>, 6> kStateNames{{
    {CorrectionState::kPending, "pending"},
    {CorrectionState::kDelivered, "delivered"},
    {CorrectionState::kConfirmed, "confirmed"},
    {CorrectionState::kReopened, "reopened"},
    {CorrectionState::kFailed, "failed"},
    {CorrectionState::kSuperseded, "superseded"},
}};

constexpr const char* kSelect =
    "SELECT id, system, site, system_location, sku, on_hand, discrepancy_id, cause, state, idempotency_key, "
    "created_ms, updated_ms, attempts, next_attempt_ms, last_error, COALESCE(file_ms, 0), COALESCE(webhook_ms, 0), "
    "COALESCE(delivered_ms, 0), COALESCE(closed_ms, 0), COALESCE(superseded_by, 0) FROM corrections ";

Result<CorrectionRecord> read_record(const storage::Statement& row) {
  CorrectionRecord record;
  record.id = row.column_int(0);
  record.correction = Correction{row.column_text(1), row.column_text(2), row.column_text(3), row.column_text(4),
                                 row.column_int(5),  row.column_int(6),  row.column_text(7)};
  const auto state = parse_correction_state(row.column_text(8));
  if (!state) {
    return Error{ErrorCode::kCorrupt, "corrections.state",
                 "correction " + std::to_string(record.id) + " has the unknown state " + row.column_text(8)};
  }
  record.state = *state;
  record.idempotency_key = row.column_text(9);
  record.created_ms = row.column_int(10);
  record.updated_ms = row.column_int(11);
  record.attempts = row.column_int(12);
  record.next_attempt_ms = row.column_int(13);
  record.last_error = row.column_text(14);
  record.file_ms = row.column_int(15);
  record.webhook_ms = row.column_int(16);
  record.delivered_ms = row.column_int(17);
  record.closed_ms = row.column_int(18);
  record.superseded_by = row.column_int(19);
  return record;
}

Result<std::vector<CorrectionRecord>> select(storage::Connection& database, const std::string& where,
                                             const std::function<void(storage::Statement&)>& bind) {
  auto query = database.prepare(std::string(kSelect) + where);
  if (!query) return query.error();
  bind(*query);
  return storage::collect_rows<CorrectionRecord>(*query, read_record);
}

// The audit entry of a transition: subject "correction/ID", the position and what changed.
Result<void> audit_transition(LedgerWrite& write, std::string_view kind, const CorrectionRecord& record, Json detail) {
  detail["system"] = record.correction.system;
  detail["site"] = record.correction.site;
  detail["location"] = record.correction.system_location;
  detail["sku"] = record.correction.sku;
  detail["on_hand"] = record.correction.on_hand;
  return write.audit(std::string(kind), "correction/" + std::to_string(record.id), detail.dump());
}

// Moves `record` to `state` at now_ms, setting `time_column` (a column of corrections) to now_ms
// too when given, and audits it as `kind` with `detail`.
Result<void> transition(LedgerWrite& write, CorrectionRecord& record, CorrectionState state, std::string_view kind,
                        std::string_view time_column, std::int64_t now_ms, Json detail) {
  std::string sql = "UPDATE corrections SET state = ?1, updated_ms = ?2";
  if (!time_column.empty()) sql += ", " + std::string(time_column) + " = ?2";
  auto update = write.database().prepare(sql + " WHERE id = ?3");
  if (!update) return update.error();
  if (auto ok = update->bind(1, to_string(state)).bind(2, now_ms).bind(3, record.id).run(); !ok) return ok;
  detail["from"] = to_string(record.state);
  record.state = state;
  return audit_transition(write, kind, record, std::move(detail));
}

Result<CorrectionRecord> require(storage::Connection& database, std::int64_t id) {
  auto found = find_correction(database, id);
  if (!found) return found.error();
  if (!*found) return Error{ErrorCode::kNotFound, "id", "no correction has the id " + std::to_string(id)};
  return std::move(**found);
}

}  // namespace

std::string_view to_string(CorrectionState state) {
  for (const auto& [value, name] : kStateNames) {
    if (value == state) return name;
  }
  return "pending";
}

std::optional<CorrectionState> parse_correction_state(std::string_view text) {
  for (const auto& [value, name] : kStateNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

bool accepts_corrections(std::string_view system) { return system == "shopify"; }

Result<void> open_corrections(Ledger& ledger) { return migrate_corrections(ledger.database()); }

Result<std::int64_t> enqueue_correction(LedgerWrite& write, const Correction& correction, std::int64_t now_ms) {
  if (!accepts_corrections(correction.system)) {
    return invalid("system", "the system " + correction.system +
                                 " takes no corrections from recount (fba is read-only; pos and warehouse report "
                                 "movements): only shopify does");
  }
  if (correction.site.empty()) return invalid("site", "a correction needs the site of its position");
  if (correction.sku.empty()) return invalid("sku", "a correction needs the SKU it sets");
  if (correction.on_hand < 0) {
    return invalid("on_hand",
                   "a correction sets an on-hand quantity of 0 or more, not " + std::to_string(correction.on_hand));
  }
  storage::Connection& database = write.database();
  auto earlier = select(database,
                        "WHERE system = ?1 AND site = ?2 AND system_location = ?3 AND sku = ?4 "
                        "AND state IN ('pending', 'failed', 'delivered') ORDER BY id",
                        [&](storage::Statement& query) {
                          query.bind(1, correction.system)
                              .bind(2, correction.site)
                              .bind(3, correction.system_location)
                              .bind(4, correction.sku);
                        });
  if (!earlier) return earlier.error();
  auto insert = database.prepare(
      "INSERT INTO corrections(system, site, system_location, sku, on_hand, discrepancy_id, cause, idempotency_key, "
      "state, created_ms, updated_ms, next_attempt_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9, ?9, ?9) "
      "RETURNING id");
  if (!insert) return insert.error();
  // Random, not the id: ids restart in a new database, and a receiver must never take a new
  // correction for one it already applied.
  const std::string key = "recount-correction-" + uuid_v7(now_ms);
  auto inserted = storage::single_int(insert->bind(1, correction.system)
                                          .bind(2, correction.site)
                                          .bind(3, correction.system_location)
                                          .bind(4, correction.sku)
                                          .bind(5, correction.on_hand)
                                          .bind(6, correction.discrepancy_id)
                                          .bind(7, correction.cause)
                                          .bind(8, key)
                                          .bind(9, now_ms));
  if (!inserted) return inserted.error();
  CorrectionRecord queued;
  queued.id = *inserted;
  queued.correction = correction;
  queued.idempotency_key = key;
  queued.created_ms = queued.updated_ms = queued.next_attempt_ms = now_ms;
  for (CorrectionRecord& old : *earlier) {
    auto mark = database.prepare("UPDATE corrections SET superseded_by = ?1 WHERE id = ?2");
    if (!mark) return mark.error();
    if (auto ok = mark->bind(1, queued.id).bind(2, old.id).run(); !ok) return ok.error();
    if (auto ok = transition(write, old, CorrectionState::kSuperseded, "correction.superseded", "", now_ms,
                             Json{{"by", queued.id}});
        !ok) {
      return ok.error();
    }
  }
  if (auto ok = audit_transition(write, "correction.queued", queued,
                                 Json{{"discrepancy", correction.discrepancy_id}, {"cause", correction.cause}});
      !ok) {
    return ok.error();
  }
  return queued.id;
}

Result<void> observe_report(LedgerWrite& write, std::string_view system, std::string_view site,
                            std::string_view system_location, std::string_view sku, std::int64_t reported,
                            std::int64_t as_of_ms, std::int64_t now_ms) {
  auto delivered = select(write.database(),
                          "WHERE system = ?1 AND site = ?2 AND system_location = ?3 AND sku = ?4 "
                          "AND state = 'delivered' AND delivered_ms <= ?5 ORDER BY id",
                          [&](storage::Statement& query) {
                            query.bind(1, system).bind(2, site).bind(3, system_location).bind(4, sku).bind(5, as_of_ms);
                          });
  if (!delivered) return delivered.error();
  for (CorrectionRecord& record : *delivered) {
    const bool shows = reported == record.correction.on_hand;
    if (auto ok = transition(write, record, shows ? CorrectionState::kConfirmed : CorrectionState::kReopened,
                             shows ? "correction.confirmed" : "correction.reopened", "closed_ms", now_ms,
                             Json{{"reported", reported}, {"as_of_ms", as_of_ms}});
        !ok) {
      return ok;
    }
  }
  return {};
}

Result<CorrectionRecord> retry_correction(LedgerWrite& write, std::int64_t id, const std::string& actor,
                                          std::int64_t now_ms) {
  auto record = require(write.database(), id);
  if (!record) return record.error();
  if (record->state != CorrectionState::kFailed) {
    return Error{ErrorCode::kConflict, "id",
                 "correction " + std::to_string(id) + " is " + std::string(to_string(record->state)) +
                     ": only a failed correction can be retried"};
  }
  auto requeue = write.database().prepare("UPDATE corrections SET attempts = 0, next_attempt_ms = ?1 WHERE id = ?2");
  if (!requeue) return requeue.error();
  if (auto ok = requeue->bind(1, now_ms).bind(2, id).run(); !ok) return ok.error();
  if (auto ok = transition(write, *record, CorrectionState::kPending, "correction.retried", "", now_ms,
                           Json{{"actor", actor}, {"attempts", record->attempts}});
      !ok) {
    return ok.error();
  }
  record->attempts = 0;
  record->next_attempt_ms = now_ms;
  record->updated_ms = now_ms;
  return record;
}

Result<std::vector<CorrectionRecord>> list_corrections(storage::Connection& database, const CorrectionFilter& filter) {
  return select(
      database, "WHERE (?1 = '' OR system = ?1) AND (?2 = '' OR state = ?2) ORDER BY id DESC LIMIT ?3",
      [&](storage::Statement& query) {
        query.bind(1, filter.system)
            .bind(2, filter.state ? to_string(*filter.state) : std::string_view(""))  // not NULL: ?2 = '' must hold
            .bind(3, static_cast<std::int64_t>(filter.limit));
      });
}

Result<std::optional<CorrectionRecord>> find_correction(storage::Connection& database, std::int64_t id) {
  auto rows = select(database, "WHERE id = ?1", [&](storage::Statement& query) { query.bind(1, id); });
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<CorrectionRecord>{};
  return std::optional<CorrectionRecord>{std::move(rows->front())};
}

Result<std::vector<CorrectionRecord>> due_corrections(storage::Connection& database,
                                                      const std::vector<std::string>& systems, std::int64_t now_ms,
                                                      std::size_t limit) {
  if (systems.empty()) return std::vector<CorrectionRecord>{};
  // One placeholder per system (a handful at most), which both engines read.
  std::string names;
  for (std::size_t i = 0; i < systems.size(); ++i) names += (i == 0 ? "?" : ", ?") + std::to_string(i + 3);
  return select(database,
                "WHERE state = 'pending' AND next_attempt_ms <= ?1 AND system IN (" + names +
                    ") ORDER BY next_attempt_ms, id LIMIT ?2",
                [&](storage::Statement& query) {
                  query.bind(1, now_ms).bind(2, static_cast<std::int64_t>(limit));
                  for (std::size_t i = 0; i < systems.size(); ++i) query.bind(static_cast<int>(i + 3), systems[i]);
                });
}

Result<void> record_delivery(LedgerWrite& write, const DeliveryReport& report, std::int64_t now_ms) {
  auto record = require(write.database(), report.id);
  if (!record) return record.error();
  auto update = write.database().prepare(
      "UPDATE corrections SET file_ms = COALESCE(file_ms, ?1), webhook_ms = COALESCE(webhook_ms, ?2), "
      "attempts = attempts + 1, last_error = ?3, next_attempt_ms = ?4, updated_ms = ?5 WHERE id = ?6");
  if (!update) return update.error();
  update->bind(1, report.file_ms.value_or(0)).bind(2, report.webhook_ms.value_or(0));
  if (!report.file_ms) update->bind_null(1);
  if (!report.webhook_ms) update->bind_null(2);
  if (auto ok = update->bind(3, report.error)
                    .bind(4, report.retry_at_ms.value_or(record->next_attempt_ms))
                    .bind(5, now_ms)
                    .bind(6, report.id)
                    .run();
      !ok) {
    return ok;
  }
  // A correction superseded while its round ran keeps that state: its successor is sent next.
  if (record->state != CorrectionState::kPending) return {};
  const std::int64_t attempts = record->attempts + 1;
  if (report.complete) {
    return transition(write, *record, CorrectionState::kDelivered, "correction.delivered", "delivered_ms", now_ms,
                      Json{{"attempts", attempts},
                           {"file", report.file_ms.has_value() || record->file_ms != 0},
                           {"webhook", report.webhook_ms.has_value() || record->webhook_ms != 0}});
  }
  if (!report.error.empty() && !report.retry_at_ms) {
    return transition(write, *record, CorrectionState::kFailed, "correction.failed", "", now_ms,
                      Json{{"attempts", attempts}, {"error", report.error}});
  }
  return {};
}

}  // namespace recount::hub::channels
