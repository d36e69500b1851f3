// Agent sync.
#include "agent/sync/sync.hpp"

#include <algorithm>
#include <iostream>
#include <optional>

#include "shared/protocol/codec.hpp"
#include "shared/protocol/topics.hpp"

namespace recount::agent {
namespace {

mqtt::LinkOptions link_options(const Journal& journal, const SyncOptions& options) {
  const auto& identity = journal.identity();
  mqtt::LinkOptions link;
  link.uri = options.broker_uri;
  link.security = options.broker_security;
  link.client_id = "recount-agent-" + identity.site + "-" + identity.device;
  link.clean_session = false;
  link.max_inflight = static_cast<int>(options.window_batches) + 4;
  // A device receives little but acks, except a large catalog's chunks, which come all at once
  // on subscribing: a few waiting keep the agent's memory bounded while it stores each one.
  link.max_pending_messages = 8;
  protocol::Status offline{identity.device, protocol::DeviceState::kOffline, 0, 0, 0, 0};
  link.will = mqtt::Message{protocol::device_topic(identity.site, identity.device, protocol::DeviceChannel::kStatus),
                            protocol::encode(offline), true};
  return link;
}

}  // namespace

Sync::Sync(boost::asio::io_context& io, Journal& journal, SyncOptions options)
    : io_(io),
      journal_(journal),
      options_(std::move(options)),
      link_(io, link_options(journal, options_)),
      poll_timer_(io),
      ack_timeout_(options_.ack_timeout) {
  const auto& identity = journal_.identity();
  link_.subscribe({protocol::device_topic(identity.site, identity.device, protocol::DeviceChannel::kAck),
                   protocol::device_topic(identity.site, identity.device, protocol::DeviceChannel::kNack),
                   protocol::catalog_topic(identity.site), protocol::catalog_chunks_filter(identity.site),
                   protocol::tasks_topic(identity.site)},
                  mqtt::Qos::kAtLeastOnce);
  link_.on_connected([this] { handle_connected(); });
  link_.on_disconnected([this](const std::string&) { in_flight_.clear(); });
  link_.on_message([this](const mqtt::Message& message) { handle_message(message); });
  link_.on_connect_failed([](const std::string& reason) {
    std::cerr << "recount-agent: broker: " << reason << " (retrying)" << std::endl;
  });
}

void Sync::start() {
  if (auto progress = journal_.progress()) acked_through_ = progress->acked_through;
  next_seq_ = acked_through_ + 1;
  auto bell = JournalBell::listen(io_, journal_.file(), [this] { pump(); });
  if (bell) {
    bell_ = std::move(*bell);
  } else {
    report(bell.error().within("journal bell"));
  }
  link_.start();
  arm_poll();
}

void Sync::stop() {
  stopped_ = true;
  bell_.reset();
  poll_timer_.cancel();
  link_.stop(status_message(protocol::DeviceState::kOffline));
}

void Sync::wake() { pump(); }

void Sync::handle_connected() {
  // Whatever was in flight on the old connection may be lost (Paho drops in-flight QoS 1
  // messages when the session is gone): start over from what the hub acknowledged.
  restart_from_ack();
  const auto& identity = journal_.identity();
  protocol::Hello hello;
  hello.site = identity.site;
  hello.device = identity.device;
  hello.epoch = identity.epoch;
  hello.last_seq = journal_.last_seq();
  hello.acked_through = acked_through_;
  if (auto pruned = journal_.pruned_through()) {
    hello.pruned_through = *pruned;
  } else {
    report(pruned.error());
  }
  hello.wall_ms = journal_.wall_now();
  hello.agent_version = options_.agent_version;
  link_.publish({protocol::device_topic(identity.site, identity.device, protocol::DeviceChannel::kHello),
                 protocol::encode(hello), false},
                mqtt::Qos::kAtLeastOnce);
  publish_status();
  pump();
}

void Sync::restart_from_ack() {
  in_flight_.clear();
  next_seq_ = acked_through_ + 1;
}

void Sync::handle_message(const mqtt::Message& message) {
  const auto& site = journal_.identity().site;
  if (message.topic == protocol::catalog_topic(site)) {
    if (on_catalog_) on_catalog_(message.payload);
    return;
  }
  if (const auto chunks = protocol::catalog_topic(site) + "/"; message.topic.starts_with(chunks)) {
    if (on_catalog_chunk_) on_catalog_chunk_(message.topic.substr(chunks.size()), message.payload);
    return;
  }
  if (message.topic == protocol::tasks_topic(site)) {
    if (on_tasks_) on_tasks_(message.payload);
    return;
  }
  const auto topic = protocol::parse_device_topic(message.topic);
  if (!topic) return;
  if (topic->channel == protocol::DeviceChannel::kAck) {
    auto ack = protocol::decode_ack(message.payload);
    if (!ack) return report(ack.error().within("ack"));
    handle_ack(*ack);
  } else if (topic->channel == protocol::DeviceChannel::kNack) {
    auto nack = protocol::decode_nack(message.payload);
    if (!nack) return report(nack.error().within("nack"));
    if (!nack->payload_error.empty())
      std::cerr << "recount-agent: hub refused a payload: " << nack->payload_error << '\n';
    if (nack->epoch == journal_.identity().epoch && !nack->rejected.empty()) {
      if (auto ok = journal_.reject(nack->rejected); !ok) report(ok.error());
    }
  }
}

void Sync::handle_ack(const protocol::Ack& ack) {
  auto verdict = journal_.acknowledge(ack);
  if (!verdict) return report(verdict.error());
  if (*verdict == AckVerdict::kRewound) {
    std::cerr << "recount-agent: sync: the hub holds only through seq " << ack.acked_through << " of the "
              << acked_through_ << " it acknowledged (restored from a backup): resending from there\n";
    acked_through_ = ack.acked_through;
    restart_from_ack();
    status_stale_ = true;
    return pump();
  }
  if (*verdict != AckVerdict::kApplied) {
    std::cerr << "recount-agent: sync: ignored an ack through seq " << ack.acked_through << " " << to_string(*verdict)
              << " (refused acks are counted in status)\n";
    return;
  }
  if (ack.acked_through > acked_through_) {
    acked_through_ = ack.acked_through;
    // The hub may ack more than this connection resent (events it stored before a reconnect).
    next_seq_ = std::max(next_seq_, acked_through_ + 1);
    const auto now = std::chrono::steady_clock::now();
    std::optional<InFlight> newest_acked;
    while (!in_flight_.empty() && in_flight_.front().last_seq <= acked_through_) {
      newest_acked = in_flight_.front();
      in_flight_.pop_front();
    }
    if (newest_acked && !newest_acked->resent)
      ack_timeout_.measured(std::chrono::duration_cast<std::chrono::milliseconds>(now - newest_acked->sent_at));
    ack_timeout_.progressed();
    last_progress_ = now;
    status_stale_ = true;
  }
  pump();
}

void Sync::pump() {
  if (stopped_ || !link_.connected()) return;
  const auto& identity = journal_.identity();
  while (in_flight_.size() < options_.window_batches) {
    auto events = journal_.pending_from(next_seq_, options_.batch_events);
    if (!events) return report(events.error());
    if (events->empty()) break;
    const std::uint64_t first = events->front().seq;
    const std::uint64_t last = events->back().seq;
    protocol::EventBatch batch{identity.site, identity.device, identity.epoch, std::move(*events)};
    link_.publish({protocol::device_topic(identity.site, identity.device, protocol::DeviceChannel::kEvents),
                   protocol::encode(batch), false},
                  mqtt::Qos::kAtLeastOnce);
    if (auto ok = journal_.mark_sent(last); !ok) return report(ok.error());
    in_flight_.push_back({first, last, std::chrono::steady_clock::now(), first <= sent_through_});
    sent_through_ = std::max(sent_through_, last);
    next_seq_ = last + 1;
  }
}

void Sync::arm_poll() {
  poll_timer_.expires_after(options_.journal_poll);
  poll_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || stopped_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!in_flight_.empty() && now - std::max(in_flight_.front().sent_at, last_progress_) > ack_timeout_.wait()) {
      ack_timeout_.resent();
      std::cerr << "recount-agent: sync: no ack through seq " << in_flight_.front().last_seq << ": resending from seq "
                << acked_through_ + 1 << ", next wait " << ack_timeout_.wait().count() << " ms\n";
      restart_from_ack();
    }
    pump();
    // Operators watch the backlog drain: after progress, a status at most once a second.
    const bool due = now - last_status_ > options_.status_interval ||
                     (status_stale_ && now - last_status_ > std::chrono::seconds(1));
    if (link_.connected() && due) publish_status();
    arm_poll();
  });
}

mqtt::Message Sync::status_message(protocol::DeviceState state) {
  const auto& identity = journal_.identity();
  protocol::Status status;
  status.device = identity.device;
  status.state = state;
  status.wall_ms = journal_.wall_now();
  if (auto progress = journal_.progress()) {
    status.backlog = progress->backlog();
    status.acked_through = progress->acked_through;
    status.skew_ms = progress->skew_ms;
  }
  return {protocol::device_topic(identity.site, identity.device, protocol::DeviceChannel::kStatus),
          protocol::encode(status), true};
}

void Sync::publish_status() {
  last_status_ = std::chrono::steady_clock::now();
  status_stale_ = false;
  link_.publish(status_message(protocol::DeviceState::kOnline), mqtt::Qos::kAtLeastOnce);
}

void Sync::report(const Error& error) { std::cerr << "recount-agent: sync: " << error.describe() << '\n'; }

}  // namespace recount::agent
