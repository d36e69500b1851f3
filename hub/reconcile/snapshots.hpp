// Connected systems' snapshots (docs/channels.md): what a system reported of a SKU at a site as
// of a time, judged against the ledger's quantity as of that time, and judged again whenever a
// movement at or before it arrives, as count groups are (projections.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hub/reconcile/count_group.hpp"
#include "hub/reconcile/position.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"
#include "shared/domain/event.hpp"
#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::reconcile {

struct Snapshot {
  std::int64_t id = 0;
  std::string event_id;
  std::string system;
  PositionKey subject;  // site, location ("" for the whole site), SKU; no lot
  HlcStamp hlc;         // the report's as-of time
  std::int64_t wall_ms = 0;
  std::int64_t reported = 0;
  std::string reference;  // the report's kind ("shopify-on-hand-wide", …)
  std::int64_t received_ms = 0;
  // Judged when settled:
  std::optional<std::int64_t> expected;  // the ledger's quantity as of hlc
  std::int64_t variance = 0;             // reported − expected
  std::optional<bool> within;            // within the system's tolerance
  std::int64_t value_cents = 0;
  std::optional<std::int64_t> settled_ms;
};

struct DueSnapshot {
  std::int64_t snapshot_id = 0;
  Cause cause;
};

// A system's subject as the listing of systems shows it (Queries::systems()).
struct SystemSummary {
  std::string system;
  std::string site;
  std::string last_kind;           // the newest report's kind
  std::int64_t last_as_of_ms = 0;  // its as-of time
  std::int64_t last_received_ms = 0;
  std::int64_t skus = 0;  // SKUs (per location) it reported and the hub compared
  std::int64_t open_discrepancies = 0;
};

// Prepared statements over reconcile_snapshots (and the position reads judging needs) of a
// migrated database. Writes run in the caller's transaction. Every call blocks on SQLite and
// returns kIo when it fails, kCorrupt when a row holds a name this build does not know. Not
// thread-safe; must not outlive the Database.
class SnapshotStore {
 public:
  static Result<SnapshotStore> prepare(storage::Connection& database);

  // Stores a snapshot event of `site`, due to be judged at due_ms; false when its event_id is
  // stored already (applying it again changes nothing).
  Result<bool> record(const std::string& site, const Event& event, std::int64_t received_ms, std::int64_t due_ms,
                      const Cause& cause);
  // Marks for judging at due_ms the snapshots of `sku` at `site` stamped at or after `hlc` that a
  // movement at `locations` touches: those of the whole site and those of one of the locations.
  Result<void> mark_touched(const std::string& site, const std::string& sku, const std::vector<std::string>& locations,
                            HlcStamp hlc, std::int64_t due_ms, const Cause& cause);
  // Marks every snapshot for judging at due_ms (a policy re-evaluation).
  Result<void> mark_all(std::int64_t due_ms, const Cause& cause);
  // At most `limit` snapshots due at `now_ms`, those marked due earliest, by time. Bounded, so a
  // commit that judges a few of a long backlog reads no more than those.
  Result<std::vector<DueSnapshot>> due(std::int64_t now_ms, std::size_t limit);
  Result<std::optional<std::int64_t>> next_due();
  Result<Snapshot> get(std::int64_t id);  // kNotFound when there is none
  Result<std::optional<Snapshot>> find(const std::string& event_id);
  Result<void> record_judgement(std::int64_t id, std::int64_t expected, std::int64_t value_cents, bool within,
                                std::int64_t now_ms);
  // The newest snapshot (by stamp, then id) of a system's subject.
  Result<std::int64_t> newest_of(const std::string& system, const PositionKey& subject);
  // The newest snapshot of each subject of `sku` at `site`, every system.
  Result<std::vector<Snapshot>> latest_of_sku(const std::string& site, const std::string& sku);
  // Up to `limit` subjects of `system` at `site` (of `sku`, or every SKU when it is "") with a
  // judged snapshot, by location then SKU, after the subject `after` (start with an empty key).
  Result<std::vector<PositionKey>> subjects(const std::string& system, const std::string& site, const std::string& sku,
                                            const PositionKey& after, std::size_t limit);
  // The judged snapshots of a system's subject, by stamp then id.
  Result<std::vector<Snapshot>> judged(const std::string& system, const PositionKey& subject);

  // The site's positions of `sku` (at `location`, or anywhere when it is "").
  Result<std::vector<PositionView>> positions(const std::string& site, const std::string& location,
                                              const std::string& sku);
  // On-hand now of `sku` at `site` (at `location`, or summed over the site when it is "").
  Result<std::int64_t> on_hand(const std::string& site, const std::string& location, const std::string& sku);

  // Each system of each site (one site when `site` is not ""), by system then site.
  Result<std::vector<SystemSummary>> summaries(const std::string& site);

 private:
  enum class Sql;
  explicit SnapshotStore(storage::StatementSet<Sql> statements) : statements_(std::move(statements)) {}
  storage::Statement& statement(Sql which) { return statements_[which]; }

  storage::StatementSet<Sql> statements_;
};

}  // namespace recount::hub::reconcile
