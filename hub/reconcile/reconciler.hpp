// The reconciliation engine the hub's ingest and HTTP layers call: applies events to the
// event-time projections, judges counts against the ledger as of their time, runs the
// discrepancy lifecycle and the blind recount tasks, and takes operators' decisions
// (operations.hpp). The API's questions are answered by Queries (queries.hpp), not here.
//
// Transactions belong to the caller. Every mutating call must run inside a write transaction on
// the same Database (the ledger's LedgerWrite), and what it returns in Effects must be carried
// out in that same transaction: store each adjustment as a hub event and append each audit note,
// so the ledger, the projections and the audit chain commit together. Task lists change only
// when the transaction commits: publish them (retained) after the commit.
//
// Per stored event: apply(). Per batch, before the commit: settle(). Also settle() on a timer
// when the policy has a settle delay, so counts whose delay ends between batches are judged.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hub/ledger/event_store.hpp"
#include "hub/reconcile/catalog_view.hpp"
#include "hub/reconcile/discrepancy.hpp"
#include "hub/reconcile/discrepancy_store.hpp"
#include "hub/reconcile/effects.hpp"
#include "hub/reconcile/judgements.hpp"
#include "hub/reconcile/operations.hpp"
#include "hub/reconcile/policy.hpp"
#include "hub/reconcile/policy_store.hpp"
#include "hub/reconcile/projections.hpp"
#include "hub/reconcile/snapshots.hpp"
#include "hub/reconcile/tasks.hpp"
#include "hub/reconcile/what_if.hpp"
#include "shared/core/result.hpp"
#include "shared/domain/event.hpp"
#include "shared/protocol/messages.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub::reconcile {

// Not thread-safe: use it from one thread (the hub's io_context). Must not outlive `database`
// or `catalog`. Every call blocks on SQLite; errors are kIo unless stated.
class Reconciler final : public Operations, public PolicyPreview {
 public:
  // Migrates the reconciliation tables (migrate_reconcile(): call at startup, outside any
  // transaction) and prepares the statements. kUnsupportedVersion, kIo as for the migration.
  static Result<Reconciler> open(storage::Connection& database, const CatalogView& catalog);

  // Applies an event the ledger has just stored as new (Insertion::kNew), from `origin`. Counts,
  // closes and movements change the projections and mark the counts they touch to be judged at
  // received_ms + the settle delay; task_ack records receipt. A count naming a task the hub never
  // opened (a planned count's) is applied as an ordinary count of its session. Passing an event again is
  // harmless; passing a different event with a reused event_id is not (the ledger refuses those).
  Result<void> apply(const Origin& origin, const Event& event, std::int64_t received_ms);

  // How far catch_up() got.
  struct CatchUp {
    std::size_t applied = 0;
    bool complete = false;  // every stored event is applied
    // received_ms of the newest event applied (0: none): every event the hub had received by
    // then is applied, so counts due by then may be judged (settle's due_by_ms).
    std::int64_t received_through_ms = 0;
  };
  // Applies, in the order the ledger stored them, the events stored after the last one applied,
  // at most `limit`, and keeps how far it got (reconcile_meta 'applied_through') in the
  // caller's transaction. This is how stored events reach the projections: ingest may commit and
  // ack batches first and apply them in a later transaction, and a hub that stopped in between
  // applies them when it next catches up. Events applied already (an adjustment this reconciler
  // made and the ledger then stored) are applied again harmlessly.
  Result<CatchUp> catch_up(EventStore& events, std::size_t limit);
  // Whether the ledger holds events catch_up() has not applied yet. Two indexed reads.
  Result<bool> unapplied(EventStore& events);

  // Judges every count due by min(now_ms, due_by_ms) and runs the lifecycle at now_ms: opens
  // discrepancies, requests recounts, takes recounts, adjusts, and closes what late events
  // resolved. due_by_ms holds back counts that events received but not yet applied could change.
  // Once the steady clock passes judge_until it stops (after one count group or snapshot at
  // least): the rest stay due, next_due_ms() says so, and a later settle judges them, in the
  // same order. Judging costs round trips per group, and the caller's thread serves the API.
  Result<Effects> settle(
      std::int64_t now_ms, std::int64_t due_by_ms = std::numeric_limits<std::int64_t>::max(),
      std::chrono::steady_clock::time_point judge_until = std::chrono::steady_clock::time_point::max());
  // When settle() next has a count or a snapshot to judge (ms on the clock of received_ms),
  // nullopt when none waits: for the timer that settles between batches. Two indexed reads.
  Result<std::optional<std::int64_t>> next_due_ms();

