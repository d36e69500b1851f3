// Ingest: from MQTT messages to ledger transactions, and from commits to acks.
#include "hub/ingest/ingest.hpp"

#include <algorithm>
#include <iostream>
#include <limits>
#include <optional>
#include <utility>

#include <boost/asio/post.hpp>

#include "hub/writes/hub_writer.hpp"
#include "shared/core/memory.hpp"
#include "shared/domain/limits.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/json_document.hpp"

namespace recount::hub {
namespace {

using protocol::DeviceChannel;

// The broker's ACLs bind a device's credentials to its topics, so the topic is what the hub
// believes; a payload naming another site or device is refused whole (DESIGN §9).
Result<void> same_name(std::string_view field, const std::string& named, const std::string& in_topic) {
  if (named == in_topic) return {};
  return invalid(std::string(field), "names '" + named + "' but the topic is for '" + in_topic + "'");
}

// The text of each rejected event, cut out of a payload whose envelope the codec accepted, so a
// dead letter shows exactly what the device sent. The payload is parsed again, iteratively (never
// by a recursive parser or printer: a rejected event may nest as deep as the codec allows), only
// when something was rejected.
std::vector<std::string> rejected_event_texts(std::string_view payload, const protocol::DecodedBatch& decoded) {
  std::vector<std::string> texts(decoded.rejected.size());
  const auto document = protocol::JsonDocument::parse(payload, limits::kMaxJsonDepth);
  const auto events = document ? document->root().find("events") : std::nullopt;
  if (!events || !events->is_array()) return texts;
  std::vector<std::string_view> elements;
  elements.reserve(events->size());
  events->for_each_element([&](protocol::JsonValue element) {
    elements.push_back(element.source());
    return true;
  });
  for (std::size_t i = 0; i < decoded.rejected.size(); ++i) {
    const auto index = decoded.rejected[i].seq - decoded.first_seq;
    if (index < elements.size()) texts[i] = std::string(elements[index]);
  }
  return texts;
}

// The newest stamp of the batch's events whose clocks are within bounds: a stamp the hub does
// not order by must not move its own clock either.
HlcStamp newest_trusted_hlc(const IncomingBatch& batch) {
  HlcStamp newest;
  for (std::size_t i = 0; i < batch.events.size(); ++i) {
    const Event& event = batch.events[i];
    if (!batch.clock.reconcile_stamp(event, batch.received_ms, i)) newest = std::max(newest, event.hlc);
  }
  return newest;
}

}  // namespace

Ingest::Ingest(boost::asio::io_context& io, mqtt::Link& link, Ledger& ledger, reconcile::Reconciler& reconciler,
               TaskListPublisher& tasks, HybridLogicalClock& clock, WallClock wall, IngestOptions options)
    : io_(io),
      link_(link),
      ledger_(ledger),
      reconciler_(reconciler),
      tasks_(tasks),
      clock_(clock),
      wall_(std::move(wall)),
      options_(std::move(options)),
      chunk_events_(chunk_floor()) {}

void Ingest::start() {
  std::vector<std::string> filters;
  for (const std::string_view filter :
       {protocol::kAllEventsFilter, protocol::kAllHellosFilter, protocol::kAllStatusFilter}) {
    filters.push_back(options_.shared_group.empty() ? std::string(filter)
                                                    : "$share/" + options_.shared_group + "/" + std::string(filter));
  }
  link_.subscribe(filters, mqtt::Qos::kAtLeastOnce);
  post_drain();
}

void Ingest::set_reconciling(bool reconciling) {
  reconciling_ = reconciling;
  if (!reconciling_) return;
  if (!behind_) behind_since_ms_ = wall_();
  behind_ = true;
  post_drain();
}

void Ingest::follow() {
  if (!reconciling_ || behind_ || stopped_) return;
  auto pending = reconciler_.unapplied(ledger_.events());
  if (!pending) {
    follow_failures_.failed(pending.error().describe());
    return;
  }
  follow_failures_.worked();
  if (!*pending) return;
  behind_since_ms_ = wall_();
  behind_ = true;
  post_drain();
}

Result<std::int64_t> Ingest::judge_through(std::int64_t now_ms) { return judge_through(oldest_queued(), now_ms); }

std::optional<std::int64_t> Ingest::oldest_queued() const {
  return queue_.empty() ? std::nullopt : std::optional(queue_.front().received_ms);
}

Result<std::int64_t> Ingest::judge_through(std::optional<std::int64_t> oldest_waiting_ms, std::int64_t now_ms) {
  if (watermarks_ != nullptr) {
    auto others = watermarks_->others_oldest_waiting(now_ms);
    if (!others) return others.error();
    if (*others && (!oldest_waiting_ms || **others < *oldest_waiting_ms)) oldest_waiting_ms = *others;
  }
  return oldest_waiting_ms ? *oldest_waiting_ms - 1 : std::numeric_limits<std::int64_t>::max();
}

void Ingest::stop() {
  stopped_ = true;
  while (!queue_.empty()) commit(take_group());
}

void Ingest::halt() {
  stopped_ = true;
  queue_.clear();
  queued_bytes_ = 0;
  counters_.queued = 0;
  counters_.queued_bytes = 0;
}

void Ingest::deliver(mqtt::Message message) {
  if (stopped_) return;
  ++counters_.messages;
  queued_bytes_ += message.payload.size();
  queue_.push_back(Received{std::move(message), wall_()});
  counters_.queued = queue_.size();
  counters_.queued_bytes = queued_bytes_;
  if (!paused_ && (queue_.size() >= options_.max_queued_messages || queued_bytes_ >= options_.max_queued_bytes)) {
    paused_ = true;
    ++counters_.backpressure;
    link_.set_delivery(mqtt::Delivery::kPaused);
  }
  // Messages that arrive while a commit runs wait in the queue and share the next commit.
  post_drain();
}

void Ingest::post_drain() {
  if (drain_posted_ || stopped_) return;
  drain_posted_ = true;
  boost::asio::post(io_, [this] { drain(); });
}

// One commit per handler, so HTTP requests and Paho's hand-offs interleave with a long backlog.
// With the queue empty, a commit only catches the projections up.
void Ingest::drain() {
  drain_posted_ = false;
  const bool catching_up = behind_ && reconciling_;
  if (queue_.empty() && !catching_up) return;
  const bool committed = commit(take_group());
  // glibc keeps freed heap pages resident (shared/core/memory.hpp): the payloads and the work of
  // the commits done. Given back during a long backlog too, not only at its end, so that they do
  // not add up to the hub's peak (issue 16); at most once a second, so that neither a backlog nor
  // a trickle of single messages pays for it on every commit.
  const std::int64_t now_ms = wall_();
  if (now_ms - released_ms_ >= 1'000) {
    released_ms_ = now_ms;
    release_free_memory();
  }
  // After a failure, only new messages try again: a failing database is not retried in a loop.
  if (!queue_.empty() || (behind_ && reconciling_ && committed)) post_drain();
}

bool Ingest::may_defer(std::size_t messages, std::uint64_t storing, std::int64_t now_ms) const {
  // Storing nothing, a commit has nothing to leave behind and may as well catch up. One message
  // and nothing waiting: a quiet hub, which applies what it stores at once.
  if (storing == 0 || (messages <= 1 && queue_.empty())) return false;
  if (counters_.unreconciled + storing > options_.max_unreconciled_events) return false;
  return !behind_ || now_ms - behind_since_ms_ < options_.max_unreconciled_ms;
}

std::vector<Ingest::Received> Ingest::take_group() {
  std::vector<Received> group;
  std::size_t bytes = 0;
  while (!queue_.empty() && group.size() < group_messages_ &&
         (group.empty() || bytes + queue_.front().message.payload.size() <= options_.max_bytes_per_commit)) {
    bytes += queue_.front().message.payload.size();
    group.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  queued_bytes_ -= bytes;
  counters_.queued = queue_.size();
  counters_.queued_bytes = queued_bytes_;
  if (paused_ && queue_.size() <= options_.max_queued_messages / 2 && queued_bytes_ <= options_.max_queued_bytes / 2) {
    paused_ = false;
    link_.set_delivery(mqtt::Delivery::kFlowing);
  }
  return group;
}

void Ingest::put_back(std::vector<Received>& received, std::size_t from) {
  for (std::size_t i = received.size(); i > from; --i) {
    queued_bytes_ += received[i - 1].message.payload.size();
    queue_.push_front(std::move(received[i - 1]));
  }
  received.resize(std::min(from, received.size()));
  counters_.queued = queue_.size();
  counters_.queued_bytes = queued_bytes_;
}

bool Ingest::commit(std::vector<Received> received) {
  std::optional<std::size_t> culprit;
  const auto started = std::chrono::steady_clock::now();
  auto group = apply_and_commit(received, culprit);
  if (group && !received.empty()) {
    group_messages_ =
        fitting(group->handled, std::chrono::steady_clock::now() - started, 1, options_.max_messages_per_commit);
    put_back(received, group->handled);
  }
  if (!group) {
    ++counters_.failed_commits;
    storage_full_ = group.error().code == ErrorCode::kStorageFull;
    const std::string what =
        received.empty() ? "the projections' catch-up" : std::to_string(received.size()) + " message(s)";
    commit_failures_.failed(what + " not committed: " + group.error().describe());
    // A message the database refuses must not hold back the others: they are committed without
    // it, and it stays unanswered (its agent resends it). When beginning or committing failed,
    // or the disk is full, the database is at fault, not a message, and retrying now would only
    // fail again.
    if (culprit && received.size() > 1 && !storage_full_) {
      received.erase(received.begin() + static_cast<std::ptrdiff_t>(*culprit));
      return commit(std::move(received));
    }
    return false;
  }
  ++counters_.commits;
  commit_failures_.worked();
  storage_full_ = false;
  counters_.batches += group->batches;
  counters_.rejected_payloads += group->rejected_payloads;
  counters_.conflicts += group->conflicts;
  counters_.clock_flagged += group->clock_flagged;
  counters_.dead_letter_overflow += group->dead_letter_overflow;
  if (group->deferred) ++counters_.deferred_commits;
  if (group->judged) judged_ms_ = wall_();
  if (group->caught_up) {
    behind_ = false;
    counters_.unreconciled = 0;
  } else {
    if (!behind_) behind_since_ms_ = wall_();
    behind_ = true;
    // `applied` may include adjustments the reconciler made, and applied, before they were stored.
    const std::uint64_t pending = counters_.unreconciled + group->stored;
    counters_.unreconciled = pending - std::min(pending, group->applied);
  }
  for (auto& reply : group->replies) send(std::move(reply));
  for (auto& topic : group->cleared_topics) clear_retained(std::move(topic));
  for (const auto& site : group->task_sites) tasks_.changed(site);
  if (unknown_ != nullptr) unknown_->announce(group->unknown_changed);
  if (observer_ && (!group->discrepancies.empty() || !group->task_sites.empty() || !group->devices.empty())) {
    std::sort(group->devices.begin(), group->devices.end());
    group->devices.erase(std::unique(group->devices.begin(), group->devices.end()), group->devices.end());
    observer_(CommitChanges{std::move(group->discrepancies), std::move(group->task_sites), std::move(group->devices)});
  }
  return true;
}

Result<Ingest::Group> Ingest::apply_and_commit(const std::vector<Received>& received,
                                               std::optional<std::size_t>& culprit) {
  auto write = ledger_.begin_write();
  if (!write) return write.error();
  Group group;
  // The messages' cost varies too much to foresee from the last commits (a restart's resends are
  // duplicates, each a read of the stored event): past commit_time the rest wait for the next.
  const auto handle_until = std::chrono::steady_clock::now() + options_.commit_time;
  for (std::size_t i = 0; i < received.size(); ++i) {
    if (i > 0 && std::chrono::steady_clock::now() >= handle_until) break;
    if (auto ok = handle(received[i], *write, group); !ok) {
      culprit = i;
      return ok.error();
    }
    group.handled = i + 1;
  }
  const std::int64_t now_ms = wall_();
  // What is left of the group was taken from the queue's front: older than what waits there.
  const std::optional<std::int64_t> oldest_waiting =
      group.handled < received.size() ? std::optional(received[group.handled].received_ms) : oldest_queued();
  if (watermarks_ != nullptr) {
    if (auto ok = watermarks_->record(oldest_waiting, now_ms); !ok) return ok.error();
  }
  if (!reconciling_ || may_defer(received.size(), group.stored, now_ms)) {
    if (auto ok = write->commit(); !ok) return ok.error();
    group.deferred = true;
    return group;
  }
  // What this commit stores, after at most a chunk of what earlier ones left (the backlog comes
  // first: the projections apply in the order of storage).
  CatchUpPolicy policy;
  policy.limit = (behind_ ? chunk_events_ : 0) + group.stored;
  // Part way through a backlog, counts are judged at most every max_unreconciled_ms.
  policy.judge_if_behind = now_ms - judged_ms_ >= options_.max_unreconciled_ms;
  const auto started = std::chrono::steady_clock::now();
  policy.judge_until = started + options_.commit_time;
  policy.horizon = [this, oldest_waiting](std::int64_t at_ms) { return judge_through(oldest_waiting, at_ms); };
  auto settled = settle_and_commit(*write, reconciler_, {}, now_ms, policy);
  if (!settled) return settled.error();
  // Back up to the full chunk as commits get fast.
  if (behind_) {
    chunk_events_ = fitting(settled->applied, std::chrono::steady_clock::now() - started, chunk_floor(),
                            options_.reconcile_chunk_events);
  }
  group.judged = settled->judged;
  group.task_sites = std::move(settled->task_sites);
  group.discrepancies = std::move(settled->discrepancies);
  group.caught_up = settled->caught_up;
  group.applied = settled->applied;
  return group;
}

std::size_t Ingest::chunk_floor() const {
  // 100 events by default: a commit's fsync still costs little beside them.
  return std::max<std::size_t>(1, options_.reconcile_chunk_events / 50);
}

std::size_t Ingest::fitting(std::size_t done, std::chrono::steady_clock::duration took, std::size_t floor,
                            std::size_t ceiling) const {
  const auto took_us = std::max<std::int64_t>(1, std::chrono::duration_cast<std::chrono::microseconds>(took).count());
  const auto budget_us = std::chrono::duration_cast<std::chrono::microseconds>(options_.commit_time).count();
  const auto fits = static_cast<std::size_t>(static_cast<double>(done) * static_cast<double>(budget_us) /
                                             static_cast<double>(took_us));
  return std::clamp(fits, std::min(floor, ceiling), ceiling);
}

Result<void> Ingest::handle(const Received& received, LedgerWrite& write, Group& group) {
  const auto topic = protocol::parse_device_topic(received.message.topic);
  if (!topic) {
    return reject(received, Origin{},
                  invalid("", "the topic is not recount/v1/{site}/{device}/{channel} with valid ids"), write, group);
  }
  // Whatever the message, it moves the device's row (last seen, a status, a dead letter).
  group.devices.push_back(topic->device);
  const bool from_device = topic->channel == DeviceChannel::kEvents || topic->channel == DeviceChannel::kHello;
  // The hub's own clearing (below) comes back to it as an empty message: nothing to read or keep.
  if (from_device && received.message.payload.empty() && clearing_.erase(received.message.topic) > 0) return {};
  // Agents never retain events or hellos, so the broker holds one only because someone published
  // it so, and would replay it at every start of the hub: it is kept as a dead letter, unread
  // (it may be the very payload that hurt an earlier run), and cleared on the broker once this
  // commit has made the letter durable.
  if (from_device && received.message.retained) {
    group.cleared_topics.push_back(received.message.topic);
    return reject(received, Origin{topic->site, topic->device, ""},
                  invalid("",
                          "a retained message on an events or hello topic is never an agent's; it is not read "
                          "and is cleared on the broker"),
                  write, group);
  }
  switch (topic->channel) {
    case DeviceChannel::kEvents: return handle_events(*topic, received, write, group);
    case DeviceChannel::kHello: return handle_hello(*topic, received, write, group);
    case DeviceChannel::kStatus: return handle_status(*topic, received, write, group);
    case DeviceChannel::kAck:
    case DeviceChannel::kNack: break;
  }
  return reject(received, Origin{topic->site, topic->device, ""},
                invalid("", "the hub takes only events, hello and status messages"), write, group);
}

Result<void> Ingest::handle_events(const protocol::DeviceTopic& topic, const Received& received, LedgerWrite& write,
                                   Group& group) {
  auto decoded = protocol::decode_event_batch(received.message.payload);
  Result<void> named = decoded ? same_name("site", decoded->batch.site, topic.site) : Result<void>(decoded.error());
  if (named) named = same_name("device", decoded->batch.device, topic.device);
  if (!named) {
    const std::string epoch = decoded ? decoded->batch.epoch : "";
    group.replies.push_back(Reply{protocol::device_topic(topic.site, topic.device, DeviceChannel::kNack),
                                  protocol::Nack{topic.device, epoch, {}, named.error().describe()}});
    return reject(received, Origin{topic.site, topic.device, epoch}, named.error(), write, group);
  }

  IncomingBatch batch;
  batch.topic = received.message.topic;
  batch.origin = Origin{topic.site, topic.device, decoded->batch.epoch};
  batch.events = std::move(decoded->batch.events);
  batch.first_seq = decoded->first_seq;
  batch.last_seq = decoded->last_seq;
  batch.received_ms = received.received_ms;
  batch.clock = options_.clock;
  if (!decoded->rejected.empty()) {
    auto texts = rejected_event_texts(received.message.payload, *decoded);
    for (std::size_t i = 0; i < decoded->rejected.size(); ++i) {
      const protocol::RejectedEvent& rejected = decoded->rejected[i];
      const std::size_t bytes = texts[i].size();
      batch.rejected.push_back(DeadLetter{0, received.received_ms, batch.topic, batch.origin, rejected.seq,
                                          rejected.event_id, rejected.error.field, rejected.error.message,
                                          std::move(texts[i]), bytes});
    }
  }
  auto outcome = write.apply(batch);
  if (!outcome) return outcome.error();
  if (unknown_ != nullptr) {
    std::vector<const Event*> stored;
    for (const std::size_t index : outcome->new_events) stored.push_back(&batch.events[index]);
    auto changed = unknown_->record(write, topic.site, topic.device, stored);
    if (!changed) return changed.error();
    group.unknown_changed.insert(group.unknown_changed.end(), changed->begin(), changed->end());
  }
  group.stored += outcome->new_events.size();
  group.conflicts += outcome->conflicts;
  group.clock_flagged += outcome->clock_flagged;
  group.dead_letter_overflow += outcome->dead_letter_overflow;
  ++group.batches;
  clock_.observe(newest_trusted_hlc(batch));
  // The nack goes first, so the agent knows which seqs were refused before the ack covers them.
  if (!outcome->rejected.empty()) {
    group.replies.push_back(Reply{protocol::device_topic(topic.site, topic.device, DeviceChannel::kNack),
                                  protocol::Nack{topic.device, batch.origin.epoch, outcome->rejected, ""}});
  }
  group.replies.push_back(
      Reply{protocol::device_topic(topic.site, topic.device, DeviceChannel::kAck),
            protocol::Ack{topic.device, batch.origin.epoch, outcome->cursor.acked_through, 0, HlcStamp{}}});
  return {};
}

Result<void> Ingest::handle_hello(const protocol::DeviceTopic& topic, const Received& received, LedgerWrite& write,
                                  Group& group) {
  auto hello = protocol::decode_hello(received.message.payload);
  Result<void> named = hello ? same_name("site", hello->site, topic.site) : Result<void>(hello.error());
  if (named) named = same_name("device", hello->device, topic.device);
  if (!named)
    return reject(received, Origin{topic.site, topic.device, hello ? hello->epoch : ""}, named.error(), write, group);

  auto cursor = write.hello(received.message.topic, *hello, received.received_ms);
  if (!cursor) return cursor.error();
  clock_.observe(hello->hlc);
  group.replies.push_back(Reply{protocol::device_topic(topic.site, topic.device, DeviceChannel::kAck),
                                protocol::Ack{topic.device, hello->epoch, cursor->acked_through, 0, HlcStamp{}}});
  return {};
}

Result<void> Ingest::handle_status(const protocol::DeviceTopic& topic, const Received& received, LedgerWrite& write,
                                   Group& group) {
  // An empty payload is how an operator clears a retained status; there is nothing to keep.
  if (received.message.payload.empty()) return {};
  auto status = protocol::decode_status(received.message.payload);
  Result<void> named = status ? same_name("device", status->device, topic.device) : Result<void>(status.error());
  if (!named) return reject(received, Origin{topic.site, topic.device, ""}, named.error(), write, group);
  return write.status(topic.site, *status, received.received_ms,
                      received.message.retained ? LedgerWrite::Freshness::kRetained : LedgerWrite::Freshness::kLive);
}

Result<void> Ingest::reject(const Received& received, Origin origin, const Error& error, LedgerWrite& write,
                            Group& group) {
  ++group.rejected_payloads;
  auto lettered =
      write.reject(DeadLetter{0, received.received_ms, received.message.topic, std::move(origin), std::nullopt, "",
                              error.field, error.message, received.message.payload, received.message.payload.size()});
  if (!lettered) return lettered.error();
  if (*lettered == Lettering::kOverQuota) ++group.dead_letter_overflow;
  return {};
}

void Ingest::announce_cursors() {
  auto devices = ledger_.events().devices();
  if (!devices) {
    std::cerr << "recount-hub: cannot announce the devices' acks: " << devices.error().describe() << std::endl;
    return;
  }
  for (const auto& device : *devices) {
    if (device.epochs.empty() || device.device == Ledger::kHubDevice) continue;
    const EpochSummary& current = device.epochs.back();
    send(Reply{protocol::device_topic(device.site, device.device, DeviceChannel::kAck),
               protocol::Ack{device.device, current.epoch, current.cursor.acked_through, 0, HlcStamp{}}});
  }
}

void Ingest::clear_retained(std::string topic) {
  ++counters_.retained_cleared;
  clearing_.insert(topic);
  link_.publish(mqtt::Message{std::move(topic), "", true}, mqtt::Qos::kAtLeastOnce);
}

void Ingest::send(Reply reply) {
  // The last look before an answer leaves: once the ledger is known to be damaged, no ack may say
  // that anything in it is durable, even for a commit that returned before the finding.
  if (ledger_.damaged()) {
    ++counters_.replies_withheld;
    return;
  }
  if (auto* ack = std::get_if<protocol::Ack>(&reply.message)) {
    ack->hub_wall_ms = wall_();
    ack->hub_hlc = clock_.now();
  }
  std::string payload = std::visit([](const auto& message) { return protocol::encode(message); }, reply.message);
  ++counters_.replies_in_flight;
  link_.publish(mqtt::Message{std::move(reply.topic), std::move(payload), false}, mqtt::Qos::kAtLeastOnce,
                [this](const Result<void>& sent) {
                  --counters_.replies_in_flight;
                  if (!sent) ++counters_.replies_unsent;
                });
}

}  // namespace recount::hub
