// Recount tasks: ids, hints that never reveal a quantity, versions that grow with every change,
// acknowledgements, and the open list a site's devices receive.
#include "hub/reconcile/tasks.hpp"

#include <doctest/doctest.h>

#include "shared/domain/limits.hpp"
#include "tests/hub/reconcile/fixtures.hpp"

namespace recount::hub::reconcile {
namespace {

using testing::must;

template <typename Backend>
struct TaskFixture {
  Backend backend;
  storage::Connection& database = testing::migrated(backend.connection());
  TaskStore store = must(TaskStore::prepare(database));

  protocol::RecountTask create(std::int64_t discrepancy, std::uint32_t round, const std::string& site = "s1",
                               std::int64_t at = 1000) {
    return must(
        store.create(site, discrepancy, discrepancy, PositionKey{site, "A-1", "SKU-A", "L1"}, round, "u1", "", at));
  }
};

TEST_CASE("reconcile tasks: ids name the discrepancy and round, and hints say what to watch, never how many") {
  CHECK(task_id_for(42, 3) == "rt-42-3");
  CHECK(recount_hint(Verdict::kOutOfTolerance, 0, 1).empty());
  CHECK(recount_hint(Verdict::kUomError, 12, 1) == "uom_error: check case vs each (packs of 12)");
  CHECK(recount_hint(Verdict::kAmbiguous, 0, 1) == "stock moved during the count: count what is there now");
  CHECK(recount_hint(Verdict::kOutOfTolerance, 0, 2) == "round 2: recounts disagree");
  CHECK(recount_hint(Verdict::kUomError, 6, 3) ==
        "uom_error: check case vs each (packs of 6); round 3: recounts disagree");
  for (const auto& hint : {recount_hint(Verdict::kUomError, 12, 2), recount_hint(Verdict::kAmbiguous, 0, 2)}) {
    CHECK(hint.size() <= recount::limits::kMaxText);
  }
}

TEST_CASE_TEMPLATE("reconcile tasks: the open list grows a version with every change and holds only open tasks",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  TaskFixture<Backend> fixture;
  CHECK(must(fixture.store.task_list("s1")) == protocol::TaskList{"s1", 0, {}});
  const auto first = fixture.create(1, 1);
  CHECK(first == protocol::RecountTask{"rt-1-1", "A-1", "SKU-A", "L1", 1, "u1", "", 1000});
  fixture.create(2, 1, "s1", 2000);
  fixture.create(3, 1, "s2");
  auto list = must(fixture.store.task_list("s1"));
  CHECK(list.version == 2);
  REQUIRE(list.tasks.size() == 2);
  CHECK(list.tasks[0] == first);

  CHECK(must(fixture.store.finish("rt-1-1", TaskState::kDone, 3000)) == std::optional<std::string>("s1"));
  CHECK_FALSE(must(fixture.store.finish("rt-1-1", TaskState::kCancelled, 3500)).has_value());
  list = must(fixture.store.task_list("s1"));
  CHECK(list.version == 3);
  REQUIRE(list.tasks.size() == 1);
  CHECK(list.tasks[0].task_id == "rt-2-1");
  CHECK(must(fixture.store.task_list("s2")).version == 1);
  const auto done = must(fixture.store.find("rt-1-1"));
  REQUIRE(done.has_value());
  CHECK(done->state == TaskState::kDone);
  CHECK(done->finished_ms == 3000);
}

// After the ledger went back in time the publisher raises a list's version above what it sent; a
// version already higher stays, and a site the ledger lost gets a row.
TEST_CASE_TEMPLATE("reconcile tasks: raising a list's version moves it up only, and makes the row of a lost site",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  TaskFixture<Backend> fixture;
  fixture.create(1, 1);
  must(fixture.store.raise("s1", 7));
  CHECK(must(fixture.store.task_list("s1")).version == 7);
  must(fixture.store.raise("s1", 5));
  CHECK(must(fixture.store.task_list("s1")).version == 7);
  must(fixture.store.bump("s1"));
  CHECK(must(fixture.store.task_list("s1")).version == 8);
  must(fixture.store.raise("s9", 3));
  CHECK(must(fixture.store.task_list("s9")).version == 3);
}

TEST_CASE_TEMPLATE("reconcile tasks: a site's list carries its oldest open tasks, at most the list limit", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  TaskFixture<Backend> fixture;
  const std::int64_t open = recount::limits::kMaxTasksPerList + 5;
  for (std::int64_t discrepancy = 1; discrepancy <= open; ++discrepancy) {
    fixture.create(discrepancy, 1, "s1", 1000 + discrepancy);
  }
  auto list = must(fixture.store.task_list("s1"));
  REQUIRE(list.tasks.size() == recount::limits::kMaxTasksPerList);
  CHECK(list.tasks.front().task_id == "rt-1-1");
  CHECK(list.tasks.back().task_id == "rt-" + std::to_string(recount::limits::kMaxTasksPerList) + "-1");

  // As the oldest are done, the next ones take their place.
  must(fixture.store.finish("rt-1-1", TaskState::kDone, 5000));
  list = must(fixture.store.task_list("s1"));
  REQUIRE(list.tasks.size() == recount::limits::kMaxTasksPerList);
  CHECK(list.tasks.front().task_id == "rt-2-1");
  CHECK(list.tasks.back().task_id == "rt-" + std::to_string(recount::limits::kMaxTasksPerList + 1) + "-1");
}

TEST_CASE_TEMPLATE("reconcile tasks: the first acknowledgement is kept, and a site waits for one per open task",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  TaskFixture<Backend> fixture;
  fixture.create(1, 1);
  fixture.create(2, 1, "s2");
  CHECK(must(fixture.store.sites_awaiting_ack()) == std::vector<std::string>{"s1", "s2"});
  CHECK_FALSE(must(fixture.store.acknowledge("rt-1-1", "s2", "hh-9", 1400)));  // another site's device
  CHECK(must(fixture.store.acknowledge("rt-1-1", "s1", "hh-2", 1500)));
  CHECK_FALSE(must(fixture.store.acknowledge("rt-1-1", "s1", "hh-3", 1600)));
  CHECK_FALSE(must(fixture.store.acknowledge("rt-9-9", "s1", "hh-3", 1600)));
  CHECK(must(fixture.store.sites_awaiting_ack()) == std::vector<std::string>{"s2"});
  const auto task = must(fixture.store.find("rt-1-1"));
  CHECK(task->acked_device == "hh-2");
  CHECK(task->acked_ms == 1500);
  CHECK(must(fixture.store.task_list("s1")).version == 1);  // an ack does not change what is published
}

TEST_CASE_TEMPLATE("reconcile tasks: closing a discrepancy cancels its open tasks and reports their sites", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  TaskFixture<Backend> fixture;
  fixture.create(1, 1);
  must(fixture.store.finish("rt-1-1", TaskState::kDone, 1500));
  fixture.create(1, 2, "s1", 2000);
  CHECK(must(fixture.store.cancel_open(1, 3000)) == std::vector<std::string>{"s1"});
  CHECK(must(fixture.store.cancel_open(1, 3000)).empty());
  const auto rounds = must(fixture.store.tasks_of(1));
  REQUIRE(rounds.size() == 2);
  CHECK(rounds[0].state == TaskState::kDone);
  CHECK(rounds[1].state == TaskState::kCancelled);
  CHECK(must(fixture.store.tasks("", TaskFilter::kAll, 10)).front().task.task_id == "rt-1-2");
  for (const auto state : {TaskState::kOpen, TaskState::kDone, TaskState::kCancelled}) {
    CHECK(parse_task_state(to_string(state)) == state);
  }
}

TEST_CASE_TEMPLATE("reconcile tasks: a listing of open tasks leaves out the finished ones, of all tasks keeps them",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  TaskFixture<Backend> fixture;
  fixture.create(1, 1);
  fixture.create(2, 1, "s2", 2000);
  must(fixture.store.finish("rt-1-1", TaskState::kDone, 1500));
  const auto open = must(fixture.store.tasks("", TaskFilter::kOpen, 10));
  REQUIRE(open.size() == 1);
  CHECK(open[0].task.task_id == "rt-2-1");
  CHECK(must(fixture.store.tasks("", TaskFilter::kAll, 10)).size() == 2);
  CHECK(must(fixture.store.tasks("s1", TaskFilter::kOpen, 10)).empty());
  CHECK(must(fixture.store.tasks("s1", TaskFilter::kAll, 10)).size() == 1);
}

}  // namespace
}  // namespace recount::hub::reconcile
