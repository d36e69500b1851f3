// Drift origin (docs/investigation.md): for a position, a SKU across a site's locations or a whole
// site, when the ledger and what was counted (or a connected system reported) began to disagree for
// good, the events around that moment, and the explanations that fit them, ranked. Reads the
// reconcile projections and snapshots; writes nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/reconcile/catalog_view.hpp"
#include "hub/reconcile/discrepancy.hpp"
#include "hub/reconcile/position.hpp"
#include "hub/reconcile/read_model.hpp"
#include "hub/reconcile/snapshots.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::investigate {

// What a query covers: one position (site, location, SKU, lot), one SKU at every location of a
// site, or every position of a site.
enum class DriftScope { kPosition, kSku, kSite };

// Whose observations are traced: the floor's counts ("warehouse"), or the snapshots a connected
// system reported. A system's subject is a SKU at a location or, with location "", over the site
// (no lot), and its observations are compared with the ledger's balance of that subject.
struct DriftQuery {
  DriftScope scope = DriftScope::kPosition;
  reconcile::PositionKey position;  // site always; location and lot for kPosition; sku for kPosition and kSku
  std::size_t limit = 50;           // most drifting positions returned (kSku, kSite), earliest origin first
  std::string system{reconcile::kWarehouseSystem};
};

// The engine's settings. The ambiguity window is the policy's; the others are the practice's.
struct DriftSettings {
  std::int64_t now_ms = 0;                                      // "now" for how long received stock has sat at a dock
  std::int64_t ambiguity_window_ms = 60'000;                    // Policy::ambiguity_window_ms
  std::int64_t put_away_ms = std::int64_t{4} * 3'600'000;       // stock still at a dock after this was never put away
  std::int64_t clock_skew_limit_ms = std::int64_t{5} * 60'000;  // a device clock off by more than this is suspect
  std::size_t context = 5;                                      // events shown on each side of the origin's window
};

enum class CandidateKind {
  kReceiptNotPutAway,    // received at a dock, still there past the put-away time
  kMoveWithoutArrival,   // a move/putaway whose destination never showed the stock, or a move's missing pair
  kSaleWithoutPick,      // a sale or shipment booked while the stock stayed on the shelf
  kPackMultiple,         // the divergence is a whole number of the item's packs (a UoM error)
  kClockSkew,            // an event near the origin from a device whose clock was off
  kCountDuringMovement,  // stock moved within the ambiguity window of the count (or of a report's as-of)
  kMovementNotInSystem,  // a ledger movement a connected system's report does not reflect
};

std::string_view to_string(CandidateKind kind);

// One explanation with the events that support it. Scores (0-100) are documented per kind in
// docs/investigation.md; a candidate whose figures match the divergence exactly scores higher.
struct Candidate {
  CandidateKind kind = CandidateKind::kPackMultiple;
  int score = 0;
  std::string explanation;
  std::vector<std::string> evidence;  // event ids
};

// One observation of a position: a count group (or a system's snapshot) set against the ledger's
// balance at its time.
struct DriftObservation {
  HlcStamp hlc;
  std::int64_t group_id = 0;     // 0 for a snapshot
  std::int64_t snapshot_id = 0;  // 0 for a count group
  std::string event_id;          // the group's first count event ("" for a location_closed zero), or the snapshot's
  std::string user;              // who counted; for a snapshot, the system
  std::int64_t expected = 0;
  std::int64_t counted = 0;
  std::int64_t variance = 0;  // counted − expected
};

struct PositionDrift {
  reconcile::PositionKey position;  // for a system, its subject (location "" for the whole site)
  std::string system{reconcile::kWarehouseSystem};
  // The last observation before the divergence that agreed, or that the books were corrected to
  // (a resolving adjustment, a baseline), if any: drift began after it.
  std::optional<DriftObservation> known_good;
  // The first observation of the run of disagreeing ones that lasts to the latest: the origin.
  DriftObservation origin;
  DriftObservation latest;
  std::int64_t diverged_observations = 0;  // the run's length
  // The events after known_good up to the origin, with `context` on either side (at most
  // kMaxAroundEvents, those nearest the origin kept), in event time.
  std::vector<reconcile::HistoryEntry> around;
  std::vector<Candidate> candidates;  // best first
};

struct DriftReport {
  std::vector<PositionDrift> drifts;  // earliest origin first, at most query.limit
  std::int64_t positions_examined = 0;
  std::int64_t positions_drifting = 0;  // all found, including those the limit left out
  bool truncated = false;               // drifting positions were left out (limit or memory cap)
};

inline constexpr std::size_t kMaxAroundEvents = 50;
// The most drifting positions one query holds in memory at once, whatever its limit.
inline constexpr std::size_t kMaxHeldDrifts = 10'000;
// The most stale dock receipts one query remembers per SKU.
inline constexpr std::size_t kMaxDockReceipts = 100;

// Finds drift origins. Reads one position's history at a time (a site is read position by
// position, 1,000 position rows at a time), so memory grows with the largest single history and
// the drifting positions held (kMaxHeldDrifts), not with the site. Blocks on SQLite; errors are
// kIo (kCorrupt for rows this build cannot read). Not thread-safe; call from the thread that runs
// the hub's writes. Must not outlive the database or the catalog view.
class DriftFinder {
 public:
  static Result<DriftFinder> prepare(storage::Connection& database, const reconcile::CatalogView& catalog);

  // kNotFound for a position scope naming a position the ledger has never seen (for a system, a
  // subject it never reported).
  Result<DriftReport> find(const DriftQuery& query, const DriftSettings& settings);

 private:
  enum class Sql;
  struct Scan;
  DriftFinder(reconcile::ReadModel read_model, reconcile::SnapshotStore snapshots,
              storage::StatementSet<Sql> statements, const reconcile::CatalogView& catalog)
      : read_model_(std::move(read_model)),
        snapshots_(std::move(snapshots)),
        statements_(std::move(statements)),
        catalog_(&catalog) {}

  Result<DriftReport> find_counted(const DriftQuery& query, const DriftSettings& settings);
  Result<DriftReport> find_reported(const DriftQuery& query, const DriftSettings& settings);
  Result<void> examine(const reconcile::PositionView& position, const DriftSettings& settings, Scan& scan);
  Result<void> examine_subject(const std::string& system, const reconcile::PositionKey& subject,
                               const DriftSettings& settings, Scan& scan);
  // The subject's positions' histories merged in event time, its balance the sum of theirs.
  Result<std::vector<reconcile::HistoryEntry>> subject_history(const reconcile::PositionKey& subject);
  Result<std::vector<Candidate>> explain(const PositionDrift& drift,
                                         const std::vector<reconcile::HistoryEntry>& history,
                                         const DriftSettings& settings, Scan& scan);
  Result<void> add_clock_candidates(const PositionDrift& drift, const std::vector<reconcile::HistoryEntry>& history,
                                    const DriftSettings& settings, Scan& scan, std::vector<Candidate>& candidates);
  Result<bool> clock_suspect(const std::string& device, const DriftSettings& settings);
  static DriftReport report_of(const DriftQuery& query, Scan& scan);

  reconcile::ReadModel read_model_;
  reconcile::SnapshotStore snapshots_;
  storage::StatementSet<Sql> statements_;
  const reconcile::CatalogView* catalog_;
};

}  // namespace recount::hub::investigate
