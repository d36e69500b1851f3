// The one way the hub changes reconciliation state and tells the floor: in a ledger write
// transaction, let the change run, settle what became due, store the effects (adjustments as hub
// events, audit notes), commit, and only then publish the sites' task lists that changed. Ingest
// uses the middle of it (settle_and_commit, publish_task_list); operator decisions, baseline
// imports and the settle timer use all of it (HubWriter).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hub/ledger/ledger.hpp"
#include "hub/reconcile/reconciler.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"
#include "shared/mqtt/link.hpp"

namespace recount::hub {

// Carries out in `write`'s transaction what reconciliation asks of it: stores each adjustment as
// a hub event made at now_ms (LedgerWrite::record_hub_event) and appends each audit note.
// Errors: those of the ledger.
Result<void> record_effects(LedgerWrite& write, reconcile::Effects& effects, std::int64_t now_ms);

// Settles what is due by now_ms, records `effects` (what the caller's change produced) and then
// the settlement's, and commits. Returns the sites whose task lists changed (sorted, no repeats)
// for the caller to publish once the commit is done. Errors: those of the reconciler and the
// ledger; nothing is committed then (dropping `write` rolls it back). Blocks on the commit.
Result<std::vector<std::string>> settle_and_commit(LedgerWrite& write, reconcile::Reconciler& reconciler,
                                                   reconcile::Effects effects, std::int64_t now_ms);

// Publishes the open recount tasks of `site` retained (QoS 1) on recount/v1/{site}/tasks, so a
// device that connects later gets them at once. A task list that cannot be read is reported on
// stderr and not published (the next change publishes it again). Call on the link's io_context.
void publish_task_list(mqtt::Link& link, reconcile::Reconciler& reconciler, const std::string& site);

// The hub's own writes: operator decisions, baseline imports, the settle timer.
//
// Not thread-safe: use it on the io_context thread that ingest and the HTTP handlers run on (it
// shares their database connection). `ledger`, `reconciler` (open on the ledger's database) and
// `link` must outlive it.
class HubWriter {
 public:
  // A change made inside the write transaction at hub time now_ms: it may store through `write`
  // and call the reconciler, and returns the reconciler's effects (empty ones when it made no
  // call that returns any). Returning an error rolls the whole transaction back.
  using Change = std::function<Result<reconcile::Effects>(LedgerWrite& write, std::int64_t now_ms)>;

  HubWriter(Ledger& ledger, reconcile::Reconciler& reconciler, mqtt::Link& link, WallClock wall = system_wall_clock());

  // Runs `change` in a new write transaction, settles, records the effects, commits, and
  // publishes the task lists that changed. Errors: the change's, or those of the ledger and the
  // reconciler; nothing is stored then and nothing is published. Blocks on SQLite.
  Result<void> write(const Change& change);

  // Settles what is due now (counts whose settle delay has ended) in a write of its own.
  Result<void> settle();

  std::int64_t now_ms() const { return wall_(); }

 private:
  Ledger& ledger_;
  reconcile::Reconciler& reconciler_;
  mqtt::Link& link_;
  WallClock wall_;
};

}  // namespace recount::hub
