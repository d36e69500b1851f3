// Sends the sites' task lists to the floor: retained, QoS 1, on recount/v1/{site}/tasks
// (docs/protocol.md §9), signed with the hub's key (devices apply only what the hub signed). A
// list carries the site's open recount tasks and after them its open planned counts, which the
// plan feed (hub/writes/plan_feed.hpp) hands over whenever they change.
//
// A list carries every open task of its site (up to limits::kMaxTasksPerList) and every device of
// the site stores all of it again, so publishing after each commit that changed it made the
// floor's cost grow with commits × devices × list size: under a busy ingest that fan-out, not the
// hub's own work, was the bottleneck (docs/performance.md). Lists are therefore paced by what
// they cost: after a list of B bytes the site's next one waits `min_interval` or B /
// `bytes_per_second`, whichever is longer. A changed list goes out at once when that wait has
// passed, and otherwise once it ends, read afresh then, so one list answers every change in
// between. A quiet floor's short lists so reach devices without delay (a variance's recount task
// is the latency operators see), while long lists changing on every commit are coalesced.
//
// It also sends again, on every (re)connection, the lists it could not send (the link was down),
// and, then and every `republish_interval`, the lists of sites with tasks no device has
// acknowledged: a list committed while the broker was away or just before the hub stopped, or one
// the broker lost, still reaches the floor (a device ignores a version it already holds).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/reconcile/reconciler.hpp"
#include "shared/core/repeated_failure.hpp"
#include "shared/crypto/ed25519.hpp"
#include "shared/mqtt/link.hpp"

namespace recount::hub {

struct TaskListOptions {
  // The defaults send a short list (a few tasks, ~1 KB) at most every 10 ms and a full one
  // (~20 KB at ~133 bytes a task) at most every ~80 ms, about the 100 ms all lists once waited.
  std::chrono::milliseconds min_interval{10};
  std::size_t bytes_per_second = std::size_t{256} * 1024;  // 0: min_interval alone
  std::chrono::milliseconds republish_interval{30'000};
};

// Runs on `io`, which must be the link's and have one thread. Not thread-safe. `link`,
// `reconciler` and `signing_key` must outlive it, and it must outlive every handler it posted: call stop() and
// destroy it after the io_context has stopped running.
class TaskListPublisher {
 public:
  TaskListPublisher(boost::asio::io_context& io, mqtt::Link& link, reconcile::Reconciler& reconciler,
                    const crypto::SigningKey& signing_key, TaskListOptions options = {});
  TaskListPublisher(const TaskListPublisher&) = delete;
  TaskListPublisher& operator=(const TaskListPublisher&) = delete;

  // The site's task list changed in a commit that has returned.
  void changed(const std::string& site);

  // From now on the site's list carries `planned` (planned counts, most overdue first) after its
  // recount tasks, as many as fit in limits::kMaxTasksPerList; sends it as changed() does. The
  // caller has moved the list's version on (Reconciler::planned_counts_changed()).
  void set_planned(const std::string& site, std::vector<protocol::RecountTask> planned);
  // The planned counts the site's list carries; empty for a site never given any.
  const std::vector<protocol::RecountTask>& planned(const std::string& site) const;

  // Sends the lists that failed to go out and those of sites with unacknowledged tasks now, and
  // the latter every republish_interval until stop(). Call on every connection to the broker.
  void republish();

  // Whether this hub sends task lists at all (it does unless told otherwise). Of several hubs on
  // one ledger only the owner of reconciliation does (hub/cluster/membership.hpp), so two never
  // race a site's retained list; while false, changed() and republish() send nothing. The owner
  // calls republish() once it publishes.
  void set_publishing(bool publishing) { publishing_ = publishing; }

  // Sends the list of each site whose version differs from the one this publisher last sent or
  // read (every site's, the first time): how the owner sends what other hubs' writes changed (an operator's decision
  // taken on another hub). One read of the versions; errors go to stderr.
  void follow_versions();

  // Runs before each list is published, with its site and version: the hub records what devices
  // may hold where a ledger that goes back in time cannot lose it (hub/writes/published_versions.hpp).
  void on_sending(std::function<void(const std::string& site, std::int64_t version)> hook) {
    on_sending_ = std::move(hook);
  }

  // Sends the lists still held back by their pacing at once and cancels the timers; changes
  // after this are sent at once. Part of an orderly shutdown, before the link stops.
  void stop();

 private:
  struct Site {
    std::chrono::steady_clock::time_point next_due{};  // when the last list's cost is paid
    std::unique_ptr<boost::asio::steady_timer> held;   // armed while a changed list waits
  };

  void send(const std::string& site, Site& state);
  void arm_republish();

  boost::asio::io_context& io_;
  mqtt::Link& link_;
  reconcile::Reconciler& reconciler_;
  const crypto::SigningKey& signing_key_;
  TaskListOptions options_;
  std::map<std::string, Site> sites_;
  std::map<std::string, std::vector<protocol::RecountTask>> planned_;
  std::set<std::string> unsent_;                  // sites whose last list the link refused
  std::map<std::string, std::int64_t> followed_;  // by site, the list version last sent or read
  std::function<void(const std::string&, std::int64_t)> on_sending_;
  // Fails on every poll while the database is away: said once, then once a minute.
  RepeatedFailure follow_failures_{"recount-hub: task list versions"};
  bool publishing_ = true;
  boost::asio::steady_timer republish_timer_;
  bool stopped_ = false;
};

}  // namespace recount::hub