  // Operations (operations.hpp). A connected system's discrepancy (docs/channels.md) takes
  // correct-system (the system is told the ledger's quantity through Effects::corrections and
  // the discrepancy awaits the system's next report; kConflict for a read-only system such as FBA,
  // and for a warehouse discrepancy), approve or write-off (the ledger takes the system's figure
  // as of its report, at the report's location or, for a whole-site report, the position that
  // held most of the SKU then; kConflict when the site has none), or reject. Every adjustment,
  // a warehouse one too, tells the site's other adjustable systems the ledger's new quantity.
  Result<Effects> resolve(std::int64_t discrepancy_id, OperatorAction action, ReasonCode reason,
                          const std::string& operator_login, std::int64_t now_ms) override;
  Result<Effects> set_policy(const Policy& policy, const std::string& actor, std::int64_t now_ms) override;
  Result<Reevaluation> reevaluate_all(std::int64_t now_ms) override;
  Result<Reevaluation> verify_projections(std::int64_t now_ms) override;

  // PolicyPreview (what_if.hpp): judges each count under the policy in force and under
  // `candidate` as reevaluate_all() would, and follows each to its outcome; writes nothing.
  Result<WhatIf> what_if(const Policy& candidate, const WhatIfQuery& query) override;

  // The policy in force (the built-in default until one is set). kCorrupt when the stored
  // document no longer parses.
  Result<Policy> policy();

  // For publishing task lists (hub/writes/task_publisher.hpp): the site's list as published,
  // and the sites whose open tasks no device has acknowledged yet.
  Result<protocol::TaskList> task_list(const std::string& site);
  Result<std::vector<std::string>> sites_awaiting_task_ack();
  // Every site's task list version (TaskStore::list_versions()): what another hub's writes
  // changed, for the hub that publishes (hub/cluster/membership.hpp).
  Result<std::vector<ListVersion>> task_list_versions();
  // Moves the site's list version on, in the caller's transaction: its planned counts changed
  // (hub/writes/plan_feed.hpp), so devices must take the list that carries them.
  Result<void> planned_counts_changed(const std::string& site);
  // Moves the site's list version up to `at_least`, in the caller's transaction
  // (TaskStore::raise).
  Result<void> raise_task_list_version(const std::string& site, std::int64_t at_least);

 private:
  enum class Sql;
  struct Context;  // one settle's or action's running state (reconciler.cpp)

  // What the catalog says about a position, for judging its counts.
  struct Facts {
    std::optional<ItemFacts> item;
    std::string location_class;

    Subject subject(const PositionKey& position) const;
    std::int64_t unit_cost() const { return item ? item->unit_cost_cents : 0; }
  };

  Reconciler(const CatalogView& catalog, Projections projections, Judgements judgements, SnapshotStore snapshots,
             DiscrepancyStore discrepancies, TaskStore tasks, PolicyStore policies,
             storage::StatementSet<Sql> statements)
      : catalog_(&catalog),
        projections_(std::move(projections)),
        judgements_(std::move(judgements)),
        snapshots_(std::move(snapshots)),
        discrepancies_(std::move(discrepancies)),
        tasks_(std::move(tasks)),
        policies_(std::move(policies)),
        statements_(std::move(statements)) {}

