// The two storage backends for the hub's store tests: a fresh SQLite file, or a fresh PostgreSQL
// database on a server of the test's own. A suite runs each case against both with
// TEST_CASE_TEMPLATE(..., Backend, testing::SqliteBackend, testing::PostgresBackend).
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <utility>

#include "hub/storage/postgres.hpp"
#include "shared/storage/sqlite.hpp"
#include "tests/support/postgres.hpp"
#include "tests/support/process.hpp"

namespace recount::testing {

struct SqliteBackend {
  TempDir dir;
  storage::Database database = open();

  storage::Connection& connection() { return database; }

 private:
  storage::Database open() {
    auto opened =
        storage::Database::open(dir / "hub.db", storage::OpenMode::kCreateIfMissing, storage::Durability::kNormal);
    REQUIRE(opened.has_value());
    return std::move(*opened);
  }
};

struct PostgresBackend {
  PostgresServer server;
  storage::PostgresConnection database = open();

  storage::Connection& connection() { return database; }

 private:
  storage::PostgresConnection open() {
    auto opened = storage::PostgresConnection::open(server.url());
    REQUIRE_MESSAGE(opened.has_value(), (opened ? "" : opened.error().message));
    return std::move(*opened);
  }
};

// What someone with write access to the database could do behind the hub's back: drop the
// append-only triggers of `table` (events or audit_log, hub/ledger/schema.cpp), then run `sql`.
inline void tamper(storage::Connection& database, const std::string& table, const std::string& sql) {
  const bool sqlite = database.dialect() == storage::Dialect::kSqlite;
  const auto dropped =
      database.execute(sqlite ? "DROP TRIGGER " + table + "_no_update; DROP TRIGGER " + table + "_no_delete;"
                              : "DROP TRIGGER " + table + "_no_update ON " + table);
  REQUIRE_MESSAGE(dropped.has_value(), (dropped ? "" : dropped.error().describe()));
  auto ok = database.execute(sql);
  REQUIRE_MESSAGE(ok.has_value(), (ok ? "" : ok.error().describe()));
}

}  // namespace recount::testing

TYPE_TO_STRING_AS("sqlite", recount::testing::SqliteBackend);
TYPE_TO_STRING_AS("postgresql", recount::testing::PostgresBackend);
