// Projections: SQL that writes the reconcile_ position, movement, count-group and close tables.
#include "hub/reconcile/projections.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <limits>
#include <string_view>
#include <tuple>

#include "hub/reconcile/projection_rows.hpp"
#include "hub/reconcile/stamps.hpp"

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
  kCount,
};

namespace {

constexpr std::int64_t kNoBound = std::numeric_limits<std::int64_t>::max();

// An event's stamp as the SQL integer the write side computes bounds and windows with.
std::int64_t as_sql(const Event& event) { return sql_stamp(event.hlc); }

// The later of the two due times (CASE: PostgreSQL has no two-argument max).
const std::string kDirtyUpsert =
    " ON CONFLICT (group_id) DO UPDATE SET due_ms = CASE WHEN excluded.due_ms > reconcile_dirty.due_ms"
    " THEN excluded.due_ms ELSE reconcile_dirty.due_ms END, cause = excluded.cause,"
    " cause_event_id = excluded.cause_event_id, actor_kind = excluded.actor_kind, actor = excluded.actor";

// Indexed by Projections::Sql.
const std::string kSql[] = {
    // kFindPosition
    std::string(kFindPositionSql),
    // kInsertPosition: through returning_id().
    "INSERT INTO reconcile_positions (site, location, sku, lot) VALUES (?1, ?2, ?3, ?4)",
    // kInsertMovement: writes a row only for an event not applied before.
    "INSERT INTO reconcile_movements (position_id, hlc, event_id, type, qty, delta, physical, wall_ms, device,"
    " \"user\", reason, reference) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT DO NOTHING",
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
    // window of it (?5 in stamps) on either side; ?4 is 1 for a physical one. The casts give
    // PostgreSQL the types it cannot infer from arithmetic between parameters or a select list.
    "INSERT INTO reconcile_dirty (group_id, due_ms, cause, cause_event_id, actor_kind, actor)"
    " SELECT id, CAST(?6 AS BIGINT), ?7, ?8, ?9, ?10 FROM reconcile_groups WHERE position_id = ?1"
    " AND last_hlc >= CAST(?2 AS BIGINT) - CAST(?5 AS BIGINT)"
    " AND ((last_hlc >= ?2 AND last_hlc < ?3) OR (?4 = 1 AND first_hlc <= ?2 + ?5))" +
        kDirtyUpsert,
    // kClosesSince: sessions that closed the location within a span of time.
    "SELECT DISTINCT session_key FROM reconcile_closes WHERE site = ?1 AND location = ?2 AND hlc >= ?3 AND hlc < ?4"
    " AND task_id = ''",
    // kLatestClose
    "SELECT hlc, \"user\" FROM reconcile_closes WHERE site = ?1 AND location = ?2 AND session_key = ?3 AND task_id = ''"
    " ORDER BY hlc DESC LIMIT 1",
    // kFindGroup
    "SELECT id FROM reconcile_groups WHERE position_id = ?1 AND task_id = ?2 AND session_key = ?3",
    // kInsertGroup: through returning_id().
    "INSERT INTO reconcile_groups (position_id, task_id, session_key, counts, counted, first_hlc, last_hlc,"
    " closed_hlc, first_user, expected, received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    // kInsertCount
    "INSERT INTO reconcile_counts (event_id, group_id, hlc, wall_ms, qty, device, \"user\", session, task_id, barcode)"
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
    "INSERT INTO reconcile_closes (event_id, site, location, session_key, task_id, hlc, wall_ms, device, \"user\")"
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
    std::string(kGroupSelect) + " WHERE g.id = ?1",
};

storage::Statement& bind_cause(storage::Statement& statement, int first, const Cause& cause) {
  return statement.bind(first, to_string(cause.kind))
      .bind(first + 1, cause.event_id)
      .bind(first + 2, to_string(cause.actor.kind))
      .bind(first + 3, cause.actor.id);
}

}  // namespace

bool is_physical(const Event& event) {
  if (event.type == EventType::kBaseline) return false;
  return !(event.type == EventType::kAdjust && event.reference.starts_with(kDiscrepancyReferencePrefix));
}

