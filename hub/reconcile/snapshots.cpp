// SnapshotStore: SQL over reconcile_snapshots.
#include "hub/reconcile/snapshots.hpp"

#include "hub/reconcile/names.hpp"
#include "hub/reconcile/projection_rows.hpp"
#include "hub/reconcile/stamps.hpp"

namespace recount::hub::reconcile {

enum class SnapshotStore::Sql {
  kInsert,
  kMarkTouched,
  kMarkAll,
  kDue,
  kNextDue,
  kGet,
  kFind,
  kRecordJudgement,
  kNewestOf,
  kLatestOfSku,
  kSubjects,
  kJudged,
  kPositions,
  kOnHand,
  kSummaries,
  kCount,
};

namespace {

constexpr std::string_view kSelect =
    "SELECT id, event_id, system, site, location, sku, hlc, wall_ms, reported, reference, received_ms, expected,"
    " variance, within, value_cents, settled_ms FROM reconcile_snapshots";

// Indexed by SnapshotStore::Sql.
const std::string kSql[] = {
    // kInsert
    "INSERT INTO reconcile_snapshots (event_id, system, site, location, sku, hlc, wall_ms, reported, reference,"
    " received_ms, due_ms, cause, cause_event_id, actor_kind, actor)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) ON CONFLICT (event_id) DO NOTHING",
    // kMarkTouched: the (site, sku, hlc) index finds them; a mark for later stays later (CASE:
    // PostgreSQL has no two-argument max; a NULL due_ms compares as not later).
    "UPDATE reconcile_snapshots SET due_ms = CASE WHEN due_ms > CAST(?5 AS BIGINT) THEN due_ms ELSE ?5 END,"
    " cause = ?6, cause_event_id = ?7,"
    " actor_kind = ?8, actor = ?9"
    " WHERE site = ?1 AND sku = ?2 AND hlc >= ?3 AND (location = '' OR location = ?4 OR location = ?10)",
    // kMarkAll
    "UPDATE reconcile_snapshots SET due_ms = ?1, cause = ?2, cause_event_id = ?3, actor_kind = ?4, actor = ?5",
    // kDue: the page in the order of the due_ms index (no sort, however many are due), then by time.
    "SELECT id, cause, cause_event_id, actor_kind, actor FROM (SELECT id, hlc, cause, cause_event_id, actor_kind,"
    " actor FROM reconcile_snapshots WHERE due_ms <= ?1 ORDER BY due_ms LIMIT ?2) AS page ORDER BY hlc, id",
    // kNextDue
    "SELECT min(due_ms) FROM reconcile_snapshots WHERE due_ms IS NOT NULL",
    // kGet
    std::string(kSelect) + " WHERE id = ?1",
    // kFind
    std::string(kSelect) + " WHERE event_id = ?1",
    // kRecordJudgement
    "UPDATE reconcile_snapshots SET expected = ?2, variance = reported - ?2, value_cents = ?3, within = ?4,"
    " settled_ms = ?5, due_ms = NULL WHERE id = ?1",
    // kNewestOf
    "SELECT id FROM reconcile_snapshots WHERE system = ?1 AND site = ?2 AND location = ?3 AND sku = ?4"
    " ORDER BY hlc DESC, id DESC LIMIT 1",
    // kLatestOfSku: the report stored last of each system and location.
    std::string(kSelect) +
        " WHERE id IN (SELECT max(id) FROM reconcile_snapshots WHERE site = ?1 AND sku = ?2"
        " GROUP BY system, location) ORDER BY system, location",
    // kSubjects: the (system, site, location, sku, hlc) index walks them in order.
    "SELECT DISTINCT location, sku FROM reconcile_snapshots WHERE system = ?1 AND site = ?2"
    " AND (?3 = '' OR sku = ?3) AND (location, sku) > (?4, ?5) AND expected IS NOT NULL"
    " ORDER BY location, sku LIMIT ?6",
    // kJudged
    std::string(kSelect) +
        " WHERE system = ?1 AND site = ?2 AND location = ?3 AND sku = ?4 AND expected IS NOT NULL ORDER BY hlc, id",
    // kPositions
    std::string(kPositionSelect) + " WHERE site = ?1 AND sku = ?3 AND (?2 = '' OR location = ?2) ORDER BY id",
    // kOnHand
    "SELECT coalesce(sum(on_hand), 0) FROM reconcile_positions WHERE site = ?1 AND sku = ?3"
    " AND (?2 = '' OR location = ?2)",
    // kSummaries: the newest report by stamp; the open discrepancies by system and site.
    "SELECT s.system, s.site, (SELECT reference FROM reconcile_snapshots l WHERE l.system = s.system"
    " AND l.site = s.site ORDER BY l.hlc DESC, l.id DESC LIMIT 1), max(s.wall_ms), max(s.received_ms),"
    " (SELECT count(*) FROM (SELECT DISTINCT l.location, l.sku FROM reconcile_snapshots l"
    " WHERE l.system = s.system AND l.site = s.site) subjects),"
    " (SELECT count(*) FROM reconcile_discrepancies d WHERE d.system = s.system AND d.site = s.site"
    " AND d.closed_ms IS NULL)"
    " FROM reconcile_snapshots s WHERE ?1 = '' OR s.site = ?1 GROUP BY s.system, s.site ORDER BY s.system, s.site",
};

Result<Snapshot> read_snapshot(const storage::Statement& row) {
  Snapshot snapshot;
  snapshot.id = row.column_int(0);
  snapshot.event_id = row.column_text(1);
  snapshot.system = row.column_text(2);
  snapshot.subject = PositionKey{row.column_text(3), row.column_text(4), row.column_text(5), ""};
  snapshot.hlc = stamp_from_sql(row.column_int(6));
  snapshot.wall_ms = row.column_int(7);
  snapshot.reported = row.column_int(8);
  snapshot.reference = row.column_text(9);
  snapshot.received_ms = row.column_int(10);
  snapshot.expected = optional_int(row, 11);
  snapshot.variance = row.column_int(12);
  if (auto within = optional_int(row, 13)) snapshot.within = *within != 0;
  snapshot.value_cents = row.column_int(14);
  snapshot.settled_ms = optional_int(row, 15);
  return snapshot;
}

Result<DueSnapshot> read_due(const storage::Statement& row) {
  const auto kind = parse_cause_kind(row.column_text(1));
  if (!kind) return corrupt_value("snapshots.cause", row.column_text(1));
  const auto actor_kind = parse_actor_kind(row.column_text(3));
  if (!actor_kind) return corrupt_value("snapshots.actor_kind", row.column_text(3));
  return DueSnapshot{row.column_int(0), Cause{*kind, row.column_text(2), Actor{*actor_kind, row.column_text(4)}}};
}

}  // namespace

Result<SnapshotStore> SnapshotStore::prepare(storage::Connection& database) {
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return SnapshotStore(std::move(*statements));
}

Result<bool> SnapshotStore::record(const std::string& site, const Event& event, std::int64_t received_ms,
                                   std::int64_t due_ms, const Cause& cause) {
  auto& insert = statement(Sql::kInsert);
  insert.bind(1, event.event_id)
      .bind(2, event.system)
      .bind(3, site)
      .bind(4, event.location)
      .bind(5, event.sku)
      .bind(6, event.hlc)
      .bind(7, event.wall_ms)
      .bind(8, event.qty)
      .bind(9, event.reference)
      .bind(10, received_ms)
      .bind(11, due_ms)
      .bind(12, to_string(cause.kind))
      .bind(13, cause.event_id)
      .bind(14, to_string(cause.actor.kind))
      .bind(15, cause.actor.id);
  auto changed = insert.run_counted();
  if (!changed) return changed.error();
  return *changed > 0;
}

Result<void> SnapshotStore::mark_touched(const std::string& site, const std::string& sku,
                                         const std::vector<std::string>& locations, HlcStamp hlc, std::int64_t due_ms,
                                         const Cause& cause) {
  auto& mark = statement(Sql::kMarkTouched);
  mark.bind(1, site)
      .bind(2, sku)
      .bind(3, hlc)
      .bind(4, locations.empty() ? std::string() : locations.front())
      .bind(5, due_ms)
      .bind(6, to_string(cause.kind))
      .bind(7, cause.event_id)
      .bind(8, to_string(cause.actor.kind))
      .bind(9, cause.actor.id)
      .bind(10, locations.size() > 1 ? locations[1] : std::string());
  return mark.run();
}

Result<void> SnapshotStore::mark_all(std::int64_t due_ms, const Cause& cause) {
  return statement(Sql::kMarkAll)
      .bind(1, due_ms)
      .bind(2, to_string(cause.kind))
      .bind(3, cause.event_id)
      .bind(4, to_string(cause.actor.kind))
      .bind(5, cause.actor.id)
      .run();
}

Result<std::vector<DueSnapshot>> SnapshotStore::due(std::int64_t now_ms, std::size_t limit) {
  return collect_rows<DueSnapshot>(statement(Sql::kDue).bind(1, now_ms).bind(2, static_cast<std::int64_t>(limit)),
                                   read_due);
}

Result<std::optional<std::int64_t>> SnapshotStore::next_due() { return first_int(statement(Sql::kNextDue)); }

Result<Snapshot> SnapshotStore::get(std::int64_t id) {
  auto found = collect_rows<Snapshot>(statement(Sql::kGet).bind(1, id), read_snapshot);
  if (!found) return found.error();
  if (found->empty()) return Error{ErrorCode::kNotFound, "", "no snapshot " + std::to_string(id)};
  return std::move(found->front());
}

Result<std::optional<Snapshot>> SnapshotStore::find(const std::string& event_id) {
  auto found = collect_rows<Snapshot>(statement(Sql::kFind).bind(1, event_id), read_snapshot);
  if (!found) return found.error();
  if (found->empty()) return std::optional<Snapshot>();
  return std::optional<Snapshot>(std::move(found->front()));
}

Result<void> SnapshotStore::record_judgement(std::int64_t id, std::int64_t expected, std::int64_t value_cents,
                                             bool within, std::int64_t now_ms) {
  return statement(Sql::kRecordJudgement)
      .bind(1, id)
      .bind(2, expected)
      .bind(3, value_cents)
      .bind(4, std::int64_t{within ? 1 : 0})
      .bind(5, now_ms)
      .run();
}

Result<std::int64_t> SnapshotStore::newest_of(const std::string& system, const PositionKey& subject) {
  return single_int(
      statement(Sql::kNewestOf).bind(1, system).bind(2, subject.site).bind(3, subject.location).bind(4, subject.sku));
}

Result<std::vector<Snapshot>> SnapshotStore::latest_of_sku(const std::string& site, const std::string& sku) {
  return collect_rows<Snapshot>(statement(Sql::kLatestOfSku).bind(1, site).bind(2, sku), read_snapshot);
}

Result<std::vector<PositionKey>> SnapshotStore::subjects(const std::string& system, const std::string& site,
                                                         const std::string& sku, const PositionKey& after,
                                                         std::size_t limit) {
  auto& query = statement(Sql::kSubjects)
                    .bind(1, system)
                    .bind(2, site)
                    .bind(3, sku)
                    .bind(4, after.location)
                    .bind(5, after.sku)
                    .bind(6, static_cast<std::int64_t>(limit));
  return collect_rows<PositionKey>(query, [&site](const storage::Statement& row) -> Result<PositionKey> {
    return PositionKey{site, row.column_text(0), row.column_text(1), ""};
  });
}

Result<std::vector<Snapshot>> SnapshotStore::judged(const std::string& system, const PositionKey& subject) {
  return collect_rows<Snapshot>(
      statement(Sql::kJudged).bind(1, system).bind(2, subject.site).bind(3, subject.location).bind(4, subject.sku),
      read_snapshot);
}

Result<std::vector<PositionView>> SnapshotStore::positions(const std::string& site, const std::string& location,
                                                           const std::string& sku) {
  return collect_rows<PositionView>(statement(Sql::kPositions).bind(1, site).bind(2, location).bind(3, sku),
                                    read_position);
}

Result<std::int64_t> SnapshotStore::on_hand(const std::string& site, const std::string& location,
                                            const std::string& sku) {
  return single_int(statement(Sql::kOnHand).bind(1, site).bind(2, location).bind(3, sku));
}

Result<std::vector<SystemSummary>> SnapshotStore::summaries(const std::string& site) {
  return collect_rows<SystemSummary>(
      statement(Sql::kSummaries).bind(1, site), [](const storage::Statement& row) -> Result<SystemSummary> {
        return SystemSummary{row.column_text(0), row.column_text(1), row.column_text(2), row.column_int(3),
                             row.column_int(4),  row.column_int(5),  row.column_int(6)};
      });
}

}  // namespace recount::hub::reconcile
