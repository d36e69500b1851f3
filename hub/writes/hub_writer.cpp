// The shared write path: settle, record, commit, publish.
#include "hub/writes/hub_writer.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

#include "hub/channels/system_corrections.hpp"

namespace recount::hub {

Result<void> record_effects(LedgerWrite& write, reconcile::Effects& effects, std::int64_t now_ms) {
  for (const auto& adjustment : effects.adjustments) {
    if (auto stored = write.record_hub_event(adjustment.site, adjustment.event, now_ms); !stored) {
      return stored.error();
    }
  }
  if (auto ok = channels::enqueue_corrections(write, effects.corrections, now_ms); !ok) return ok;
  for (auto& note : effects.audit) {
    if (auto ok = write.audit(std::move(note.kind), std::move(note.subject), std::move(note.detail)); !ok) return ok;
  }
  return {};
}

Result<Settled> settle_and_commit(LedgerWrite& write, reconcile::Reconciler& reconciler, reconcile::Effects effects,
                                  std::int64_t now_ms, const CatchUpPolicy& policy) {
  if (auto ok = record_effects(write, effects, now_ms); !ok) return ok.error();
  auto caught = reconciler.catch_up(write.events(), policy.limit);
  if (!caught) return caught.error();
  Settled result;
  result.caught_up = caught->complete;
  result.applied = caught->applied;
  reconcile::Effects settled;
  if (caught->complete || policy.judge_if_behind) {
    std::int64_t due_by = caught->complete ? now_ms : caught->received_through_ms;
    if (policy.horizon) {
      auto through = policy.horizon(now_ms);
      if (!through) return through.error();
      due_by = std::min(due_by, *through);
    }
    auto judged = reconciler.settle(now_ms, due_by, policy.judge_until);
    if (!judged) return judged.error();
    settled = std::move(*judged);
    result.judged = true;
  }
  if (auto ok = record_effects(write, settled, now_ms); !ok) return ok.error();
  // The adjustments just stored were applied when they were made; taking them again moves the
  // mark past them, so a hub that had caught up stays caught up.
  if (caught->complete && !settled.adjustments.empty()) {
    if (auto again = reconciler.catch_up(write.events(), settled.adjustments.size()); !again) return again.error();
  }
  if (auto ok = write.commit(); !ok) return ok.error();
  result.discrepancies = std::move(effects.discrepancies);
  result.discrepancies.insert(result.discrepancies.end(), settled.discrepancies.begin(), settled.discrepancies.end());
  // Both lists are sorted without repeats; their union is too.
  std::set_union(effects.task_sites.begin(), effects.task_sites.end(), settled.task_sites.begin(),
                 settled.task_sites.end(), std::back_inserter(result.task_sites));
  return result;
}

HubWriter::HubWriter(Ledger& ledger, reconcile::Reconciler& reconciler, TaskListPublisher& tasks, WallClock wall)
    : ledger_(ledger), reconciler_(reconciler), tasks_(tasks), wall_(std::move(wall)) {}

Result<void> HubWriter::write(const Change& change) { return write(change, {}); }

Result<void> HubWriter::write(const Change& change, CatchUpPolicy policy) {
  auto write = ledger_.begin_write();
  if (!write) return write.error();
  const std::int64_t now_ms = wall_();
  if (auto caught = reconciler_.catch_up(write->events(), std::numeric_limits<std::size_t>::max()); !caught) {
    return caught.error();
  }
  policy.horizon = horizon_;
  auto effects = change(*write, now_ms);
  if (!effects) return effects.error();
  auto settled = settle_and_commit(*write, reconciler_, std::move(*effects), now_ms, policy);
  if (!settled) return settled.error();
  for (const auto& site : settled->task_sites) tasks_.changed(site);
  if (observer_ && (!settled->discrepancies.empty() || !settled->task_sites.empty())) {
    observer_(CommitChanges{std::move(settled->discrepancies), std::move(settled->task_sites), {}});
  }
  return {};
}

Result<void> HubWriter::settle(std::chrono::milliseconds budget) {
  CatchUpPolicy policy;
  policy.judge_until = std::chrono::steady_clock::now() + budget;
  return write([](LedgerWrite&, std::int64_t) -> Result<reconcile::Effects> { return reconcile::Effects{}; }, policy);
}

}  // namespace recount::hub
