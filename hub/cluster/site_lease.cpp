// Site leases: the site_leases table and its conditional upsert, written once for both engines.
#include "hub/cluster/site_lease.hpp"

#include <array>
#include <string_view>
#include <utility>

namespace recount::hub::cluster {

enum class SiteLeases::Sql { kAcquire, kRead, kRelease, kOwned, kHolds, kCount };

namespace {

// The table on PostgreSQL at version 1, in its types.
constexpr std::string_view kPostgresCluster = R"sql(
CREATE TABLE site_leases (
  site       TEXT   PRIMARY KEY,
  owner      TEXT   NOT NULL,
  token      BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL
);
CREATE INDEX site_leases_by_owner ON site_leases(owner);
CREATE TABLE ledger_writer (
  id     BIGINT PRIMARY KEY CHECK (id = 1),
  writer TEXT   NOT NULL
);
INSERT INTO ledger_writer (id, writer) VALUES (1, '');
)sql";
// Version 2.
constexpr std::string_view kPostgresWatermarks = R"sql(
CREATE TABLE hub_watermarks (
  hub               TEXT   PRIMARY KEY,
  oldest_waiting_ms BIGINT,
  updated_ms        BIGINT NOT NULL
);
)sql";

constexpr std::string_view kLeaseColumns = "site, owner, token, expires_ms";

// Indexed by SiteLeases::Sql.
std::array<std::string, 5> sql_for(storage::Dialect dialect) {
  const std::string columns(kLeaseColumns);
  return {
      // kAcquire: ?1 site, ?2 owner, ?3 now, ?4 the new expiry. The update runs only when the lease
      // is the owner's or expired (a released one is expired); its SET reads the row as it was. On
      // PostgreSQL a second caller waits for the first one's row lock and then tests the row the
      // first one wrote; on SQLite the write lock orders them. No row comes back when it is refused.
      "INSERT INTO site_leases (site, owner, token, expires_ms) VALUES (?1, ?2, 1, ?4)"
      " ON CONFLICT (site) DO UPDATE SET"
      " token = CASE WHEN site_leases.owner = excluded.owner AND site_leases.expires_ms > ?3"
      " THEN site_leases.token ELSE site_leases.token + 1 END,"
      " owner = excluded.owner, expires_ms = excluded.expires_ms"
      " WHERE site_leases.owner = excluded.owner OR site_leases.expires_ms <= ?3"
      " RETURNING " +
          columns,
      // kRead
      "SELECT " + columns + " FROM site_leases WHERE site = ?1",
      // kRelease
      "UPDATE site_leases SET expires_ms = 0 WHERE site = ?1 AND owner = ?2",
      // kOwned
      "SELECT " + columns + " FROM site_leases WHERE owner = ?1 AND expires_ms > ?2 ORDER BY site",
      // kHolds
      "SELECT token FROM site_leases WHERE site = ?1 AND owner = ?2 AND token = ?3 AND expires_ms > ?4" +
          std::string(dialect == storage::Dialect::kPostgres ? " FOR SHARE" : ""),
  };
}

Result<Lease> read_lease(const storage::Statement& row) {
  return Lease{row.column_text(0), row.column_text(1), row.column_int(2), row.column_int(3)};
}

}  // namespace

// Step i takes the table from version i to i + 1. Append; never edit one that has shipped.
storage::SchemaComponent cluster_schema() {
  return storage::SchemaComponent{"cluster",
                                  "recount-hub",
                                  {{R"sql(
CREATE TABLE site_leases (
  site       TEXT    PRIMARY KEY,
  owner      TEXT    NOT NULL,  -- the holding hub's client id
  token      INTEGER NOT NULL,  -- fencing: raised on every new term, never on a renewal
  expires_ms INTEGER NOT NULL   -- wall-clock ms; 0 once released
) WITHOUT ROWID;
CREATE INDEX site_leases_by_owner ON site_leases(owner);
CREATE TABLE ledger_writer (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  writer TEXT    NOT NULL  -- the client id of the hub whose write committed last
);
INSERT INTO ledger_writer (id, writer) VALUES (1, '');
)sql"},
                                   {R"sql(
CREATE TABLE hub_watermarks (
  hub               TEXT    PRIMARY KEY,  -- a hub's client id
  oldest_waiting_ms INTEGER,              -- receive time of the oldest message it holds unstored; NULL: none
  updated_ms        INTEGER NOT NULL      -- wall-clock ms of the write that set it
) WITHOUT ROWID;
)sql"}},
                                  {},
                                  storage::SchemaComponent::Postgres{1, kPostgresCluster, {kPostgresWatermarks}}};
}

Result<SiteLeases> SiteLeases::prepare(storage::Connection& database) {
  auto statements = storage::StatementSet<Sql>::prepare(database, sql_for(database.dialect()));
  if (!statements) return statements.error();
  return SiteLeases(std::move(*statements));
}

Result<Lease> SiteLeases::acquire_or_renew(const std::string& site, const std::string& owner, std::int64_t now_ms,
                                           std::int64_t ttl_ms) {
  auto granted = storage::collect_rows<Lease>(
      statement(Sql::kAcquire).bind(1, site).bind(2, owner).bind(3, now_ms).bind(4, now_ms + ttl_ms), read_lease);
  if (!granted) return granted.error();
  if (!granted->empty()) return std::move(granted->front());
  // Refused: another hub holds it, so its row is there (rows are never deleted). That hub may
  // release it before the read: the lease read then says so (expires_ms 0).
  return read(site);
}

Result<Lease> SiteLeases::read(const std::string& site) {
  auto found = storage::collect_rows<Lease>(statement(Sql::kRead).bind(1, site), read_lease);
  if (!found) return found.error();
  if (found->empty())
    return Error{ErrorCode::kCorrupt, "site", "the lease of " + site + " was refused but is not stored"};
  return std::move(found->front());
}

Result<void> SiteLeases::release(const std::string& site, const std::string& owner) {
  return statement(Sql::kRelease).bind(1, site).bind(2, owner).run();
}

Result<std::vector<Lease>> SiteLeases::owned_by(const std::string& owner, std::int64_t now_ms) {
  return storage::collect_rows<Lease>(statement(Sql::kOwned).bind(1, owner).bind(2, now_ms), read_lease);
}

Result<bool> SiteLeases::holds(const std::string& site, const std::string& owner, std::int64_t token,
                               std::int64_t now_ms) {
  auto held = storage::first_int(statement(Sql::kHolds).bind(1, site).bind(2, owner).bind(3, token).bind(4, now_ms));
  if (!held) return held.error();
  return held->has_value();
}

}  // namespace recount::hub::cluster
