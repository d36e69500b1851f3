// The two places a hub under a system test keeps its ledger, for TEST_CASE_TEMPLATE: a SQLite file
// in its data directory, or a PostgreSQL database on a server of the test's own.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "tests/support/postgres.hpp"

namespace recount::testing {

// hub.db in the hub's data directory: the Hub's ledger URL is empty.
struct SqliteHubLedger {
  std::string url() const { return ""; }
  // The first column of the first row `sql` gives, read from hub_dir/hub.db; fails the test when
  // there is none or the query fails.
  std::int64_t number(const std::filesystem::path& hub_dir, const std::string& sql) const;
};

// A database on a PostgreSQL server of the fixture's own (recount-hub --ledger URL), read with
// psql: the system tests drive the programs and link none of the hub's code. Not copyable; the
// server lives as long as the fixture.
struct PostgresHubLedger {
  PostgresServer server;
  std::string url() const { return server.url(); }
  // As SqliteHubLedger::number; the hub's directory plays no part.
  std::int64_t number(const std::filesystem::path& hub_dir, const std::string& sql) const;
};

// A database on a PostgreSQL primary with a hot standby, both of the fixture's own, which the hub
// reaches through a URL listing both (failover_url): it connects to whichever takes writes, so
// it follows a failover once the standby is promoted.
struct PostgresFailoverHubLedger {
  explicit PostgresFailoverHubLedger(PostgresServer::Replication replication)
      : standby(PostgresServer::StandbyOf{primary, replication}) {}
  PostgresServer primary;
  PostgresServer standby;
  std::string url() const { return failover_url(primary, standby); }
  // As PostgresHubLedger::number, on whichever of the two takes writes.
  std::int64_t number(const std::filesystem::path& hub_dir, const std::string& sql) const;
};

}  // namespace recount::testing

TYPE_TO_STRING_AS("sqlite", recount::testing::SqliteHubLedger);
TYPE_TO_STRING_AS("postgresql", recount::testing::PostgresHubLedger);