Result<Projections> Projections::prepare(storage::Connection& database) {
  std::array<std::string, std::size(kSql)> sql;
  std::copy(std::begin(kSql), std::end(kSql), sql.begin());
  for (const Sql insert : {Sql::kInsertPosition, Sql::kInsertGroup}) {
    auto& text = sql[static_cast<std::size_t>(insert)];
    text = storage::returning_id(database, text);
  }
  auto statements = storage::StatementSet<Sql>::prepare(database, sql);
  if (!statements) return statements.error();
  auto memory = ProjectionMemory::prepare(database);
  if (!memory) return memory.error();
  return Projections(database, std::move(*statements), std::move(*memory));
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
    case EventType::kSnapshot:
    case EventType::kUnknownBarcode:  // kept by hub/unknown, not stock
    case EventType::kBarcodeApplied: break;
  }
  if (!applied) return applied.error();
  return {};
}

Result<std::int64_t> Projections::ensure_position(const std::string& site, const std::string& location,
                                                  const Event& event) {
  const ProjectionMemory::KeyView key{site, location, event.sku, event.lot};
  if (const auto known = memory_.known_position(key)) return *known;
  auto found = find_position(PositionKey{site, location, event.sku, event.lot});
  if (!found) return found.error();
  if (*found) {
    memory_.remember_position(key, **found, ProjectionMemory::Origin::kFound);
    return **found;
  }
  auto& insert = statement(Sql::kInsertPosition);
  insert.bind(1, site).bind(2, location).bind(3, event.sku).bind(4, event.lot);
  auto id = storage::inserted_id(*database_, insert);
  if (!id) return id.error();
  memory_.remember_position(key, *id, ProjectionMemory::Origin::kNew);
  return *id;
}

Result<bool> Projections::insert_movement(std::int64_t position_id, const Event& event, const std::string& device,
                                          std::int64_t delta) {
  auto& insert = statement(Sql::kInsertMovement);
  insert.bind(1, position_id)
      .bind(2, as_sql(event))
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
  if (inserted && *inserted) {
    memory_.note_movement(position_id, as_sql(event),
                          event.type == EventType::kBaseline ? ProjectionMemory::MovementKind::kBaseline
                                                             : ProjectionMemory::MovementKind::kMovement);
  }
  return inserted;
}

