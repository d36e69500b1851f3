// The one migration runner: steps in order, versions in schema_versions, legacy versions read
// once, newer files refused untouched, all or nothing, and several processes migrating one file.
#include "shared/storage/migrations.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>

#include "shared/storage/statement_set.hpp"
#include "tests/support/process.hpp"

namespace recount::storage {
namespace {

Database open_file(const std::filesystem::path& file) {
  auto opened = Database::open(file, OpenMode::kCreateIfMissing, Durability::kNormal, 0x54455354);
  REQUIRE_MESSAGE(opened.has_value(), (opened ? "" : opened.error().describe()));
  return std::move(*opened);
}

std::int64_t number(Database& database, const std::string& sql) {
  auto statement = database.prepare(sql);
  REQUIRE(statement.has_value());
  return single_int(*statement).value();
}

// Each step records that it ran in `runs`, so a step that ran twice shows.
SchemaComponent widgets(std::function<Result<int>(Database&)> legacy = {}) {
  return SchemaComponent{"widgets",
                         "recount-test",
                         {{"CREATE TABLE widgets (id INTEGER PRIMARY KEY); CREATE TABLE runs (step INTEGER);"
                           " INSERT INTO runs VALUES (1);"},
                          {"ALTER TABLE widgets ADD COLUMN name TEXT; INSERT INTO runs VALUES (2);"},
                          {"", [](Database& database) { return database.execute("INSERT INTO runs VALUES (3)"); }}},
                         std::move(legacy)};
}

TEST_CASE("migrations: a new file runs every step once, in order, and records the version") {
  recount::testing::TempDir dir;
  auto database = open_file(dir / "test.db");
  const SchemaComponent components[] = {widgets()};
  CHECK(schema_version(database, components[0]).value() == 0);
  REQUIRE(migrate(database, components));
  CHECK(schema_version(database, components[0]).value() == 3);
  CHECK(number(database, "SELECT version FROM schema_versions WHERE component = 'widgets'") == 3);
  auto steps = database.prepare("SELECT group_concat(step, ',') FROM runs");
  REQUIRE(steps->step().value());
  CHECK(steps->column_text(0) == "1,2,3");
  steps->reset();
  REQUIRE(migrate(database, components));  // current: nothing runs again
  CHECK(number(database, "SELECT count(*) FROM runs") == 3);
}

TEST_CASE("migrations: a legacy version is read while schema_versions has no row, and only then") {
  recount::testing::TempDir dir;
  auto database = open_file(dir / "test.db");
  // As an older program left the file: steps 1 and 2 ran, counted in PRAGMA user_version.
  REQUIRE(
      database.execute("CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE runs (step INTEGER);"
                       " PRAGMA user_version = 2"));
  const SchemaComponent components[] = {widgets(legacy_user_version)};
  REQUIRE(migrate(database, components));
  CHECK(number(database, "SELECT group_concat(step) FROM runs") == 3);  // step 3 alone
  CHECK(number(database, "SELECT version FROM schema_versions") == 3);
  // From now on the row counts, not the legacy location.
  REQUIRE(database.execute("PRAGMA user_version = 0"));
  REQUIRE(migrate(database, components));
  CHECK(number(database, "SELECT count(*) FROM runs") == 1);
}

TEST_CASE("migrations: one user_version shared by two components maps onto each of them") {
  recount::testing::TempDir dir;
  auto database = open_file(dir / "test.db");
  const auto first = shared_user_version({1, 3}, 4);
  const auto second = shared_user_version({2, 4}, 4);
  const std::pair<int, std::pair<int, int>> cases[] = {{0, {0, 0}}, {1, {1, 0}}, {2, {1, 1}},
                                                       {3, {2, 1}}, {4, {2, 2}}, {5, {3, 3}}};
  for (const auto& [user_version, expected] : cases) {
    CAPTURE(user_version);
    REQUIRE(database.execute("PRAGMA user_version = " + std::to_string(user_version)));
    CHECK(first(database).value() == expected.first);
    CHECK(second(database).value() == expected.second);
  }
}

TEST_CASE("migrations: a component newer than its steps is refused and the file left untouched") {
  recount::testing::TempDir dir;
  auto database = open_file(dir / "test.db");
  const SchemaComponent components[] = {widgets()};
  REQUIRE(migrate(database, components));
  REQUIRE(database.execute("UPDATE schema_versions SET version = 4"));
  const SchemaComponent also[] = {SchemaComponent{"gadgets", "recount-test", {{"CREATE TABLE gadgets (id INTEGER)"}}},
                                  widgets()};
  auto refused = migrate(database, also);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kUnsupportedVersion);
  CHECK(refused.error().message ==
        "the widgets tables of " + (dir / "test.db").string() +
            " have version 4 but this recount-test knows versions up to 3; run a newer recount-test");
  CHECK_FALSE(database.execute("SELECT 1 FROM gadgets").has_value());  // the earlier component too
}

TEST_CASE("migrations: a failing step leaves nothing behind, not even the steps before it") {
  recount::testing::TempDir dir;
  auto database = open_file(dir / "test.db");
  auto component = widgets();
  component.steps.push_back({"INSERT INTO no_such_table VALUES (1)"});
  const SchemaComponent components[] = {component};
  auto failed = migrate(database, components);
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().message.find("no_such_table") != std::string::npos);
  CHECK_FALSE(database.execute("SELECT 1 FROM widgets").has_value());
  CHECK(schema_version(database, components[0]).value() == 0);
}

// Several processes open one new file and migrate it at the same moment; each must succeed and
// every step must run once.
TEST_CASE("migrations: processes opening and migrating one new file at once all succeed, and each step runs once") {
  constexpr int kRounds = 20;
  constexpr int kProcesses = 4;
  for (int round = 0; round < kRounds; ++round) {
    CAPTURE(round);
    recount::testing::TempDir dir;
    const auto file = dir / "shared.db";
    std::vector<pid_t> children;
    for (int i = 0; i < kProcesses; ++i) {
      const pid_t child = ::fork();
      REQUIRE(child >= 0);
      if (child == 0) {
        auto opened = Database::open(file, OpenMode::kCreateIfMissing, Durability::kNormal, 0x54455354);
        if (!opened) {
          std::cerr << "open: " << opened.error().describe() << '\n';
          ::_exit(1);
        }
        const SchemaComponent components[] = {widgets()};
        auto migrated = migrate(*opened, components);
        if (!migrated) std::cerr << "migrate: " << migrated.error().describe() << '\n';
        ::_exit(migrated ? 0 : 2);
      }
      children.push_back(child);
    }
    for (const pid_t child : children) {
      int status = 0;
      REQUIRE(::waitpid(child, &status, 0) == child);
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
    auto database = open_file(file);
    CHECK(number(database, "SELECT count(*) FROM runs") == 3);
    CHECK(number(database, "SELECT version FROM schema_versions WHERE component = 'widgets'") == 3);
  }
}

}  // namespace
}  // namespace recount::storage
