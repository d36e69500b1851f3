// The two storage backends for the hub's store tests: a fresh SQLite file, or a fresh PostgreSQL
// database on a server of the test's own. A suite runs each case against both with
// TEST_CASE_TEMPLATE(..., Backend, testing::SqliteBackend, testing::PostgresBackend).
#pragma once

#include <doctest/doctest.h>

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

}  // namespace recount::testing

TYPE_TO_STRING_AS("sqlite", recount::testing::SqliteBackend);
TYPE_TO_STRING_AS("postgresql", recount::testing::PostgresBackend);
