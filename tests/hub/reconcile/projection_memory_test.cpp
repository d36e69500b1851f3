// ProjectionMemory: what the write side remembers is read back from the tables when not known,
// kept up to date by the rows the write side notes, and forgotten after a rollback.
#include "hub/reconcile/projection_memory.hpp"

#include <doctest/doctest.h>

#include "tests/hub/reconcile/fixtures.hpp"

namespace recount::hub::reconcile {
namespace {

using testing::must;
using Bounds = ProjectionMemory::Bounds;

constexpr ProjectionMemory::KeyView kKey{"s1", "A-1", "SKU-A", ""};

template <typename Backend>
struct MemoryFixture {
  Backend backend;
  storage::Connection& database = testing::migrated(backend.connection());
  ProjectionMemory memory = must(ProjectionMemory::prepare(database));
};

TEST_CASE_TEMPLATE("reconcile projection memory: a new position's bounds are known, and notes raise them", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  MemoryFixture<Backend> fixture;
  CHECK_FALSE(fixture.memory.known_position(kKey).has_value());
  fixture.memory.remember_position(kKey, 7, ProjectionMemory::Origin::kNew);
  CHECK(fixture.memory.known_position(kKey) == std::optional<std::int64_t>(7));
  // Not read from the tables (which hold no position 7): a new position holds nothing.
  Bounds bounds = must(fixture.memory.bounds_of(7));
  CHECK(bounds.newest_movement == ProjectionMemory::kNoStamp);
  fixture.memory.note_movement(7, 100, ProjectionMemory::MovementKind::kBaseline);
  fixture.memory.note_movement(7, 200, ProjectionMemory::MovementKind::kMovement);
  fixture.memory.note_group(7, 150);
  bounds = must(fixture.memory.bounds_of(7));
  CHECK(bounds.newest_movement == 200);
  CHECK(bounds.newest_baseline == 100);
  CHECK(bounds.newest_group == 150);
}

TEST_CASE_TEMPLATE("reconcile projection memory: bounds and closes not remembered are read from the tables", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  MemoryFixture<Backend> fixture;
  must(fixture.database.execute(
      "INSERT INTO reconcile_positions (id, site, location, sku, lot) VALUES (3, 's1', 'A-1', 'SKU-A', '');"
      "INSERT INTO reconcile_movements (position_id, hlc, event_id, type, qty, delta, physical, wall_ms, device,"
      " \"user\", reason, reference) VALUES (3, 50, 'e1', 'baseline', 5, 5, 0, 0, '', '', '', ''),"
      " (3, 80, 'e2', 'receive', 1, 1, 1, 0, '', '', '', '');"
      "INSERT INTO reconcile_closes (event_id, site, location, session_key, task_id, hlc, wall_ms, device, \"user\")"
      " VALUES ('e3', 's1', 'A-1', 'session:cs-1', '', 90, 0, '', '')"));
  const Bounds bounds = must(fixture.memory.bounds_of(3));
  CHECK(bounds.newest_movement == 80);
  CHECK(bounds.newest_baseline == 50);
  CHECK(bounds.newest_group == ProjectionMemory::kNoStamp);
  CHECK(must(fixture.memory.newest_close("s1", "A-1")) == 90);
  CHECK(must(fixture.memory.newest_close("s1", "A-2")) == ProjectionMemory::kNoStamp);
  fixture.memory.note_close("s1", "A-1", 120);
  CHECK(must(fixture.memory.newest_close("s1", "A-1")) == 120);
}

TEST_CASE_TEMPLATE("reconcile projection memory: a rollback makes it forget what it remembered", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  MemoryFixture<Backend> fixture;
  {
    auto transaction = must(storage::Transaction::begin(fixture.database));
    fixture.memory.remember_position(kKey, 7, ProjectionMemory::Origin::kNew);
    CHECK(fixture.memory.known_position(kKey).has_value());
  }  // rolled back
  CHECK_FALSE(fixture.memory.known_position(kKey).has_value());
}

// A connection lost while no transaction was open rolls nothing back, yet the server it is made
// again to may be another (a standby promoted after its primary crashed) that lacks what was
// remembered.
TEST_CASE("reconcile projection memory: a PostgreSQL connection made again makes it forget what it remembered") {
  MemoryFixture<testing::PostgresBackend> fixture;
  fixture.memory.remember_position(kKey, 7, ProjectionMemory::Origin::kNew);
  const auto rollbacks = fixture.database.rollbacks();
  fixture.backend.server.stop_immediately();
  fixture.backend.server.start();
  // Outside a transaction: the statement finds the connection gone, and the next one makes it again.
  CHECK_FALSE(fixture.database.execute("SELECT 1").has_value());
  must(fixture.database.execute("SELECT 1"));
  CHECK(fixture.database.rollbacks() == rollbacks);
  CHECK(fixture.database.reconnections() == 1);
  CHECK_FALSE(fixture.memory.known_position(kKey).has_value());
}

}  // namespace
}  // namespace recount::hub::reconcile
