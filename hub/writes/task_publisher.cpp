// Task list publication, paced per site.
#include "hub/writes/task_publisher.hpp"

#include <algorithm>
#include <iostream>
#include <utility>

#include "shared/domain/limits.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/signed_payload.hpp"
#include "shared/protocol/topics.hpp"

namespace recount::hub {

TaskListPublisher::TaskListPublisher(boost::asio::io_context& io, mqtt::Link& link, reconcile::Reconciler& reconciler,
                                     const crypto::SigningKey& signing_key, TaskListOptions options)
    : io_(io),
      link_(link),
      reconciler_(reconciler),
      signing_key_(signing_key),
      options_(options),
      republish_timer_(io) {}

void TaskListPublisher::changed(const std::string& site) {
  if (!publishing_) return;
  Site& state = sites_[site];
  if (state.held) return;  // the held list is read when it goes, so it will carry this change
  if (stopped_ || std::chrono::steady_clock::now() >= state.next_due) {
    send(site, state);
    return;
  }
  state.held = std::make_unique<boost::asio::steady_timer>(io_, state.next_due);
  state.held->async_wait([this, site](const boost::system::error_code& error) {
    if (error) return;  // stop() sent it
    Site& waiting = sites_[site];
    waiting.held.reset();
    send(site, waiting);
  });
}

void TaskListPublisher::set_planned(const std::string& site, std::vector<protocol::RecountTask> planned) {
  planned_[site] = std::move(planned);
  changed(site);
}

const std::vector<protocol::RecountTask>& TaskListPublisher::planned(const std::string& site) const {
  static const std::vector<protocol::RecountTask> kNone;
  const auto found = planned_.find(site);
  return found == planned_.end() ? kNone : found->second;
}

void TaskListPublisher::send(const std::string& site, Site& state) {
  const auto now = std::chrono::steady_clock::now();
  state.next_due = now + options_.min_interval;
  auto tasks = reconciler_.task_list(site);
  if (!tasks) {
    std::cerr << "recount-hub: tasks of " << site << ": " << tasks.error().describe() << std::endl;
    return;
  }
  followed_[site] = static_cast<std::int64_t>(tasks->version);  // follow_versions() need not send it again
  // Recounts first: a variance waits on them. Planned counts fill what room the list has left.
  for (const auto& task : planned(site)) {
    if (tasks->tasks.size() >= limits::kMaxTasksPerList) break;
    tasks->tasks.push_back(task);
  }
  std::string payload = protocol::sign_payload(protocol::encode(*tasks), signing_key_);
  if (options_.bytes_per_second > 0) {
    const auto cost = std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(
        static_cast<double>(payload.size()) / static_cast<double>(options_.bytes_per_second)));
    state.next_due = std::max(state.next_due, now + cost);
  }
  if (on_sending_) on_sending_(site, static_cast<std::int64_t>(tasks->version));
  link_.publish(mqtt::Message{protocol::tasks_topic(site), std::move(payload), true}, mqtt::Qos::kAtLeastOnce,
                [this, site](const Result<void>& sent) {
                  if (sent) {
                    unsent_.erase(site);
                  } else {
                    unsent_.insert(site);
                  }
                });
}

void TaskListPublisher::follow_versions() {
  auto versions = reconciler_.task_list_versions();
  if (!versions) {
    follow_failures_.failed(versions.error().describe());
    return;
  }
  follow_failures_.worked();
  for (const auto& [site, version] : *versions) {
    std::int64_t& followed = followed_[site];
    if (followed == version) continue;
    followed = version;
    changed(site);
  }
}

void TaskListPublisher::republish() {
  if (stopped_ || !publishing_) return;
  const std::set<std::string> unsent = std::exchange(unsent_, {});
  for (const auto& site : unsent) changed(site);
  auto sites = reconciler_.sites_awaiting_task_ack();
  if (!sites) {
    std::cerr << "recount-hub: tasks awaiting acknowledgement: " << sites.error().describe() << std::endl;
  } else {
    for (const auto& site : *sites) changed(site);
  }
  arm_republish();
}

void TaskListPublisher::arm_republish() {
  republish_timer_.expires_after(options_.republish_interval);
  republish_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error && link_.connected()) republish();
  });
}

void TaskListPublisher::stop() {
  stopped_ = true;
  republish_timer_.cancel();
  for (auto& [site, state] : sites_) {
    if (!state.held) continue;
    state.held->cancel();
    state.held.reset();
    send(site, state);
  }
}

}  // namespace recount::hub
