// The one way the hub changes reconciliation state and tells the floor: in a ledger write
// transaction, let the change run, settle what became due, store the effects (adjustments as hub
// events, audit notes), commit, and only then hand the sites whose task lists changed to the
// TaskListPublisher. Ingest uses the middle of it (settle_and_commit); operator decisions,
// baseline imports and the settle timer use all of it (HubWriter).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "hub/ledger/ledger.hpp"
#include "hub/reconcile/reconciler.hpp"
#include "hub/writes/task_publisher.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"

namespace recount::hub {

// Carries out in `write`'s transaction what reconciliation asks of it: stores each adjustment as
// a hub event made at now_ms (LedgerWrite::record_hub_event), puts each correction in the outbox
// (hub/channels/system_corrections.hpp) and appends each audit note.
// Errors: those of the ledger.
Result<void> record_effects(LedgerWrite& write, reconcile::Effects& effects, std::int64_t now_ms);

// What a settled commit leaves to its caller.
struct Settled {
  std::vector<std::string> task_sites;      // sorted, no repeats: publish their task lists
  bool caught_up = false;                   // the projections have applied every stored event
  std::size_t applied = 0;                  // events the projections applied in this commit
  bool judged = false;                      // counts due were judged (settle() ran)
  std::vector<std::int64_t> discrepancies;  // opened or changed (reconcile::Effects::discrepancies)
};

// What a commit changed that the console shows live (hub/http/live_feed.hpp).
struct CommitChanges {
  std::vector<std::int64_t> discrepancies;  // opened or moved to another state; may repeat
  std::vector<std::string> task_sites;      // sites whose recount tasks changed
  // Devices whose messages this commit stored (events, hellos, statuses, dead letters): sorted,
  // no repeats; whether what is shown of them changed is the observer's to tell.
  std::vector<std::string> devices;
};
// Told on the io_context's thread right after each commit that changed something; it must not
// write to the ledger.
using CommitObserver = std::function<void(const CommitChanges& changes)>;

// The receive time through which every message received is stored, by this hub and by the
// others sharing its ledger (Ingest::judge_through): counts due later wait. Errors: those of the
// ledger.
using JudgeHorizon = std::function<Result<std::int64_t>(std::int64_t now_ms)>;

// How much of what the projections have not applied a settled commit applies, whether it
// judges the counts due when it does not get to the end (judging after every part of a long
// backlog would judge a busy position's counts again with each part), until when it judges
// (Reconciler::settle's judge_until: what is left stays due for a later commit), and the newest
// count it may judge by its due time (messages received before then may not be stored yet: in a
// hub's queue, this one's or another's). The horizon is asked only by a commit that judges
// (with several hubs it reads the others' watermarks); none judges every count due.
struct CatchUpPolicy {
  std::size_t limit = std::numeric_limits<std::size_t>::max();
  bool judge_if_behind = true;
  std::chrono::steady_clock::time_point judge_until = std::chrono::steady_clock::time_point::max();
  JudgeHorizon horizon = nullptr;
};

// Records `effects` (what the caller's change produced), applies stored events the projections
// have not applied yet as `policy` allows (Reconciler::catch_up), settles what is due by now_ms
// among the counts those events could not change, records the settlement's effects, and
// commits. The task sites are for the caller to publish once the commit is done. Errors: those
// of the reconciler and the ledger; nothing is committed then (dropping `write` rolls it back).
// Blocks on the commit.
Result<Settled> settle_and_commit(LedgerWrite& write, reconcile::Reconciler& reconciler, reconcile::Effects effects,
                                  std::int64_t now_ms, const CatchUpPolicy& policy = {});

// The hub's own writes: operator decisions, baseline imports, the settle timer.
//
// Not thread-safe: use it on the io_context thread that ingest and the HTTP handlers run on (it
// shares their database connection). `ledger`, `reconciler` (open on the ledger's database) and
// `tasks` must outlive it.
class HubWriter {
 public:
  // A change made inside the write transaction at hub time now_ms: it may store through `write`
  // and call the reconciler, and returns the reconciler's effects (empty ones when it made no
  // call that returns any). Returning an error rolls the whole transaction back.
  using Change = std::function<Result<reconcile::Effects>(LedgerWrite& write, std::int64_t now_ms)>;

  HubWriter(Ledger& ledger, reconcile::Reconciler& reconciler, TaskListPublisher& tasks,
            WallClock wall = system_wall_clock());

  // Runs `change` in a new write transaction, once the projections have applied every stored
  // event (so it sees them all), settles, records the effects, commits, and publishes the task
  // lists that changed. Errors: the change's, or those of the ledger and the
  // reconciler; nothing is stored then and nothing is published. Blocks on SQLite.
  Result<void> write(const Change& change);

  // Settles what is due now (counts whose settle delay has ended) in a write of its own, judging
  // for about `budget` (at least one count group): what is left stays due (next_due_ms() of the
  // reconciler), for the next call. The settle timer's writes would otherwise hold the thread
  // for as long as a backlog's counts take to judge.
  Result<void> settle(std::chrono::milliseconds budget);

  std::int64_t now_ms() const { return wall_(); }

  // Tells `observer` what each later commit of this writer changed. Replaces an earlier one.
  void on_commit(CommitObserver observer) { observer_ = std::move(observer); }
  // From now on every write judges only the counts due through `horizon`. Replaces an earlier one.
  void limit_judging(JudgeHorizon horizon) { horizon_ = std::move(horizon); }

 private:
  Result<void> write(const Change& change, CatchUpPolicy policy);

  Ledger& ledger_;
  reconcile::Reconciler& reconciler_;
  TaskListPublisher& tasks_;
  WallClock wall_;
  CommitObserver observer_;
  JudgeHorizon horizon_;
};

}  // namespace recount::hub
