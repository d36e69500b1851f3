// ProjectionMemory: remembered ids and stamp bounds, read back from the tables when forgotten.
#include "hub/reconcile/projection_memory.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

namespace recount::hub::reconcile {

enum class ProjectionMemory::Sql { kBoundsOf, kNewestClose, kCount };

namespace {

// Indexed by ProjectionMemory::Sql.
const std::string kSql[] = {
    // kBoundsOf: each max() reads one end of an index (the baselines' partial index for the second).
    "SELECT (SELECT max(hlc) FROM reconcile_movements WHERE position_id = ?1),"
    " (SELECT max(hlc) FROM reconcile_movements WHERE position_id = ?1 AND type = 'baseline'),"
    " (SELECT max(last_hlc) FROM reconcile_groups WHERE position_id = ?1)",
    // kNewestClose: task closes included, which only makes the bound higher than it need be.
    "SELECT max(hlc) FROM reconcile_closes WHERE site = ?1 AND location = ?2",
};

// Lookup keys: each part preceded by its length, so no two keys collide whatever bytes the codes
// hold.
void append_part(std::string& key, std::string_view part) {
  const auto size = static_cast<std::uint32_t>(part.size());
  key.append(reinterpret_cast<const char*>(&size), sizeof size).append(part);
}

const std::string& position_key_of(std::string& key, const ProjectionMemory::KeyView& position) {
  key.clear();
  for (const std::string_view part : {position.site, position.location, position.sku, position.lot}) {
    append_part(key, part);
  }
  return key;
}

const std::string& location_key_of(std::string& key, std::string_view site, std::string_view location) {
  key.clear();
  append_part(key, site);
  append_part(key, location);
  return key;
}

// Adds an entry to one of the maps, emptying the map first when it is full.
template <typename Map, typename Key, typename Value>
void remember(Map& map, Key&& key, Value value) {
  if (map.size() >= ProjectionMemory::kMaxRemembered) map.clear();
  map.insert_or_assign(std::forward<Key>(key), value);
}

std::int64_t stamp_or_none(const storage::Statement& row, int column) {
  return row.column_is_null(column) ? ProjectionMemory::kNoStamp : row.column_int(column);
}

}  // namespace

Result<ProjectionMemory> ProjectionMemory::prepare(storage::Connection& database) {
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return ProjectionMemory(database, std::move(*statements));
}

void ProjectionMemory::check_rollbacks() {
  if (unseen_changes_ == unseen_changes()) return;
  ids_.clear();
  bounds_.clear();
  newest_close_.clear();
  unseen_changes_ = unseen_changes();
}

std::optional<std::int64_t> ProjectionMemory::known_position(const KeyView& key) {
  check_rollbacks();
  const auto found = ids_.find(position_key_of(key_, key));
  if (found == ids_.end()) return std::nullopt;
  return found->second;
}

void ProjectionMemory::remember_position(const KeyView& key, std::int64_t id, Origin origin) {
  check_rollbacks();
  remember(ids_, position_key_of(key_, key), id);
  // A new position holds nothing yet: its bounds are known without reading them.
  if (origin == Origin::kNew) remember(bounds_, id, Bounds{});
}

Result<ProjectionMemory::Bounds> ProjectionMemory::bounds_of(std::int64_t position_id) {
  check_rollbacks();
  if (const auto found = bounds_.find(position_id); found != bounds_.end()) return found->second;
  auto& read = statements_[Sql::kBoundsOf];
  read.bind(1, position_id);
  auto row = read.step();
  if (!row) return row.error();
  const Bounds bounds{stamp_or_none(read, 0), stamp_or_none(read, 1), stamp_or_none(read, 2)};
  read.reset();
  remember(bounds_, position_id, bounds);
  return bounds;
}

Result<std::int64_t> ProjectionMemory::newest_close(const std::string& site, const std::string& location) {
  check_rollbacks();
  const std::string& key = location_key_of(key_, site, location);
  if (const auto found = newest_close_.find(key); found != newest_close_.end()) return found->second;
  auto& read = statements_[Sql::kNewestClose];
  read.bind(1, site).bind(2, location);
  auto row = read.step();
  if (!row) return row.error();
  const std::int64_t newest = stamp_or_none(read, 0);
  read.reset();
  remember(newest_close_, key, newest);
  return newest;
}

void ProjectionMemory::note_movement(std::int64_t position_id, std::int64_t hlc, MovementKind kind) {
  check_rollbacks();
  const auto found = bounds_.find(position_id);
  if (found == bounds_.end()) return;
  found->second.newest_movement = std::max(found->second.newest_movement, hlc);
  if (kind == MovementKind::kBaseline) found->second.newest_baseline = std::max(found->second.newest_baseline, hlc);
}

void ProjectionMemory::note_group(std::int64_t position_id, std::int64_t last_hlc) {
  check_rollbacks();
  const auto found = bounds_.find(position_id);
  if (found != bounds_.end()) found->second.newest_group = std::max(found->second.newest_group, last_hlc);
}

void ProjectionMemory::note_close(const std::string& site, const std::string& location, std::int64_t hlc) {
  check_rollbacks();
  const auto found = newest_close_.find(location_key_of(key_, site, location));
  if (found != newest_close_.end()) found->second = std::max(found->second, hlc);
}

}  // namespace recount::hub::reconcile
