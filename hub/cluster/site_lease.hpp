// Site leases (docs/scale-out.md, "Several hubs"): of several hubs sharing one ledger, the one that
// holds a site's lease reconciles it and publishes its task lists and catalogs; the lease expires
// unless renewed, so a surviving hub takes over a dead one's sites.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shared/core/result.hpp"
#include "shared/storage/connection.hpp"
#include "shared/storage/migrations.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::cluster {

// The "cluster" component (shared/storage/migrations.hpp): the site_leases table, and
// ledger_writer, which names the hub whose ledger write committed last (hub/cluster/membership.hpp).
storage::SchemaComponent cluster_schema();

// A site's lease as it stands. `token` (fencing) rises by one each time the lease starts a new
// term (taken over by another hub, or taken again after it expired or was released), never on a
// renewal: a hub compares it with the token it was granted to tell that it lost the lease meanwhile.
struct Lease {
  std::string site;
  std::string owner;  // a hub's client id
  std::int64_t token = 0;
  std::int64_t expires_ms = 0;  // wall-clock ms; 0 once released

  // Whether `owner` holds it at `now_ms`.
  bool held_by(const std::string& hub, std::int64_t now_ms) const { return owner == hub && expires_ms > now_ms; }
};

// Prepared statements over site_leases (cluster_schema() migrated), on SQLite or PostgreSQL. Times
// are wall-clock ms from the caller's clock (WallClock), so the hubs' clocks must agree to well
// within a lease's time to live. Each call is one statement: outside a transaction it commits at
// once, which is how a hub should renew (not inside a long ledger write, which would hold the
// renewal back until it commits). Every call blocks on the database; errors are kIo (the engine
// refused, the connection is lost). Not thread-safe; must not outlive the connection.
class SiteLeases {
 public:
  // Errors: kIo when a statement does not compile (the table is missing).
  static Result<SiteLeases> prepare(storage::Connection& database);

  // Takes the site's lease for `owner` until now_ms + ttl_ms if it is free (never taken, expired
  // at now_ms, or released), or renews it if `owner` holds it, in one conditional statement: of
  // several hubs calling at once, exactly one gets it. Returns the lease as it stands afterwards:
  // held_by(owner, now_ms) tells whether `owner` got it; otherwise it names the hub that holds it.
  Result<Lease> acquire_or_renew(const std::string& site, const std::string& owner, std::int64_t now_ms,
                                 std::int64_t ttl_ms);

  // Frees the site's lease at once if `owner` holds it (its token stays, so the next holder's is
  // higher); does nothing otherwise.
  Result<void> release(const std::string& site, const std::string& owner);

  // The leases `owner` holds at now_ms, by site.
  Result<std::vector<Lease>> owned_by(const std::string& owner, std::int64_t now_ms);

  // The fence of a write made under a lease: whether `owner` still holds the site's lease at
  // now_ms in the term of `token`. Inside the caller's write transaction it also keeps the lease
  // from changing hands until that transaction ends (PostgreSQL: FOR SHARE on its row, which a
  // takeover's update waits for; SQLite: the write lock), so a write it let through commits
  // before any takeover does.
  Result<bool> holds(const std::string& site, const std::string& owner, std::int64_t token, std::int64_t now_ms);

 private:
  enum class Sql;
  explicit SiteLeases(storage::StatementSet<Sql> statements) : statements_(std::move(statements)) {}
  storage::Statement& statement(Sql which) { return statements_[which]; }
  Result<Lease> read(const std::string& site);

  storage::StatementSet<Sql> statements_;
};

}  // namespace recount::hub::cluster
