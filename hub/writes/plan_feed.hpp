// Brings the sites' open planned counts to their devices (docs/investigation.md, "Count plans"):
// evaluates the count plans of every site on a timer and hands each site's open planned counts
// to the task lists' publisher when they differ from those its list carries.
//
// Evaluating a site reads all its positions (about 2 s for 100,000 positions in a Debug build,
// docs/investigation.md "Cost"), too much to repeat after every commit that counts, so the timer
// alone decides when a count that satisfied a planned count takes it off the list.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/ledger/ledger.hpp"
#include "hub/reconcile/catalog_view.hpp"
#include "hub/reconcile/count_plan.hpp"
#include "hub/reconcile/reconciler.hpp"
#include "hub/writes/task_publisher.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"

namespace recount::hub {

// Runs on `io`, which must have one thread, the one that runs the hub's writes. Not thread-safe.
// `ledger`, `catalog`, `reconciler` and `publisher` must outlive it, and it must outlive the
// handlers it posted: call stop() and destroy it after the io_context has stopped running.
class PlanFeed {
 public:
  // kIo when the statements cannot be prepared.
  static Result<std::unique_ptr<PlanFeed>> create(boost::asio::io_context& io, Ledger& ledger,
                                                  const reconcile::CatalogView& catalog,
                                                  reconcile::Reconciler& reconciler, TaskListPublisher& publisher,
                                                  WallClock wall, std::chrono::milliseconds interval);
  PlanFeed(const PlanFeed&) = delete;
  PlanFeed& operator=(const PlanFeed&) = delete;

  // Evaluates every site now and then every `interval` until stop(); failures are logged and
  // tried again at the next tick.
  void start();
  void stop();

  // Evaluates the plans in force over every site as of `wall`'s now. A site whose open planned
  // counts (reconcile::planned_tasks(), at most reconcile::kMaxPlannedTasks) differ from those its
  // list carries gets its list's version moved on in a transaction of its own and the list sent.
  // While the policy has plans, the first evaluation also sends the list of every site that has
  // had one (version > 0): a list retained from before the hub started may carry planned counts
  // that are no longer open. (A policy whose plans were all removed while the hub was down leaves
  // such a list until the site's recount tasks next change.)
  // Returns how many sites' lists changed. Errors: kIo, kCorrupt (the policy), from SQLite; the
  // sites before the failing one keep their changes. Blocks.
  Result<std::size_t> evaluate();

 private:
  PlanFeed(boost::asio::io_context& io, Ledger& ledger, reconcile::PlanPositions positions,
           reconcile::Reconciler& reconciler, TaskListPublisher& publisher, WallClock wall,
           std::chrono::milliseconds interval)
      : ledger_(ledger),
        positions_(std::move(positions)),
        reconciler_(reconciler),
        publisher_(publisher),
        wall_(std::move(wall)),
        interval_(interval),
        timer_(io) {}
  void arm();

  Ledger& ledger_;
  reconcile::PlanPositions positions_;
  reconcile::Reconciler& reconciler_;
  TaskListPublisher& publisher_;
  WallClock wall_;
  std::chrono::milliseconds interval_;
  boost::asio::steady_timer timer_;
  bool evaluated_ = false;  // once: the first evaluation sends every list
  bool stopped_ = false;
};

}  // namespace recount::hub
