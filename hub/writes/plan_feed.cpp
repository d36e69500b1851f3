// The timer that evaluates the count plans and hands the open planned counts to the task lists.
#include "hub/writes/plan_feed.hpp"

#include <iostream>
#include <utility>

namespace recount::hub {

Result<std::unique_ptr<PlanFeed>> PlanFeed::create(boost::asio::io_context& io, Ledger& ledger,
                                                   const reconcile::CatalogView& catalog,
                                                   reconcile::Reconciler& reconciler, TaskListPublisher& publisher,
                                                   WallClock wall, std::chrono::milliseconds interval) {
  auto positions = reconcile::PlanPositions::prepare(ledger.database(), catalog);
  if (!positions) return positions.error();
  return std::unique_ptr<PlanFeed>(
      new PlanFeed(io, ledger, std::move(*positions), reconciler, publisher, std::move(wall), interval));
}

void PlanFeed::start() {
  if (auto changed = evaluate(); !changed) {
    std::cerr << "recount-hub: count plans: " << changed.error().describe() << std::endl;
  }
  arm();
}

void PlanFeed::stop() {
  stopped_ = true;
  timer_.cancel();
}

void PlanFeed::arm() {
  if (stopped_) return;
  timer_.expires_after(interval_);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || stopped_) return;
    start();
  });
}

Result<std::size_t> PlanFeed::evaluate() {
  auto policy = reconciler_.policy();
  if (!policy) return policy.error();
  auto sites = positions_.sites();
  if (!sites) return sites.error();
  const std::int64_t now_ms = wall_();
  const bool first = !std::exchange(evaluated_, true);
  std::size_t changed = 0;
  for (const auto& site : *sites) {
    std::vector<protocol::RecountTask> planned;
    // Without plans nothing is read: most hubs have none, and a site's positions are many.
    if (!policy->plans.empty()) {
      auto positions = positions_.of_site(site);
      if (!positions) return positions.error();
      planned = reconcile::planned_tasks(reconcile::evaluate_plans(*policy, site, *positions, now_ms),
                                         reconcile::kMaxPlannedTasks);
    }
    bool send = planned != publisher_.planned(site);
    if (first && !send && !policy->plans.empty()) {
      auto list = reconciler_.task_list(site);
      if (!list) return list.error();
      send = list->version > 0;
    }
    if (!send) continue;
    auto write = ledger_.begin_write();
    if (!write) return write.error();
    if (auto ok = reconciler_.planned_counts_changed(site); !ok) return ok.error();
    if (auto ok = write->commit(); !ok) return ok.error();
    publisher_.set_planned(site, std::move(planned));
    ++changed;
  }
  return changed;
}

}  // namespace recount::hub
