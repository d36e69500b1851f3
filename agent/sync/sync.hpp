// The agent's sync (DESIGN §5): sends the journal's unacknowledged events to the hub in batches
// and marks them acknowledged only on the hub's application-level ack.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/journal/journal.hpp"
#include "agent/journal/journal_bell.hpp"
#include "agent/sync/ack_timeout.hpp"
#include "shared/mqtt/link.hpp"

namespace recount::agent {

struct SyncOptions {
  std::string broker_uri;
  mqtt::LinkSecurity broker_security;  // TLS files and credentials (agent/config keeps them)
  std::size_t batch_events = 200;      // events per message (≤ limits::kMaxBatchEvents)
  std::size_t window_batches = 8;      // unacked batches in flight (≤ the link's max_inflight)
  AckTimeoutLimits ack_timeout{};      // how long without an advancing ack before a resend
  // Other processes record into the journal and ring its bell (agent/journal/journal_bell.hpp);
  // the poll finds what a lost ring left, and checks the ack timeout.
  std::chrono::milliseconds journal_poll{100};
  std::chrono::milliseconds status_interval{10000};
  std::string agent_version = "0.1.0";
};

// Runs on one io_context thread; not thread-safe. The journal must outlive the Sync.
//
// On every connect it publishes hello and resends from its acked_through + 1: correctness never
// depends on broker or Paho session state (research/sync.md §0.3). Acks go through the journal's
// checks (Journal::acknowledge): one that is refused is logged and changes nothing, so a forged
// ack on a misconfigured broker cannot make the agent stop sending what no hub holds. An ack the
// journal takes as a rewind (AckVerdict::kRewound: a hub restored from a backup) makes it resend
// from that ack on, seqs unchanged. It keeps at most
// window_batches unacked batches in flight, resends them all from the last ack when no ack
// advances for the ack timeout (agent/sync/ack_timeout.hpp: timed by the hub's round trips,
// doubled at each resend without progress, counted from the oldest batch's send or the last
// advancing ack, whichever is later), and keeps recording-side work untouched when the broker is
// away.
//
// New events go out as soon as the journal's bell rings (another process recorded them) or wake()
// is called: on an idle device each scan leaves in its own batch at once. Batching follows from
// the window alone: while it is full, events queue in the journal and leave in batches of up to
// batch_events as acks free it, so nothing waits on a timer to fill a batch.
class Sync {
 public:
  Sync(boost::asio::io_context& io, Journal& journal, SyncOptions options);
  Sync(const Sync&) = delete;
  Sync& operator=(const Sync&) = delete;

  // Connects, and listens on the journal's bell (without it, logged, new events wait for the poll).
  void start();
  // Publishes an orderly offline status and disconnects (bounded wait).
  void stop();

  // Called after a local record, so new events go out without waiting for the next poll.
  void wake();

  // Called on the io_context with each payload on the site's catalog and tasks topics, as it came:
  // unverified, so the handler checks the hub's signature before anything else (DESIGN §9).
  using PayloadHandler = std::function<void(const std::string& payload)>;
  void on_catalog(PayloadHandler handler) { on_catalog_ = std::move(handler); }
  void on_tasks(PayloadHandler handler) { on_tasks_ = std::move(handler); }
  // Each payload on a chunk topic of the site's catalog (recount/v1/{site}/catalog/{chunk}), with
  // the topic's last level; unverified too (the signed manifest binds it by its hash).
  using ChunkHandler = std::function<void(const std::string& chunk_id, const std::string& payload)>;
  void on_catalog_chunk(ChunkHandler handler) { on_catalog_chunk_ = std::move(handler); }

  bool connected() const { return link_.connected(); }

 private:
  struct InFlight {
    std::uint64_t first_seq;
    std::uint64_t last_seq;
    std::chrono::steady_clock::time_point sent_at;
    bool resent;  // it holds seqs sent before: its ack may answer an earlier copy
  };

  void handle_connected();
  void handle_message(const mqtt::Message& message);
  void handle_ack(const protocol::Ack& ack);
  void pump();
  void restart_from_ack();
  void publish_status();
  void arm_poll();
  mqtt::Message status_message(protocol::DeviceState state);
  void report(const Error& error);

  boost::asio::io_context& io_;
  Journal& journal_;
  SyncOptions options_;
  mqtt::Link link_;
  boost::asio::steady_timer poll_timer_;
  std::deque<InFlight> in_flight_;
  std::uint64_t acked_through_ = 0;
  std::uint64_t next_seq_ = 1;      // the next seq to publish
  std::uint64_t sent_through_ = 0;  // the highest seq this process published
  AckTimeout ack_timeout_;
  std::chrono::steady_clock::time_point last_progress_{};  // the last ack that advanced
  std::chrono::steady_clock::time_point last_status_{};
  bool status_stale_ = false;  // acks moved the backlog since the last status
  std::unique_ptr<JournalBell> bell_;
  PayloadHandler on_catalog_;
  PayloadHandler on_tasks_;
  ChunkHandler on_catalog_chunk_;
  bool stopped_ = false;
};

}  // namespace recount::agent
