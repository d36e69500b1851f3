// The agent catalog's migrations: a file written before tasks had a kind keeps its tasks, as
// recounts, and then stores planned counts with their kind.
#include "agent/catalog/catalog_schema.hpp"

#include <doctest/doctest.h>

#include <span>

#include "agent/catalog/catalog_store.hpp"
#include "agent/journal/journal.hpp"
#include "tests/support/process.hpp"

namespace recount::agent {

TEST_CASE("a task cache from before task kinds keeps its tasks as recounts and then stores planned counts") {
  testing::TempDir dir;
  REQUIRE(Journal::open(dir.path(), std::string("store-1"), std::string("dev-1")));
  {
    // The catalog's tables as the three steps before kinds left them, holding one task.
    auto raw =
        storage::Database::open(dir / Journal::kFileName, storage::OpenMode::kExistingOnly, storage::Durability::kFull);
    REQUIRE(raw);
    storage::SchemaComponent before = catalog_schema();
    before.steps.resize(3);
    REQUIRE(storage::migrate(*raw, std::span(&before, 1)));
    REQUIRE(
        raw->execute("INSERT INTO tasks(task_id, location, sku, round, created_ms, acked_seq) "
                     "VALUES ('rt-1-1', 'A-01', 'SKU-1', 1, 1000, 7); "
                     "INSERT INTO catalog_meta(key, value) VALUES ('tasks_version', 3)"));
  }
  auto store = CatalogStore::open(dir.path());
  REQUIRE(store);
  auto held = store->open_tasks();
  REQUIRE(held);
  REQUIRE(held->size() == 1);
  CHECK(held->front().task_id == "rt-1-1");
  CHECK(held->front().kind == protocol::TaskKind::kRecount);

  protocol::TaskList list{"store-1", 4, {held->front()}};
  protocol::RecountTask planned{"pc-0123456789abcdef01234567", "B-02", "SKU-3", "", 1, "", "plan weekly", 900};
  planned.kind = protocol::TaskKind::kPlanned;
  list.tasks.push_back(planned);
  // Only the new planned count awaits its task_ack: the recount's was recorded before.
  CHECK(store->tasks_to_ack(list).value() == std::vector<std::string>{"pc-0123456789abcdef01234567"});
  auto journal = Journal::open(dir.path(), std::nullopt, std::nullopt).value();
  REQUIRE(journal.record_all({}, [&](storage::Database& database, const std::vector<Event>& acks) {
    return CatalogStore::store_tasks(database, list, acks);
  }));
  CHECK(store->find_task("pc-0123456789abcdef01234567").value() == planned);
  CHECK(store->find_task("rt-1-1").value()->kind == protocol::TaskKind::kRecount);
}

}  // namespace recount::agent
