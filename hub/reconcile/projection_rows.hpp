// The SQL and row readers that the projections' write side (projections.hpp) and their read
// models (read_model.hpp) share: one spelling of a count group's and a position's columns.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "hub/reconcile/count_group.hpp"
#include "hub/reconcile/position.hpp"
#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub::reconcile {

// The columns read_group() reads, for a WHERE or ORDER BY to follow.
inline constexpr std::string_view kGroupSelect =
    "SELECT g.id, g.position_id, p.site, p.location, p.sku, p.lot, g.task_id, g.session_key, g.counts, g.counted,"
    " g.first_hlc, g.last_hlc, g.closed_hlc, g.first_user, g.expected, g.role, g.verdict, g.ambiguous, g.variance,"
    " g.value_cents, g.discrepancy_id, g.received_ms, g.settled_ms, g.judged_window_ms"
    " FROM reconcile_groups g JOIN reconcile_positions p ON p.id = g.position_id";

// The columns read_position() reads, for a WHERE or ORDER BY to follow.
inline constexpr std::string_view kPositionSelect =
    "SELECT id, site, location, sku, lot, on_hand, movements FROM reconcile_positions";

// A position's id by its key (?1 site, ?2 location, ?3 sku, ?4 lot).
inline constexpr std::string_view kFindPositionSql =
    "SELECT id FROM reconcile_positions WHERE site = ?1 AND location = ?2 AND sku = ?3 AND lot = ?4";

// Binds a key to a statement on kFindPositionSql.
storage::Statement& bind_key(storage::Statement& statement, const PositionKey& key);

// The current row of a statement on kGroupSelect. kCorrupt when a role or verdict is a name this
// build does not know.
Result<CountGroup> read_group(const storage::Statement& row);

// The current row of a statement on kPositionSelect.
Result<PositionView> read_position(const storage::Statement& row);

// A column that may be NULL.
std::optional<std::int64_t> optional_int(const storage::Statement& row, int column);

}  // namespace recount::hub::reconcile