Result<bool> Projections::apply_leg(const std::string& site, const std::string& device, const Event& event,
                                    const std::string& location, std::int64_t delta, const Timing& timing) {
  auto position = ensure_position(site, location, event);
  if (!position) return position.error();
  auto inserted = insert_movement(*position, event, device, delta);
  if (!inserted || !*inserted) return inserted;
  const Cause cause{CauseKind::kMovement, event.event_id, Actor::of_event(event.user, device)};
  if (auto ok = add_delta(site, location, *position, event, delta, cause, timing); !ok) {
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
      single_int(statement(Sql::kSumAfterStamp).bind(1, *position).bind(2, as_sql(event)).bind(3, event.event_id));
  if (!later) return later.error();
  // The balance the baseline sets, minus the balance just before it.
  const std::int64_t delta = event.qty - (*current - *later);
  auto inserted = insert_movement(*position, event, device, delta);
  if (!inserted) return inserted.error();
  if (!*inserted) return {};
  const Cause cause{CauseKind::kMovement, event.event_id, Actor::of_event(event.user, device)};
  return add_delta(site, event.location, *position, event, delta, cause, timing);
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
                                    const Event& event, std::int64_t delta, const Cause& cause, const Timing& timing) {
  const std::int64_t hlc = as_sql(event);
  const bool physical = is_physical(event);
  auto bounds = memory_.bounds_of(position_id);
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
  auto newest = memory_.newest_close(site, location);
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
      .bind(6, sql_stamp(group.first_hlc))
      .bind(7, sql_stamp(group.last_hlc));
  if (group.closed_hlc) insert.bind(8, sql_stamp(*group.closed_hlc));
  insert.bind(9, group.first_user).bind(10, group.expected).bind(11, group.received_ms);
  auto id = storage::inserted_id(*database_, insert);
  if (!id) return id.error();
  memory_.note_group(group.position_id, sql_stamp(group.last_hlc));
  return *id;
}

Result<void> Projections::write_group(const CountGroup& group) {
  auto& write = statement(Sql::kWriteGroup);
  write.bind(1, group.id)
      .bind(2, group.counts)
      .bind(3, group.counted)
      .bind(4, sql_stamp(group.first_hlc))
      .bind(5, sql_stamp(group.last_hlc));
  if (group.closed_hlc) write.bind(6, sql_stamp(*group.closed_hlc));
  auto written = write.bind(7, group.first_user).bind(8, group.expected).run();
  if (written) memory_.note_group(group.position_id, sql_stamp(group.last_hlc));
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
  const HlcStamp hlc = event.hlc;
  const Cause cause{CauseKind::kCount, event.event_id, Actor::of_event(event.user, device)};
  auto bounds = memory_.bounds_of(*position);
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
      .bind(3, as_sql(event))
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
  const std::int64_t hlc = as_sql(event);
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
  memory_.note_close(site, event.location, hlc);
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
  auto positions = storage::all_ints(at);
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
  auto expected = expected_at(position_id, stamp_from_sql(close_hlc));
  if (!expected) return expected.error();
  CountGroup zero;
  if (*found) {
    auto existing = group(**found);
    if (!existing) return existing.error();
    // Counted groups are not zeros; a zero already at this close or a later one stays.
    if (existing->counts > 0 || (existing->closed_hlc && sql_stamp(*existing->closed_hlc) >= close_hlc)) return {};
    zero = std::move(*existing);
  } else {
    if (rule == ZeroRule::kIfExpected && *expected == 0) return {};
    zero.position_id = position_id;
    zero.task_id = task_id;
    zero.session_key = session_key;
    zero.received_ms = timing.received_ms;
  }
  zero.first_hlc = zero.last_hlc = stamp_from_sql(close_hlc);
  zero.closed_hlc = zero.first_hlc;
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

Result<std::int64_t> Projections::expected_at(std::int64_t position_id, HlcStamp stamp) {
  const std::int64_t hlc = sql_stamp(stamp);
  auto on_hand = single_int(statement(Sql::kOnHand).bind(1, position_id));
  if (!on_hand) return on_hand;
  auto bounds = memory_.bounds_of(position_id);
  if (!bounds) return bounds.error();
  if (bounds->newest_movement <= hlc) return on_hand;  // nothing moved after hlc
  auto later = single_int(statement(Sql::kSumAfter).bind(1, position_id).bind(2, hlc));
  if (!later) return later;
  return *on_hand - *later;
}

Result<bool> Projections::moved_near(std::int64_t position_id, HlcStamp first_hlc, HlcStamp last_hlc,
                                     std::int64_t window_ms) {
  const std::int64_t window = window_in_stamps(window_ms);
  auto near = single_int(statement(Sql::kMovedNear)
                             .bind(1, position_id)
                             .bind(2, sql_stamp(first_hlc) - window)
                             .bind(3, sql_stamp(last_hlc) + window));
  if (!near) return near.error();
  return *near != 0;
}

Result<std::optional<std::int64_t>> Projections::find_position(const PositionKey& key) {
  return first_int(bind_key(statement(Sql::kFindPosition), key));
}

Result<CountGroup> Projections::group(std::int64_t group_id) {
  auto groups = collect_rows<CountGroup>(statement(Sql::kReadGroup).bind(1, group_id), read_group);
  if (!groups) return groups.error();
  if (groups->empty()) return Error{ErrorCode::kNotFound, "", "no count group " + std::to_string(group_id)};
  return std::move(groups->front());
}

Result<void> Projections::mark_dirty(std::int64_t group_id, std::int64_t due_ms, const Cause& cause) {
  auto& mark = statement(Sql::kMarkDirty);
  mark.bind(1, group_id).bind(2, due_ms);
  return bind_cause(mark, 3, cause).run();
}

}  // namespace recount::hub::reconcile