  // The policy in force, re-read when the stored version moved (or rolled back).
  Result<const Policy*> current_policy();
  // Settles due groups until none is left (settling can make more due).
  Result<void> settle_due(Context& context);
  // Judges one group and takes the lifecycle step its role and verdict call for.
  Result<void> settle_group(Context& context, const DueGroup& due);
  // Decides, on a group's first settling, whether it answers an open recount task; a recount is
  // linked to the task's discrepancy (in `group` too) and the task is done.
  Result<GroupRole> decide_role(Context& context, CountGroup& group);
  // An ordinary count: may open a discrepancy (the position's newest count, none active), or
  // update or close the one it drives.
  Result<void> on_count(Context& context, const CountGroup& group, const Judgement& judgement, const Cause& cause);
  // A recount: decides its discrepancy's next step the first time, then behaves as the driver.
  Result<void> on_recount(Context& context, const CountGroup& group, const Judgement& judgement, const Cause& cause);
  // The count that drives a discrepancy was judged again: follow its figures, or close the
  // discrepancy when it is now acceptable.
  Result<void> drive(Context& context, const Discrepancy& discrepancy, const CountGroup& group,
                     const Judgement& judgement, const Cause& cause);
  Result<void> open_discrepancy(Context& context, const CountGroup& group, const Judgement& judgement,
                                const Cause& cause);
  Result<void> request_recount(Context& context, const Discrepancy& discrepancy, std::uint32_t round,
                               const std::string& exclude_user, const std::string& hint);
  Result<void> adjust(Context& context, const Discrepancy& discrepancy, const CountGroup& group, ReasonCode reason,
                      const Actor& actor, Resolution resolution);
  // Adjusts `position` by `qty` as of `hlc` to resolve `discrepancy`, closes it with
  // `resolution`, and tells the site's adjustable systems other than the discrepancy's own.
  Result<void> adjust_position(Context& context, const Discrepancy& discrepancy, const PositionKey& position,
                               HlcStamp hlc, std::int64_t qty, ReasonCode reason, const Actor& actor,
                               Resolution resolution);
  // Judges a snapshot against the ledger as of its time, and opens, follows or closes its
  // subject's discrepancy.
  Result<void> settle_snapshot(Context& context, const DueSnapshot& due);
  // correct-system, approve or write-off of a connected system's discrepancy.
  Result<void> resolve_system(Context& context, const Discrepancy& discrepancy, OperatorAction action,
                              ReasonCode reason, const Actor& actor);
  // Puts in the effects a correction for each adjustable system other than `except` that
  // reported `sku` at `site`: the ledger's quantity now at the location it reported.
  Result<void> tell_systems(Context& context, const std::string& site, const std::string& sku,
                            const std::string& except, std::int64_t discrepancy_id, Resolution resolution);
  // One transition, audited; closing also cancels the discrepancy's open tasks.
  Result<void> step(Context& context, const Discrepancy& discrepancy, DiscrepancyState to, Resolution resolution,
                    const Actor& actor, const std::string& cause, const std::string& cause_event_id);
  // Marks the groups to be judged again (cause: re-evaluation), settles, and reports.
  Result<Reevaluation> settle_marked(const std::vector<std::int64_t>& group_ids, Reevaluation result,
                                     std::int64_t now_ms);
  Facts facts_of(const PositionKey& position) const;
  Judgement judge_group(const Policy& policy, const CountGroup& group, bool ambiguous) const;
  // Judges a group under `policy` from its maintained expected quantity, probing the movements
  // again only when it was judged under another ambiguity window. The judgement, and whether
  // the group is ambiguous under `policy`.
  Result<std::pair<Judgement, bool>> rejudge(const Policy& policy, const CountGroup& group);
  // The group as it was counted: a count the hub's adjustment corrected (the adjustment takes
  // effect as of the count, which then agrees with the ledger) with the ledger before that
  // adjustment, so a what-if sees the variance the count found.
  Result<CountGroup> before_correction(const CountGroup& group);
  // Two blind counts agree when the later one is within tolerance of the earlier.
  bool agrees(const Policy& policy, const CountGroup& recount, std::int64_t previous_counted) const;

  const CatalogView* catalog_;
  Projections projections_;
  Judgements judgements_;
  SnapshotStore snapshots_;
  DiscrepancyStore discrepancies_;
  TaskStore tasks_;
  PolicyStore policies_;
  storage::StatementSet<Sql> statements_;
  // catch_up()'s slice of stored events, kept with its room from slice to slice and call to call
  // (about 0.6 MB for 1,000 events, their longer strings apart).
  std::vector<StoredEvent> slice_;
  // The stored policy as last read, and its version (0: the built-in default). Checked against
  // the database on every call, so a rolled-back set_policy() never lingers here.
  Policy policy_;
  std::int64_t policy_version_ = 0;
};

}  // namespace recount::hub::reconcile
