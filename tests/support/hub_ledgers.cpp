// Reading a hub's ledger from a system test.
#include "tests/support/hub_ledgers.hpp"

#include "shared/storage/sqlite.hpp"
#include "tests/support/process.hpp"

namespace recount::testing {

std::int64_t SqliteHubLedger::number(const std::filesystem::path& hub_dir, const std::string& sql) const {
  auto database =
      storage::Database::open(hub_dir / "hub.db", storage::OpenMode::kExistingOnly, storage::Durability::kNormal);
  REQUIRE_MESSAGE(database.has_value(), (database ? "" : database.error().describe()));
  auto query = database->prepare(sql);
  REQUIRE_MESSAGE(query.has_value(), sql << ": " << (query ? "" : query.error().describe()));
  auto row = query->step();
  REQUIRE_MESSAGE(row.has_value(), sql << ": " << (row ? "" : row.error().describe()));
  REQUIRE(*row);
  return query->column_int(0);
}

namespace {

std::int64_t psql_number(const std::string& url, const std::string& sql) {
  const auto result =
      run_command({"psql", "--no-psqlrc", "--tuples-only", "--no-align", "--dbname=" + url, "--command=" + sql});
  REQUIRE_MESSAGE(result.exit_code == 0, sql << ": " << result.err);
  return std::stoll(result.out);
}

}  // namespace

std::int64_t PostgresHubLedger::number(const std::filesystem::path&, const std::string& sql) const {
  return psql_number(server.url(), sql);
}

std::int64_t PostgresFailoverHubLedger::number(const std::filesystem::path&, const std::string& sql) const {
  return psql_number(url(), sql);
}

}  // namespace recount::testing
