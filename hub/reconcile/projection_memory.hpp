// What the projections' write side remembers between events, so that the events of a live floor
// (newer than everything at their position) skip the statements that would find nothing to do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::reconcile {

// Position ids by key, stamp bounds by position id, and the newest close stamp by site and
// location, read from the reconcile_ tables when not known. Ids never change once written and
// bounds stay true as rows are added (the write side notes each row it adds), so only a rollback,
// another hub's write or a failover can make it wrong: it is dropped whenever the database has
// rolled back, was written elsewhere (Connection::written_elsewhere()) or was connected to again
// (Connection::reconnections()) since it was filled.
// Each map is also dropped when it reaches kMaxRemembered entries, so memory stays bounded on a
// hub with millions of positions; what is needed again is read back from the tables.
//
// Reads block on SQLite and return kIo when it fails. Not thread-safe; must not outlive the
// Database.
class ProjectionMemory {
 public:
  static constexpr std::size_t kMaxRemembered = 1 << 18;
  // The bound of a kind of row a position does not hold; below every stamp.
  static constexpr std::int64_t kNoStamp = std::numeric_limits<std::int64_t>::min();

  // Upper bounds on the stamps of what a position holds (kNoStamp: nothing of that kind).
  struct Bounds {
    std::int64_t newest_movement = kNoStamp;
    std::int64_t newest_baseline = kNoStamp;
    std::int64_t newest_group = kNoStamp;  // the highest last_hlc of the position's count groups
  };

  static Result<ProjectionMemory> prepare(storage::Connection& database);

  // A position's key as views, so a lookup copies no strings.
  struct KeyView {
    std::string_view site;
    std::string_view location;
    std::string_view sku;
    std::string_view lot;
  };
  // The id of a position, when remembered (nullopt says nothing about the table).
  std::optional<std::int64_t> known_position(const KeyView& key);
  // Remembers a position's id; kNew also remembers that it holds nothing yet.
  enum class Origin { kFound, kNew };
  void remember_position(const KeyView& key, std::int64_t id, Origin origin);

  Result<Bounds> bounds_of(std::int64_t position_id);
  // The newest close stamp at a location (task closes included), kNoStamp when none.
  Result<std::int64_t> newest_close(const std::string& site, const std::string& location);

  // Rows just written, for positions and locations that are remembered.
  enum class MovementKind { kMovement, kBaseline };
  void note_movement(std::int64_t position_id, std::int64_t hlc, MovementKind kind);
  void note_group(std::int64_t position_id, std::int64_t last_hlc);
  void note_close(const std::string& site, const std::string& location, std::int64_t hlc);

 private:
  enum class Sql;
  ProjectionMemory(storage::Connection& database, storage::StatementSet<Sql> statements)
      : database_(&database), statements_(std::move(statements)) {}
  // Empties the maps first when a rollback may have undone what they hold, another hub's write
  // changed it, or the server is another one.
  void check_rollbacks();
  // Rollbacks, writes elsewhere and reconnections so far: each makes what the maps hold stale.
  std::uint64_t unseen_changes() const {
    return database_->rollbacks() + database_->written_elsewhere() + database_->reconnections();
  }

  storage::Connection* database_;
  storage::StatementSet<Sql> statements_;
  std::uint64_t unseen_changes_ = 0;                   // unseen_changes() when the maps were last known to be right
  std::unordered_map<std::string, std::int64_t> ids_;  // by position_key_of()
  std::unordered_map<std::int64_t, Bounds> bounds_;
  std::unordered_map<std::string, std::int64_t> newest_close_;  // by location_key_of()
  std::string key_;                                             // scratch for building lookup keys without allocating
};

}  // namespace recount::hub::reconcile
