// Projections: SQL over the reconcile_ position, movement, count-group and close tables.
#include "hub/reconcile/projections.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <string_view>
#include <tuple>

#include "hub/reconcile/names.hpp"

namespace recount::hub::reconcile {

enum class Projections::Sql {
  kFindPosition,
  kInsertPosition,
  kInsertMovement,
  kNextBaseline,
  kAbsorbInBaseline,
  kShiftOnHand,
  kShiftGroups,
  kMarkMoved,
  kClosesSince,
  kLatestClose,
  kFindGroup,
  kInsertGroup,
  kInsertCount,
  kWriteGroup,
  kSumAfter,
  kSumAfterStamp,
  kOnHand,
  kInsertClose,
  kPositionsAt,
  kMarkDirty,
  kMovedNear,
  kReadGroup,
  kGroupsAt,
  kCountedBy,
  kNewestLead,
  kRecord,
  kLink,
  kDue,
  kNextDue,
  kClearDirty,
  kRepairExpected,
  kRepairOnHand,
  kListPositions,
  kHistoryMovements,
  kHistoryCounts,
  kHistoryZeros,
  kScanPositions,
  kScanMovements,
  kScanGroups,
  kBoundsOf,
  kNewestClose,
  kCount,
};

namespace {

constexpr NameTable<GroupRole, 3> kRoleNames{{
    {GroupRole::kCount, "count"},
    {GroupRole::kRecount, "recount"},
    {GroupRole::kRefused, "refused"},
}};

constexpr NameTable<CauseKind, 4> kCauseNames{{
    {CauseKind::kCount, "count"},
    {CauseKind::kMovement, "movement"},
    {CauseKind::kClose, "close"},
    {CauseKind::kReevaluation, "reevaluation"},
}};

constexpr std::int64_t kNoBound = std::numeric_limits<std::int64_t>::max();

// Stamps stay far below 2^63 until the year 10889, so they fit SQLite's signed integers.
std::int64_t as_sql(HlcStamp stamp) { return static_cast<std::int64_t>(stamp.packed); }

const std::string kGroupSelect =
    "SELECT g.id, g.position_id, p.site, p.location, p.sku, p.lot, g.task_id, g.session_key, g.counts, g.counted,"
    " g.first_hlc, g.last_hlc, g.closed_hlc, g.first_user, g.expected, g.role, g.verdict, g.ambiguous, g.variance,"
    " g.value_cents, g.discrepancy_id, g.received_ms, g.settled_ms, g.judged_window_ms"
    " FROM reconcile_groups g JOIN reconcile_positions p ON p.id = g.position_id";

const std::string kDirtyUpsert =
    " ON CONFLICT (group_id) DO UPDATE SET due_ms = max(due_ms, excluded.due_ms), cause = excluded.cause,"
    " cause_event_id = excluded.cause_event_id, actor_kind = excluded.actor_kind, actor = excluded.actor";

// Indexed by Projections::Sql.
const std::string kSql[] = {
    // kFindPosition
    "SELECT id FROM reconcile_positions WHERE site = ?1 AND location = ?2 AND sku = ?3 AND lot = ?4",
    // kInsertPosition
    "INSERT INTO reconcile_positions (site, location, sku, lot) VALUES (?1, ?2, ?3, ?4)",
    // kInsertMovement: writes a row only for an event not applied before.
    "INSERT INTO reconcile_movements (position_id, hlc, event_id, type, qty, delta, physical, wall_ms, device, user,"
    " reason, reference) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT DO NOTHING",
    // kNextBaseline: the first baseline after a stamp, through the partial index.
    "SELECT hlc, event_id FROM reconcile_movements WHERE position_id = ?1 AND type = 'baseline'"
    " AND (hlc, event_id) > (?2, ?3) ORDER BY hlc, event_id LIMIT 1",
    // kAbsorbInBaseline: the baseline still sets the same balance, so it takes up the delta.
    "UPDATE reconcile_movements SET delta = delta - ?4 WHERE position_id = ?1 AND hlc = ?2 AND event_id = ?3",
    // kShiftOnHand
    "UPDATE reconcile_positions SET on_hand = on_hand + ?2, movements = movements + 1 WHERE id = ?1",
    // kShiftGroups: exactly the groups whose time is at or after the movement, up to a baseline.
    "UPDATE reconcile_groups SET expected = expected + ?2 WHERE position_id = ?1 AND last_hlc >= ?3 AND last_hlc < ?4",
    // kMarkMoved: the groups kShiftGroups changed, and for a physical movement those within the
    // window of it (?5 in stamps) on either side.
    "INSERT INTO reconcile_dirty (group_id, due_ms, cause, cause_event_id, actor_kind, actor)"
    " SELECT id, ?6, ?7, ?8, ?9, ?10 FROM reconcile_groups WHERE position_id = ?1 AND last_hlc >= ?2 - ?5"
    " AND ((last_hlc >= ?2 AND last_hlc < ?3) OR (?4 AND first_hlc <= ?2 + ?5))" +
        kDirtyUpsert,
    // kClosesSince: sessions that closed the location within a span of time.
    "SELECT DISTINCT session_key FROM reconcile_closes WHERE site = ?1 AND location = ?2 AND hlc >= ?3 AND hlc < ?4"
    " AND task_id = ''",
    // kLatestClose
    "SELECT hlc, user FROM reconcile_closes WHERE site = ?1 AND location = ?2 AND session_key = ?3 AND task_id = ''"
    " ORDER BY hlc DESC LIMIT 1",
    // kFindGroup
    "SELECT id FROM reconcile_groups WHERE position_id = ?1 AND task_id = ?2 AND session_key = ?3",
    // kInsertGroup
    "INSERT INTO reconcile_groups (position_id, task_id, session_key, counts, counted, first_hlc, last_hlc,"
    " closed_hlc, first_user, expected, received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    // kInsertCount
    "INSERT INTO reconcile_counts (event_id, group_id, hlc, wall_ms, qty, device, user, session, task_id, barcode)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING",
    // kWriteGroup
    "UPDATE reconcile_groups SET counts = ?2, counted = ?3, first_hlc = ?4, last_hlc = ?5, closed_hlc = ?6,"
    " first_user = ?7, expected = ?8 WHERE id = ?1",
    // kSumAfter: what moved after a count's time (a movement at the same stamp precedes it).
    "SELECT coalesce(sum(delta), 0) FROM reconcile_movements WHERE position_id = ?1 AND hlc > ?2",
    // kSumAfterStamp: what moved after one event in the total order.
    "SELECT coalesce(sum(delta), 0) FROM reconcile_movements WHERE position_id = ?1 AND (hlc, event_id) > (?2, ?3)",
    // kOnHand
    "SELECT on_hand FROM reconcile_positions WHERE id = ?1",
    // kInsertClose
    "INSERT INTO reconcile_closes (event_id, site, location, session_key, task_id, hlc, wall_ms, device, user)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
    // kPositionsAt
    "SELECT id FROM reconcile_positions WHERE site = ?1 AND location = ?2 ORDER BY id",
    // kMarkDirty
    "INSERT INTO reconcile_dirty (group_id, due_ms, cause, cause_event_id, actor_kind, actor)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)" +
        kDirtyUpsert,
    // kMovedNear
    "SELECT EXISTS (SELECT 1 FROM reconcile_movements WHERE position_id = ?1 AND hlc BETWEEN ?2 AND ?3"
    " AND physical = 1)",
    // kReadGroup
    kGroupSelect + " WHERE g.id = ?1",
    // kGroupsAt
    kGroupSelect + " WHERE g.position_id = ?1 ORDER BY g.last_hlc, g.id",
    // kCountedBy
    "SELECT EXISTS (SELECT 1 FROM reconcile_counts WHERE group_id = ?1 AND user = ?2)",
    // kNewestLead: void is spelt out rather than read from verdict, which is stale until settled.
    "SELECT id FROM reconcile_groups WHERE position_id = ?1 AND NOT (counts = 0 AND task_id = '' AND expected = 0)"
    " AND coalesce(role, '') <> 'refused' ORDER BY last_hlc DESC, id DESC LIMIT 1",
    // kRecord
    "UPDATE reconcile_groups SET role = ?2, verdict = ?3, ambiguous = ?4, variance = ?5, value_cents = ?6,"
    " settled_ms = ?7, judged_window_ms = ?8 WHERE id = ?1",
    // kLink
    "UPDATE reconcile_groups SET discrepancy_id = ?2 WHERE id = ?1",
    // kDue: CROSS JOIN keeps SQLite starting from the few due rows; ordering by the groups' index
    // instead would walk every group to find them.
    "SELECT d.group_id, d.cause, d.cause_event_id, d.actor_kind, d.actor FROM reconcile_dirty d"
    " CROSS JOIN reconcile_groups g ON g.id = d.group_id WHERE d.due_ms <= ?1"
    " ORDER BY g.position_id, g.last_hlc, g.id",
    // kNextDue: min() over the due_ms index reads one entry.
    "SELECT min(due_ms) FROM reconcile_dirty",
    // kClearDirty
    "DELETE FROM reconcile_dirty WHERE group_id = ?1",
    // kRepairExpected
    "UPDATE reconcile_groups SET expected = ?2 WHERE id = ?1",
    // kRepairOnHand
    "UPDATE reconcile_positions SET on_hand = ?2 WHERE id = ?1",
    // kListPositions
    "SELECT id, site, location, sku, lot, on_hand, movements FROM reconcile_positions"
    " WHERE (?1 = '' OR site = ?1) AND (?2 = '' OR sku = ?2) AND id > ?3 ORDER BY id LIMIT ?4",
    // kHistoryMovements
    "SELECT hlc, event_id, type, wall_ms, qty, delta, device, user, reason, reference FROM reconcile_movements"
    " WHERE position_id = ?1 ORDER BY hlc, event_id",
    // kHistoryCounts
    "SELECT c.hlc, c.event_id, c.wall_ms, c.qty, c.device, c.user, c.session, c.task_id, c.group_id"
    " FROM reconcile_counts c JOIN reconcile_groups g ON g.id = c.group_id WHERE g.position_id = ?1"
    " ORDER BY c.hlc, c.event_id",
    // kHistoryZeros: zeros that are observations (not void).
    "SELECT closed_hlc, id, first_user, task_id, session_key FROM reconcile_groups WHERE position_id = ?1"
    " AND counts = 0 AND closed_hlc IS NOT NULL AND NOT (task_id = '' AND expected = 0) ORDER BY closed_hlc, id",
    // kScanPositions
    "SELECT id, site, location, sku, lot, on_hand, movements FROM reconcile_positions ORDER BY id",
    // kScanMovements
    "SELECT position_id, hlc, delta, physical FROM reconcile_movements ORDER BY position_id, hlc, event_id",
    // kScanGroups: the (position_id, last_hlc) index ends in the rowid, so this needs no sort.
    kGroupSelect + " ORDER BY g.position_id, g.last_hlc, g.id",
    // kBoundsOf: each max() reads one end of an index (the baselines' partial index for the second).
    "SELECT (SELECT max(hlc) FROM reconcile_movements WHERE position_id = ?1),"
    " (SELECT max(hlc) FROM reconcile_movements WHERE position_id = ?1 AND type = 'baseline'),"
    " (SELECT max(last_hlc) FROM reconcile_groups WHERE position_id = ?1)",
    // kNewestClose: task closes included, which only makes the bound higher than it need be.
    "SELECT max(hlc) FROM reconcile_closes WHERE site = ?1 AND location = ?2",
};

std::optional<std::int64_t> optional_int(const storage::Statement& row, int column) {
  if (row.column_is_null(column)) return std::nullopt;
  return row.column_int(column);
}

Result<CountGroup> read_group(const storage::Statement& row) {
  CountGroup group;
  group.id = row.column_int(0);
  group.position_id = row.column_int(1);
  group.position = PositionKey{row.column_text(2), row.column_text(3), row.column_text(4), row.column_text(5)};
  group.task_id = row.column_text(6);
  group.session_key = row.column_text(7);
  group.counts = row.column_int(8);
  group.counted = row.column_int(9);
  group.first_hlc = row.column_int(10);
  group.last_hlc = row.column_int(11);
  group.closed_hlc = optional_int(row, 12);
  group.first_user = row.column_text(13);
  group.expected = row.column_int(14);
  if (!row.column_is_null(15)) {
    group.role = parse_group_role(row.column_text(15));
    if (!group.role) return corrupt_value("groups.role", row.column_text(15));
  }
  if (!row.column_is_null(16)) {
    group.verdict = parse_verdict(row.column_text(16));
    if (!group.verdict) return corrupt_value("groups.verdict", row.column_text(16));
  }
  group.ambiguous = row.column_int(17) != 0;
  group.variance = row.column_int(18);
  group.value_cents = row.column_int(19);
  group.discrepancy_id = optional_int(row, 20);
  group.received_ms = row.column_int(21);
  group.settled_ms = optional_int(row, 22);
  group.judged_window_ms = optional_int(row, 23);
  return group;
}

Result<PositionView> read_position(const storage::Statement& row) {
  return PositionView{row.column_int(0),
                      PositionKey{row.column_text(1), row.column_text(2), row.column_text(3), row.column_text(4)},
                      row.column_int(5), row.column_int(6)};
}

Result<DueGroup> read_due(const storage::Statement& row) {
  const auto kind = parse_cause_kind(row.column_text(1));
  if (!kind) return corrupt_value("dirty.cause", row.column_text(1));
  const auto actor_kind = parse_actor_kind(row.column_text(3));
  if (!actor_kind) return corrupt_value("dirty.actor_kind", row.column_text(3));
  return DueGroup{row.column_int(0), Cause{*kind, row.column_text(2), Actor{*actor_kind, row.column_text(4)}}};
}

// The session a zero stands for, as a device named it (keys are "session:<id>", "event:<id>" or
// "user:<id>").
std::string session_of(const std::string& session_key) {
  constexpr std::string_view kPrefix = "session:";
  return session_key.starts_with(kPrefix) ? session_key.substr(kPrefix.size()) : std::string();
}

// Lookup keys for Projections::Memory: each part preceded by its length, so no two keys collide
// whatever bytes the codes hold.
void append_part(std::string& key, std::string_view part) {
  const auto size = static_cast<std::uint32_t>(part.size());
  key.append(reinterpret_cast<const char*>(&size), sizeof size).append(part);
}

const std::string& position_key_of(std::string& key, std::string_view site, std::string_view location,
                                   std::string_view sku, std::string_view lot) {
  key.clear();
  for (const std::string_view part : {site, location, sku, lot}) append_part(key, part);
  return key;
}

const std::string& location_key_of(std::string& key, std::string_view site, std::string_view location) {
  key.clear();
  append_part(key, site);
  append_part(key, location);
  return key;
}

// Adds an entry to one of Memory's maps, emptying the map first when it is full.
template <typename Map, typename Key, typename Value>
void remember(Map& map, Key&& key, Value value, std::size_t limit) {
  if (map.size() >= limit) map.clear();
  map.insert_or_assign(std::forward<Key>(key), value);
}

std::int64_t stamp_or_none(const storage::Statement& row, int column, std::int64_t none) {
  return row.column_is_null(column) ? none : row.column_int(column);
}

storage::Statement& bind_cause(storage::Statement& statement, int first, const Cause& cause) {
  return statement.bind(first, to_string(cause.kind))
      .bind(first + 1, cause.event_id)
      .bind(first + 2, to_string(cause.actor.kind))
      .bind(first + 3, cause.actor.id);
}

}  // namespace

std::string_view to_string(GroupRole role) { return name_in(kRoleNames, role); }
std::optional<GroupRole> parse_group_role(std::string_view text) { return value_in(kRoleNames, text); }
std::string_view to_string(CauseKind kind) { return name_in(kCauseNames, kind); }
std::optional<CauseKind> parse_cause_kind(std::string_view text) { return value_in(kCauseNames, text); }

bool is_physical(const Event& event) {
  if (event.type == EventType::kBaseline) return false;
  return !(event.type == EventType::kAdjust && event.reference.starts_with(kDiscrepancyReferencePrefix));
}

Result<Projections> Projections::prepare(storage::Database& database) {
  auto statements = StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return Projections(database, std::move(*statements));
}

Projections::Memory& Projections::memory() {
  if (memory_.rollbacks != database_->rollbacks()) {
    memory_.ids.clear();
    memory_.bounds.clear();
    memory_.newest_close.clear();
    memory_.rollbacks = database_->rollbacks();
  }
  return memory_;
}

Result<Projections::Bounds> Projections::bounds_of(std::int64_t position_id) {
  Memory& known = memory();
  if (const auto found = known.bounds.find(position_id); found != known.bounds.end()) return found->second;
  auto& read = statement(Sql::kBoundsOf);
  read.bind(1, position_id);
  auto row = read.step();
  if (!row) return row.error();
  const Bounds bounds{stamp_or_none(read, 0, kNoStamp), stamp_or_none(read, 1, kNoStamp),
                      stamp_or_none(read, 2, kNoStamp)};
  read.reset();
  remember(known.bounds, position_id, bounds, Memory::kMaxRemembered);
  return bounds;
}

Result<std::int64_t> Projections::newest_close(const std::string& site, const std::string& location) {
  Memory& known = memory();
  const std::string& key = location_key_of(known.key, site, location);
  if (const auto found = known.newest_close.find(key); found != known.newest_close.end()) return found->second;
  auto& read = statement(Sql::kNewestClose);
  read.bind(1, site).bind(2, location);
  auto row = read.step();
  if (!row) return row.error();
  const std::int64_t newest = stamp_or_none(read, 0, kNoStamp);
  read.reset();
  remember(known.newest_close, key, newest, Memory::kMaxRemembered);
  return newest;
}

void Projections::note_movement(std::int64_t position_id, const Event& event) {
  Memory& known = memory();
  const auto found = known.bounds.find(position_id);
  if (found == known.bounds.end()) return;
  const std::int64_t hlc = as_sql(event.hlc);
  found->second.newest_movement = std::max(found->second.newest_movement, hlc);
  if (event.type == EventType::kBaseline) {
    found->second.newest_baseline = std::max(found->second.newest_baseline, hlc);
  }
}

void Projections::note_group(std::int64_t position_id, std::int64_t last_hlc) {
  Memory& known = memory();
  const auto found = known.bounds.find(position_id);
  if (found != known.bounds.end()) found->second.newest_group = std::max(found->second.newest_group, last_hlc);
}

void Projections::note_close(const std::string& site, const std::string& location, std::int64_t hlc) {
  Memory& known = memory();
  const auto found = known.newest_close.find(location_key_of(known.key, site, location));
  if (found != known.newest_close.end()) found->second = std::max(found->second, hlc);
}

Result<void> Projections::apply(const std::string& site, const std::string& device, const Event& event,
                                const Timing& timing, std::optional<std::int64_t> task_position) {
  Result<bool> applied = true;
  switch (event.type) {
    case EventType::kReceive:
    case EventType::kAdjust: applied = apply_leg(site, device, event, event.location, event.qty, timing); break;
    case EventType::kSale:
    case EventType::kShip: applied = apply_leg(site, device, event, event.location, -event.qty, timing); break;
    case EventType::kPutaway:
    case EventType::kMove:
      applied = apply_leg(site, device, event, event.location, -event.qty, timing);
      if (applied && *applied) applied = apply_leg(site, device, event, event.to_location, event.qty, timing);
      break;
    case EventType::kBaseline: return apply_baseline(site, device, event, timing);
    case EventType::kCount: return apply_count(site, device, event, timing);
    case EventType::kLocationClosed: return apply_close(site, device, event, timing, task_position);
    case EventType::kTaskAck:
    case EventType::kSnapshot: break;
  }
  if (!applied) return applied.error();
  return {};
}

Result<std::int64_t> Projections::ensure_position(const std::string& site, const std::string& location,
                                                  const Event& event) {
  Memory& known = memory();
  const std::string& key = position_key_of(known.key, site, location, event.sku, event.lot);
  if (const auto found = known.ids.find(key); found != known.ids.end()) return found->second;
  auto found = find_position(PositionKey{site, location, event.sku, event.lot});
  if (!found) return found.error();
  if (*found) {
    remember(known.ids, key, **found, Memory::kMaxRemembered);
    return **found;
  }
  auto& insert = statement(Sql::kInsertPosition);
  insert.bind(1, site).bind(2, location).bind(3, event.sku).bind(4, event.lot);
  if (auto ok = insert.run(); !ok) return ok.error();
  const std::int64_t id = database_->last_insert_rowid();
  // A new position holds nothing yet: its bounds are known without reading them.
  remember(known.ids, key, id, Memory::kMaxRemembered);
  remember(known.bounds, id, Bounds{}, Memory::kMaxRemembered);
  return id;
}

Result<bool> Projections::insert_movement(std::int64_t position_id, const Event& event, const std::string& device,
                                          std::int64_t delta) {
  auto& insert = statement(Sql::kInsertMovement);
  insert.bind(1, position_id)
      .bind(2, as_sql(event.hlc))
      .bind(3, event.event_id)
      .bind(4, to_string(event.type))
      .bind(5, event.qty)
      .bind(6, delta)
      .bind(7, std::int64_t{is_physical(event)})
      .bind(8, event.wall_ms)
      .bind(9, device)
      .bind(10, event.user)
      .bind(11, event.reason ? to_string(*event.reason) : std::string_view(""))
      .bind(12, event.reference);
  auto inserted = wrote_row(insert);
  if (inserted && *inserted) note_movement(position_id, event);
  return inserted;
}

Result<bool> Projections::apply_leg(const std::string& site, const std::string& device, const Event& event,
                                    const std::string& location, std::int64_t delta, const Timing& timing) {
  auto position = ensure_position(site, location, event);
  if (!position) return position.error();
  auto inserted = insert_movement(*position, event, device, delta);
  if (!inserted || !*inserted) return inserted;
  const Cause cause{CauseKind::kMovement, event.event_id, Actor::of_event(event.user, device)};
  if (auto ok = add_delta(site, location, *position, event, delta, is_physical(event), cause, timing); !ok) {
    return ok.error();
  }
  return true;
}

Result<void> Projections::apply_baseline(const std::string& site, const std::string& device, const Event& event,
                                         const Timing& timing) {
  auto position = ensure_position(site, event.location, event);
  if (!position) return position.error();
  auto current = single_int(statement(Sql::kOnHand).bind(1, *position));
  if (!current) return current.error();
  auto later =
      single_int(statement(Sql::kSumAfterStamp).bind(1, *position).bind(2, as_sql(event.hlc)).bind(3, event.event_id));
  if (!later) return later.error();
  // The balance the baseline sets, minus the balance just before it.
  const std::int64_t delta = event.qty - (*current - *later);
  auto inserted = insert_movement(*position, event, device, delta);
  if (!inserted) return inserted.error();
  if (!*inserted) return {};
  const Cause cause{CauseKind::kMovement, event.event_id, Actor::of_event(event.user, device)};
  return add_delta(site, event.location, *position, event, delta, false, cause, timing);
}

Result<std::optional<Projections::Stamp>> Projections::next_baseline(std::int64_t position_id, std::int64_t hlc,
                                                                     const std::string& event_id) {
  auto& next = statement(Sql::kNextBaseline);
  next.bind(1, position_id).bind(2, hlc).bind(3, event_id);
  auto row = next.step();
  if (!row) return row.error();
  std::optional<Stamp> stamp;
  if (*row) stamp = Stamp{next.column_int(0), next.column_text(1)};
  next.reset();
  return stamp;
}

Result<void> Projections::add_delta(const std::string& site, const std::string& location, std::int64_t position_id,
                                    const Event& event, std::int64_t delta, bool physical, const Cause& cause,
                                    const Timing& timing) {
  const std::int64_t hlc = as_sql(event.hlc);
  auto bounds = bounds_of(position_id);
  if (!bounds) return bounds.error();
  Result<std::optional<Stamp>> baseline = std::optional<Stamp>();
  if (bounds->newest_baseline >= hlc) baseline = next_baseline(position_id, hlc, event.event_id);
  if (!baseline) return baseline.error();
  const std::int64_t bound = *baseline ? (*baseline)->hlc : kNoBound;
  if (*baseline) {
    auto& absorb = statement(Sql::kAbsorbInBaseline);
    if (auto ok = absorb.bind(1, position_id).bind(2, bound).bind(3, (*baseline)->event_id).bind(4, delta).run(); !ok) {
      return ok;
    }
  }
  if (auto ok = statement(Sql::kShiftOnHand).bind(1, position_id).bind(2, *baseline ? 0 : delta).run(); !ok) return ok;
  // Groups at or after the movement are shifted; a physical movement also marks those within the
  // window before it. Neither can exist when every group is older than that.
  const std::int64_t window = window_in_stamps(timing.window_ms);
  if (delta != 0 && bounds->newest_group >= hlc) {
    auto& shift = statement(Sql::kShiftGroups);
    if (auto ok = shift.bind(1, position_id).bind(2, delta).bind(3, hlc).bind(4, bound).run(); !ok) return ok;
  }
  if (bounds->newest_group >= (physical ? hlc - window : hlc)) {
    auto& mark = statement(Sql::kMarkMoved);
    mark.bind(1, position_id)
        .bind(2, hlc)
        .bind(3, bound)
        .bind(4, std::int64_t{physical})
        .bind(5, window)
        .bind(6, timing.due_ms);
    if (auto ok = bind_cause(mark, 7, cause).run(); !ok) return ok;
  }

  // Sessions that closed this location after the movement: their zero for this position may
  // appear (the position now holds stock as of the close) or change.
  auto newest = newest_close(site, location);
  if (!newest) return newest.error();
  if (*newest < hlc) return {};
  auto& since = statement(Sql::kClosesSince);
  since.bind(1, site).bind(2, location).bind(3, hlc).bind(4, bound);
  auto sessions = collect_rows<std::string>(
      since, [](const storage::Statement& row) -> Result<std::string> { return row.column_text(0); });
  if (!sessions) return sessions.error();
  for (const auto& session_key : *sessions) {
    auto latest = latest_close(site, location, session_key);
    if (!latest) return latest.error();
    if (!*latest || (*latest)->hlc >= bound) continue;
    if (auto ok = close_position(position_id, "", session_key, (*latest)->hlc, (*latest)->user, ZeroRule::kIfExpected,
                                 cause, timing);
        !ok) {
      return ok;
    }
  }
  return {};
}

Result<std::optional<Projections::LatestClose>> Projections::latest_close(const std::string& site,
                                                                          const std::string& location,
                                                                          const std::string& session_key) {
  auto& latest = statement(Sql::kLatestClose);
  latest.bind(1, site).bind(2, location).bind(3, session_key);
  auto row = latest.step();
  if (!row) return row.error();
  std::optional<LatestClose> close;
  if (*row) close = LatestClose{latest.column_int(0), latest.column_text(1)};
  latest.reset();
  return close;
}

Result<std::optional<std::int64_t>> Projections::find_group(std::int64_t position_id, const std::string& task_id,
                                                            const std::string& session_key) {
  return first_int(statement(Sql::kFindGroup).bind(1, position_id).bind(2, task_id).bind(3, session_key));
}

Result<std::int64_t> Projections::insert_group(const CountGroup& group) {
  auto& insert = statement(Sql::kInsertGroup);
  insert.bind(1, group.position_id)
      .bind(2, group.task_id)
      .bind(3, group.session_key)
      .bind(4, group.counts)
      .bind(5, group.counted)
      .bind(6, group.first_hlc)
      .bind(7, group.last_hlc);
  if (group.closed_hlc) insert.bind(8, *group.closed_hlc);
  insert.bind(9, group.first_user).bind(10, group.expected).bind(11, group.received_ms);
  if (auto ok = insert.run(); !ok) return ok.error();
  note_group(group.position_id, group.last_hlc);
  return database_->last_insert_rowid();
}

Result<void> Projections::write_group(const CountGroup& group) {
  auto& write = statement(Sql::kWriteGroup);
  write.bind(1, group.id).bind(2, group.counts).bind(3, group.counted).bind(4, group.first_hlc).bind(5, group.last_hlc);
  if (group.closed_hlc) write.bind(6, *group.closed_hlc);
  auto written = write.bind(7, group.first_user).bind(8, group.expected).run();
  if (written) note_group(group.position_id, group.last_hlc);
  return written;
}

Result<void> Projections::apply_count(const std::string& site, const std::string& device, const Event& event,
                                      const Timing& timing) {
  auto position = ensure_position(site, event.location, event);
  if (!position) return position.error();
  // A recount task's counts add up per user, so two people answering one task stay apart.
  const std::string session_key = !event.task_id.empty()   ? "user:" + event.user
                                  : !event.session.empty() ? "session:" + event.session
                                                           : "event:" + event.event_id;
  const std::int64_t hlc = as_sql(event.hlc);
  const Cause cause{CauseKind::kCount, event.event_id, Actor::of_event(event.user, device)};
  auto bounds = bounds_of(*position);
  if (!bounds) return bounds.error();
  // A position without groups has none for this count to join: its group is written once,
  // complete, instead of found, inserted empty, read back and rewritten.
  std::optional<std::int64_t> found;
  if (bounds->newest_group != kNoStamp) {
    auto existing = find_group(*position, event.task_id, session_key);
    if (!existing) return existing.error();
    found = *existing;
  }
  if (!found) {
    auto expected = expected_at(*position, hlc);
    if (!expected) return expected.error();
    CountGroup fresh;
    fresh.position_id = *position;
    fresh.task_id = event.task_id;
    fresh.session_key = session_key;
    fresh.counts = 1;
    fresh.counted = event.qty;
    fresh.first_hlc = fresh.last_hlc = hlc;
    fresh.first_user = event.user;
    fresh.expected = *expected;
    fresh.received_ms = timing.received_ms;
    auto group_id = insert_group(fresh);
    if (!group_id) return group_id.error();
    auto inserted = insert_count(event, *group_id, device);
    if (!inserted) return inserted.error();
    // The ledger stores each event_id once, so a count new to its group is new everywhere.
    if (!*inserted) {
      return Error{ErrorCode::kConflict, "event_id", "count " + event.event_id + " was applied to another group"};
    }
    return mark_dirty(*group_id, timing.due_ms, cause);
  }

  const std::int64_t group_id = *found;
  auto inserted = insert_count(event, group_id, device);
  if (!inserted) return inserted.error();
  if (!*inserted) return {};
  auto joined = group(group_id);
  if (!joined) return joined.error();
  if (joined->counts == 0) {  // a zero that a close made: the counts decide its time now
    joined->first_hlc = joined->last_hlc = hlc;
    joined->first_user = event.user;
    joined->closed_hlc.reset();
  } else {
    if (std::tie(hlc, event.user) < std::tie(joined->first_hlc, joined->first_user)) {
      joined->first_hlc = hlc;
      joined->first_user = event.user;
    }
    joined->last_hlc = std::max(joined->last_hlc, hlc);
  }
  joined->counts += 1;
  joined->counted += event.qty;
  auto expected = expected_at(*position, joined->last_hlc);
  if (!expected) return expected.error();
  joined->expected = *expected;
  if (auto ok = write_group(*joined); !ok) return ok;
  return mark_dirty(group_id, timing.due_ms, cause);
}

Result<bool> Projections::insert_count(const Event& event, std::int64_t group_id, const std::string& device) {
  auto& insert = statement(Sql::kInsertCount);
  insert.bind(1, event.event_id)
      .bind(2, group_id)
      .bind(3, as_sql(event.hlc))
      .bind(4, event.wall_ms)
      .bind(5, event.qty)
      .bind(6, device)
      .bind(7, event.user)
      .bind(8, event.session)
      .bind(9, event.task_id)
      .bind(10, event.barcode);
  return wrote_row(insert);
}

Result<void> Projections::apply_close(const std::string& site, const std::string& device, const Event& event,
                                      const Timing& timing, std::optional<std::int64_t> task_position) {
  const std::string task_id = task_position ? event.task_id : std::string();
  const std::string session_key = task_position            ? "user:" + event.user
                                  : !event.session.empty() ? "session:" + event.session
                                                           : "event:" + event.event_id;
  const std::int64_t hlc = as_sql(event.hlc);
  auto& insert = statement(Sql::kInsertClose);
  insert.bind(1, event.event_id)
      .bind(2, site)
      .bind(3, event.location)
      .bind(4, session_key)
      .bind(5, task_id)
      .bind(6, hlc)
      .bind(7, event.wall_ms)
      .bind(8, device)
      .bind(9, event.user);
  auto inserted = wrote_row(insert);
  if (!inserted) return inserted.error();
  if (!*inserted) return {};
  note_close(site, event.location, hlc);
  const Cause cause{CauseKind::kClose, event.event_id, Actor::of_event(event.user, device)};
  if (task_position) {
    return close_position(*task_position, task_id, session_key, hlc, event.user, ZeroRule::kAlways, cause, timing);
  }
  // Only the session's latest close counts: an earlier one changes nothing a later one decided.
  auto latest = latest_close(site, event.location, session_key);
  if (!latest) return latest.error();
  if (*latest && (*latest)->hlc > hlc) return {};
  auto& at = statement(Sql::kPositionsAt);
  at.bind(1, site).bind(2, event.location);
  auto positions = collect_rows<std::int64_t>(
      at, [](const storage::Statement& row) -> Result<std::int64_t> { return row.column_int(0); });
  if (!positions) return positions.error();
  for (const std::int64_t position_id : *positions) {
    if (auto ok = close_position(position_id, "", session_key, hlc, event.user, ZeroRule::kIfExpected, cause, timing);
        !ok) {
      return ok;
    }
  }
  return {};
}

Result<void> Projections::close_position(std::int64_t position_id, const std::string& task_id,
                                         const std::string& session_key, std::int64_t close_hlc,
                                         const std::string& user, ZeroRule rule, const Cause& cause,
                                         const Timing& timing) {
  auto found = find_group(position_id, task_id, session_key);
  if (!found) return found.error();
  auto expected = expected_at(position_id, close_hlc);
  if (!expected) return expected.error();
  CountGroup zero;
  if (*found) {
    auto existing = group(**found);
    if (!existing) return existing.error();
    // Counted groups are not zeros; a zero already at this close or a later one stays.
    if (existing->counts > 0 || (existing->closed_hlc && *existing->closed_hlc >= close_hlc)) return {};
    zero = std::move(*existing);
  } else {
    if (rule == ZeroRule::kIfExpected && *expected == 0) return {};
    zero.position_id = position_id;
    zero.task_id = task_id;
    zero.session_key = session_key;
    zero.received_ms = timing.received_ms;
  }
  zero.first_hlc = zero.last_hlc = close_hlc;
  zero.closed_hlc = close_hlc;
  zero.first_user = user;
  zero.expected = *expected;
  if (*found) {
    if (auto ok = write_group(zero); !ok) return ok;
  } else {
    auto inserted = insert_group(zero);
    if (!inserted) return inserted.error();
    zero.id = *inserted;
  }
  return mark_dirty(zero.id, timing.due_ms, cause);
}

Result<std::int64_t> Projections::expected_at(std::int64_t position_id, std::int64_t hlc) {
  auto on_hand = single_int(statement(Sql::kOnHand).bind(1, position_id));
  if (!on_hand) return on_hand;
  auto bounds = bounds_of(position_id);
  if (!bounds) return bounds.error();
  if (bounds->newest_movement <= hlc) return on_hand;  // nothing moved after hlc
  auto later = single_int(statement(Sql::kSumAfter).bind(1, position_id).bind(2, hlc));
  if (!later) return later;
  return *on_hand - *later;
}

Result<bool> Projections::moved_near(std::int64_t position_id, std::int64_t first_hlc, std::int64_t last_hlc,
                                     std::int64_t window_ms) {
  const std::int64_t window = window_in_stamps(window_ms);
  auto near = single_int(
      statement(Sql::kMovedNear).bind(1, position_id).bind(2, first_hlc - window).bind(3, last_hlc + window));
  if (!near) return near.error();
  return *near != 0;
}

Result<std::optional<std::int64_t>> Projections::find_position(const PositionKey& key) {
  return first_int(
      statement(Sql::kFindPosition).bind(1, key.site).bind(2, key.location).bind(3, key.sku).bind(4, key.lot));
}

Result<CountGroup> Projections::group(std::int64_t group_id) {
  auto groups = collect_rows<CountGroup>(statement(Sql::kReadGroup).bind(1, group_id), read_group);
  if (!groups) return groups.error();
  if (groups->empty()) return Error{ErrorCode::kNotFound, "", "no count group " + std::to_string(group_id)};
  return std::move(groups->front());
}

Result<std::vector<CountGroup>> Projections::groups_at(std::int64_t position_id) {
  return collect_rows<CountGroup>(statement(Sql::kGroupsAt).bind(1, position_id), read_group);
}

Result<bool> Projections::counted_by(std::int64_t group_id, const std::string& user) {
  auto counted = single_int(statement(Sql::kCountedBy).bind(1, group_id).bind(2, user));
  if (!counted) return counted.error();
  return *counted != 0;
}

Result<std::optional<std::int64_t>> Projections::newest_lead(std::int64_t position_id) {
  return first_int(statement(Sql::kNewestLead).bind(1, position_id));
}

Result<std::vector<DueGroup>> Projections::due(std::int64_t now_ms) {
  return collect_rows<DueGroup>(statement(Sql::kDue).bind(1, now_ms), read_due);
}

Result<std::optional<std::int64_t>> Projections::next_due() { return first_int(statement(Sql::kNextDue)); }

Result<void> Projections::record(std::int64_t group_id, GroupRole role, const Judgement& judgement, bool ambiguous,
                                 std::int64_t window_ms, std::int64_t settled_ms) {
  return statement(Sql::kRecord)
      .bind(1, group_id)
      .bind(2, to_string(role))
      .bind(3, to_string(judgement.verdict))
      .bind(4, std::int64_t{ambiguous})
      .bind(5, judgement.variance)
      .bind(6, judgement.value_cents)
      .bind(7, settled_ms)
      .bind(8, window_ms)
      .run();
}

Result<void> Projections::link(std::int64_t group_id, std::int64_t discrepancy_id) {
  return statement(Sql::kLink).bind(1, group_id).bind(2, discrepancy_id).run();
}

Result<void> Projections::mark_dirty(std::int64_t group_id, std::int64_t due_ms, const Cause& cause) {
  auto& mark = statement(Sql::kMarkDirty);
  mark.bind(1, group_id).bind(2, due_ms);
  return bind_cause(mark, 3, cause).run();
}

Result<void> Projections::clear_dirty(std::int64_t group_id) {
  return statement(Sql::kClearDirty).bind(1, group_id).run();
}

Result<void> Projections::repair_expected(std::int64_t group_id, std::int64_t expected) {
  return statement(Sql::kRepairExpected).bind(1, group_id).bind(2, expected).run();
}

Result<void> Projections::repair_on_hand(std::int64_t position_id, std::int64_t on_hand) {
  return statement(Sql::kRepairOnHand).bind(1, position_id).bind(2, on_hand).run();
}

Result<std::vector<PositionView>> Projections::positions(const PositionQuery& query) {
  auto& list = statement(Sql::kListPositions);
  list.bind(1, query.site).bind(2, query.sku).bind(3, query.after_id).bind(4, static_cast<std::int64_t>(query.limit));
  return collect_rows<PositionView>(list, read_position);
}

Result<std::vector<HistoryEntry>> Projections::history(const PositionKey& key) {
  auto position = find_position(key);
  if (!position) return position.error();
  if (!*position) return std::vector<HistoryEntry>();
  auto movements = collect_rows<HistoryEntry>(statement(Sql::kHistoryMovements).bind(1, **position),
                                              [](const storage::Statement& row) -> Result<HistoryEntry> {
                                                HistoryEntry entry;
                                                entry.hlc = row.column_int(0);
                                                entry.event_id = row.column_text(1);
                                                entry.type = row.column_text(2);
                                                entry.wall_ms = row.column_int(3);
                                                entry.qty = row.column_int(4);
                                                entry.delta = row.column_int(5);
                                                entry.device = row.column_text(6);
                                                entry.user = row.column_text(7);
                                                entry.reason = row.column_text(8);
                                                entry.reference = row.column_text(9);
                                                return entry;
                                              });
  if (!movements) return movements.error();
  auto counts = collect_rows<HistoryEntry>(statement(Sql::kHistoryCounts).bind(1, **position),
                                           [](const storage::Statement& row) -> Result<HistoryEntry> {
                                             HistoryEntry entry;
                                             entry.hlc = row.column_int(0);
                                             entry.event_id = row.column_text(1);
                                             entry.type = std::string(to_string(EventType::kCount));
                                             entry.wall_ms = row.column_int(2);
                                             entry.qty = row.column_int(3);
                                             entry.device = row.column_text(4);
                                             entry.user = row.column_text(5);
                                             entry.session = row.column_text(6);
                                             entry.task_id = row.column_text(7);
                                             entry.group_id = row.column_int(8);
                                             return entry;
                                           });
  if (!counts) return counts.error();
  auto zeros = collect_rows<HistoryEntry>(statement(Sql::kHistoryZeros).bind(1, **position),
                                          [](const storage::Statement& row) -> Result<HistoryEntry> {
                                            HistoryEntry entry;
                                            entry.hlc = row.column_int(0);
                                            entry.type = std::string(to_string(EventType::kLocationClosed));
                                            entry.group_id = row.column_int(1);
                                            entry.user = row.column_text(2);
                                            entry.task_id = row.column_text(3);
                                            entry.session = session_of(row.column_text(4));
                                            return entry;
                                          });
  if (!zeros) return zeros.error();

  // Merge by stamp; at equal stamps movements come first, as they precede counts there.
  std::vector<HistoryEntry> entries;
  entries.reserve(movements->size() + counts->size() + zeros->size());
  std::vector<HistoryEntry> observations;
  std::merge(std::make_move_iterator(counts->begin()), std::make_move_iterator(counts->end()),
             std::make_move_iterator(zeros->begin()), std::make_move_iterator(zeros->end()),
             std::back_inserter(observations), [](const auto& a, const auto& b) { return a.hlc < b.hlc; });
  std::merge(std::make_move_iterator(movements->begin()), std::make_move_iterator(movements->end()),
             std::make_move_iterator(observations.begin()), std::make_move_iterator(observations.end()),
             std::back_inserter(entries), [](const auto& a, const auto& b) { return a.hlc < b.hlc; });
  std::int64_t balance = 0;
  for (auto& entry : entries) {
    balance += entry.delta;
    entry.balance = balance;
  }
  return entries;
}

Result<void> Projections::scan(const std::function<Result<void>(const PositionScan&)>& visit) {
  auto& position_rows = statement(Sql::kScanPositions);
  auto& movements = statement(Sql::kScanMovements);
  auto& groups = statement(Sql::kScanGroups);
  // Three cursors in position order, walked together; reset whatever way this returns.
  struct ResetAll {
    storage::Statement* statements[3];
    ~ResetAll() {
      for (auto* cursor : statements) cursor->reset();
    }
  } reset_all{{&position_rows, &movements, &groups}};

  auto movement_row = movements.step();
  if (!movement_row) return movement_row.error();
  auto group_row = groups.step();
  if (!group_row) return group_row.error();
  while (true) {
    auto position_row = position_rows.step();
    if (!position_row) return position_row.error();
    if (!*position_row) return {};
    PositionScan scan;
    scan.position = *read_position(position_rows);
    for (; movement_row && *movement_row && movements.column_int(0) == scan.position.id;
         movement_row = movements.step()) {
      scan.movements.push_back({movements.column_int(1), movements.column_int(2), movements.column_int(3) != 0});
    }
    if (!movement_row) return movement_row.error();
    for (; group_row && *group_row && groups.column_int(1) == scan.position.id; group_row = groups.step()) {
      auto group = read_group(groups);
      if (!group) return group.error();
      scan.groups.push_back(std::move(*group));
    }
    if (!group_row) return group_row.error();
    if (auto ok = visit(scan); !ok) return ok;
  }
}

Result<void> Projections::scan_groups(const std::function<Result<void>(const CountGroup&)>& visit) {
  auto& groups = statement(Sql::kScanGroups);
  while (true) {
    auto row = groups.step();
    if (!row) return row.error();
    if (!*row) break;
    auto group = read_group(groups);
    if (!group) {
      groups.reset();
      return group.error();
    }
    if (auto ok = visit(*group); !ok) {
      groups.reset();
      return ok;
    }
  }
  groups.reset();
  return {};
}

}  // namespace recount::hub::reconcile
