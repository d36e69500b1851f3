// The hub's MQTT side (DESIGN §5): takes events, hellos and status messages from the broker,
// applies them to the ledger in as few durable commits as the load allows, and answers with acks
// and nacks only once the commit that makes them true has returned. Reconciliation follows the
// ledger in order, and under load a bounded distance behind it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "hub/ledger/ledger.hpp"
#include "hub/reconcile/reconciler.hpp"
#include "hub/unknown/unknown_barcodes.hpp"
#include "hub/writes/hub_writer.hpp"
#include "hub/writes/receive_watermarks.hpp"
#include "hub/writes/task_publisher.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/repeated_failure.hpp"
#include "shared/mqtt/link.hpp"
#include "shared/protocol/messages.hpp"
#include "shared/protocol/topics.hpp"

namespace recount::hub {

struct IngestOptions {
  // Messages waiting when a commit starts are applied together in it, up to these bounds, so a
  // busy hub pays one fsync for many batches while a quiet one still commits each at once.
  // Under a backlog the hub holds up to three commits of payload at once (the one it writes, the
  // queue, the link's window), so 4 MiB (~20,000 events) keeps that within its memory budget
  // (docs/performance.md, "The hub's RSS under a 1M-event backlog"); it was 16 MiB.
  std::size_t max_messages_per_commit = 256;
  std::size_t max_bytes_per_commit = std::size_t{4} * 1024 * 1024;
  // While messages queue up, a commit only stores and acks, and the projections apply what it
  // stored in a later commit (Reconciler::catch_up): devices are answered at the rate the ledger
  // can store, and reconciliation catches up as soon as the queue is empty, or when it trails by
  // these bounds. Any other commit applies what it stores and at most reconcile_chunk_events of
  // the backlog, so acks never wait long behind it; until it reaches the end it judges counts
  // at most every max_unreconciled_ms, since each part would judge a busy position's counts again.
  std::size_t max_unreconciled_events = 100'000;
  std::int64_t max_unreconciled_ms = 2'000;
  std::size_t reconcile_chunk_events = 5'000;
  // A commit's messages and its chunk of the backlog are also cut to what the last commits did in
  // this much time: the HTTP API waits on the same thread. On PostgreSQL, where every statement is
  // a round trip, a commit of 256 messages or of a 5,000-event chunk took over 10 s of a loaded
  // Debug hub, and recountctl gave up on the hub meanwhile.
  std::chrono::milliseconds commit_time{500};
  // Received and not yet committed: at either bound ingest stops taking messages from the link
  // (mqtt::Delivery::kPaused), so the broker holds them, and takes them again once the queue is
  // down to half of both. Messages the link had already handed over are still queued, so the
  // queue may pass a bound by the link's own window (LinkOptions::max_pending_messages).
  // The bytes bound is one full commit (max_bytes_per_commit): more waiting does not make the
  // next commit larger, and it counts against the hub's memory budget (docs/performance.md,
  // "The hub's RSS under a 1M-event backlog"); it was 64 MiB, then 16 MiB.
  std::size_t max_queued_messages = 4'096;
  std::size_t max_queued_bytes = std::size_t{4} * 1024 * 1024;
  ClockBounds clock;
  // Non-empty: subscribe as a member of the MQTT shared subscription $share/{group}/..., so the
  // broker gives each message to one hub of the group (several hubs on one ledger,
  // docs/scale-out.md); empty: to every message.
  std::string shared_group;
};

// What ingest has done since it started; for the health endpoint and tests.
struct IngestCounters {
  std::uint64_t messages = 0;           // taken from the broker
  std::uint64_t batches = 0;            // event batches applied (valid envelope)
  std::uint64_t rejected_payloads = 0;  // messages refused as a whole
  std::uint64_t commits = 0;
  std::uint64_t failed_commits = 0;        // their messages were not answered; agents resend them
  std::uint64_t replies_unsent = 0;        // acks/nacks the broker did not take; hello/resend repairs
  std::uint64_t replies_withheld = 0;      // acks/nacks not sent because the ledger is damaged
  std::size_t replies_in_flight = 0;       // published, the broker's PUBACK not yet in
  std::size_t queued = 0;                  // received, not yet committed
  std::uint64_t deferred_commits = 0;      // stored and acked, applied to the projections later
  std::uint64_t unreconciled = 0;          // about how many stored events the projections have not applied
  std::uint64_t retained_cleared = 0;      // retained events/hello messages dead-lettered and cleared
  std::size_t queued_bytes = 0;            // payload bytes of the queued messages
  std::uint64_t backpressure = 0;          // times the queue reached a bound and the link was paused
  std::uint64_t conflicts = 0;             // different events at stored seqs, kept and nacked
  std::uint64_t clock_flagged = 0;         // events reconciled at their arrival, not their stamp
  std::uint64_t dead_letter_overflow = 0;  // letters past their device's quota, counted only
};

// Every event stored as new reaches the reconciler through Reconciler::catch_up, in the order
// the ledger stored it: in the same commit when the queue is empty, else in a later one (see
// IngestOptions). A commit that catches up settles what became due and records the effects with
// it, then hands the sites whose task lists changed to `tasks`.
//
// Nothing is acked or nacked once the ledger is damaged (Ledger::damaged()): every answer is
// looked at just before it is published, and withheld (counters().replies_withheld).
//
// Runs on the io_context that `link` delivers on, with one thread: message handling, SQLite and
// publishing all happen there, never on Paho's threads. Not thread-safe. `link`, `ledger`,
// `reconciler` (open on the ledger's database), `tasks` and `clock` must outlive it, and it must
// outlive every handler it posted (destroy it after the io_context has stopped running).
class Ingest {
 public:
  Ingest(boost::asio::io_context& io, mqtt::Link& link, Ledger& ledger, reconcile::Reconciler& reconciler,
         TaskListPublisher& tasks, HybridLogicalClock& clock, WallClock wall = system_wall_clock(),
         IngestOptions options = {});
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;

  // Subscribes (QoS 1) to every site's events, hello and status topics and handles the messages
  // given to deliver() from now on, after applying what an earlier run stored and did not apply.
  // The link's messages reach it as the owner routes them (recount-hub takes its own records
  // apart first). Call once, before the io_context runs or on its thread.
  void start();

  // Commits and answers every message received so far, then ignores new ones: what a clean
  // shutdown does before it disconnects from the broker (once counters().replies_in_flight is
  // 0, so the last acks are not cut off). Blocks on the commit. What the projections have not
  // applied yet waits for the next start().
  void stop();

  // Drops every message received and not yet committed, unanswered, and ignores new ones: for a
  // ledger found damaged (Ledger::damaged()), which takes no more commits and whose acks are
  // withheld anyway. The devices keep what was dropped in their journals and resend it to the
  // next hub that answers.
  void halt();

  // Tells `observer` what each later commit changed (discrepancies, task sites, devices). Replaces an
  // earlier one.
  void on_commit(CommitObserver observer) { observer_ = std::move(observer); }

  // Sends every device an ack of what the ledger holds of its current epoch, unasked. Call on
  // every connection to the broker: a device learns a hub restored from an older backup holds
  // less than it acked before (docs/protocol.md §6.3) without waiting to reconnect itself, and
  // resends; to a device that holds as much it changes nothing. Reads the devices (blocks on
  // SQLite); a read error goes to stderr.
  void announce_cursors();

  // Handles a message the link delivered, or one a test or a fuzzer without a broker feeds. On the
  // io_context's thread.
  void deliver(mqtt::Message message);

  const IngestCounters& counters() const { return counters_; }
  // Whether the queue is at its bounds and the link paused (IngestOptions::max_queued_messages).
  bool backlogged() const { return paused_; }
  // Whether the last commit failed because the disk or the database was full (ErrorCode::
  // kStorageFull); the next commit that succeeds clears it.
  bool storage_full() const { return storage_full_; }
  // Whether the projections may trail the ledger: ingest is deferring or catching up.
  bool catching_up() const { return behind_; }

  // Whether this hub's commits apply what they store to the projections (they do unless told
  // otherwise). Of several hubs on one ledger only the owner of reconciliation does
  // (hub/cluster/membership.hpp); the others only store and ack, and the owner applies what they
  // stored in the ledger's order. Set true, it catches up from where the projections are.
  void set_reconciling(bool reconciling);
  // Catches up if the ledger holds events the projections have not applied (other hubs stored
  // them), in chunks as after a start. Two indexed reads when there are none; does nothing while
  // ingest is behind anyway or not reconciling.
  void follow();

  // From now on, the unknown_barcode and barcode_applied events each batch stores are folded
  // into `unknown` in the batch's transaction (UnknownBarcodes::record), and the entries they
  // changed are announced after its commit. `unknown` must outlive the ingest.
  void keep_unknown_barcodes(UnknownBarcodes& unknown) { unknown_ = &unknown; }

  // Several hubs on one ledger: from now on every commit records how far this hub has stored what
  // it received, and judges only counts due before what the other hubs hold unstored.
  // `watermarks` must outlive the ingest.
  void share_watermarks(ReceiveWatermarks& watermarks) { watermarks_ = &watermarks; }
  // The receive time through which every message received is stored, by this hub and by the
  // others (share_watermarks): a count due later could still be changed by a movement received
  // before it, so it is not judged yet. max() when nothing waits. Errors: those of the ledger.
  Result<std::int64_t> judge_through(std::int64_t now_ms);

 private:
  struct Received {
    mqtt::Message message;
    std::int64_t received_ms = 0;
  };
  // An answer due once the commit returns; acks get the hub's time and HLC when sent.
  struct Reply {
    std::string topic;
    std::variant<protocol::Ack, protocol::Nack> message;
  };

  // What one commit produces: the answers and task lists due after it, and counts that become
  // true with it.
  struct Group {
    std::vector<Reply> replies;
    std::vector<std::string> task_sites;
    std::vector<std::int64_t> discrepancies;  // opened or changed, for the commit observer
    std::vector<std::string> devices;         // whose messages it stored, for the commit observer
    std::vector<std::string> cleared_topics;  // retained messages to clear on the broker
    std::uint64_t batches = 0;
    std::uint64_t rejected_payloads = 0;
    std::uint64_t conflicts = 0;
    std::uint64_t clock_flagged = 0;
    std::uint64_t dead_letter_overflow = 0;
    std::uint64_t stored = 0;  // new events
    // Messages of the group handled: the first ones, as many as fit in commit_time (one at
    // least; a resend after a restart is all duplicates, each a read of the stored event).
    std::size_t handled = 0;
    bool deferred = false;                    // stored only; the projections apply them later
    bool caught_up = false;                   // else: the projections have applied every stored event
    std::uint64_t applied = 0;                // by the projections, in this commit
    bool judged = false;                      // counts due were judged
    std::vector<UnknownKey> unknown_changed;  // to announce after the commit
  };

  void drain();
  std::vector<Received> take_group();
  // Returns received[from...] to the front of the queue, in order, for the next commit.
  void put_back(std::vector<Received>& received, std::size_t from);
  // Whether it committed (the messages of `received` it had time for, or all but a message the
  // database refused); those it had no time for wait at the front of the queue.
  bool commit(std::vector<Received> received);
  void post_drain();
  // Whether this commit of `messages` may leave what it stores to a later one: messages came
  // while the last commit ran, or still wait, and reconciliation is within its bounds.
  bool may_defer(std::size_t messages, std::uint64_t storing, std::int64_t now_ms) const;
  // The receive time of the oldest message waiting in the queue; nullopt when it is empty.
  std::optional<std::int64_t> oldest_queued() const;
  // judge_through() with this hub's oldest message not stored yet given (nullopt: none).
  Result<std::int64_t> judge_through(std::optional<std::int64_t> oldest_waiting_ms, std::int64_t now_ms);
  // On failure, `culprit` is the index of the message whose handling failed, if one did.
  Result<Group> apply_and_commit(const std::vector<Received>& received, std::optional<std::size_t>& culprit);
  // The fewest backlog events a commit applies while behind: a fiftieth of the chunk, so a
  // stalled commit (a checkpoint of the server, a busy disk) cannot shrink the chunks to nothing.
  std::size_t chunk_floor() const;
  // What fits in commit_time at the pace of `done` units in `took`, within [floor, ceiling].
  std::size_t fitting(std::size_t done, std::chrono::steady_clock::duration took, std::size_t floor,
                      std::size_t ceiling) const;
  Result<void> handle(const Received& received, LedgerWrite& write, Group& group);
  Result<void> handle_events(const protocol::DeviceTopic& topic, const Received& received, LedgerWrite& write,
                             Group& group);
  Result<void> handle_hello(const protocol::DeviceTopic& topic, const Received& received, LedgerWrite& write,
                            Group& group);
  Result<void> handle_status(const protocol::DeviceTopic& topic, const Received& received, LedgerWrite& write,
                             Group& group);
  Result<void> reject(const Received& received, Origin origin, const Error& error, LedgerWrite& write, Group& group);
  void send(Reply reply);
  // Publishes an empty retained message on `topic`, which makes the broker forget the one it kept.
  void clear_retained(std::string topic);

  boost::asio::io_context& io_;
  mqtt::Link& link_;
  Ledger& ledger_;
  reconcile::Reconciler& reconciler_;
  TaskListPublisher& tasks_;
  CommitObserver observer_;
  HybridLogicalClock& clock_;
  WallClock wall_;
  IngestOptions options_;
  std::deque<Received> queue_;
  std::size_t queued_bytes_ = 0;
  bool paused_ = false;  // the link's delivery, for the queue's bounds
  bool storage_full_ = false;
  // While the database is away every commit fails: said once, then once a minute.
  RepeatedFailure commit_failures_{"recount-hub: commit"};
  RepeatedFailure follow_failures_{"recount-hub: events to reconcile"};  // follow() runs four times a second
  std::set<std::string> clearing_;  // topics whose retained message the hub cleared, until the echo comes
  bool drain_posted_ = false;
  bool stopped_ = false;
  // The projections may trail the ledger (unknown at start: an earlier run may have stopped
  // with a backlog), and since when.
  bool behind_ = true;
  bool reconciling_ = true;  // set_reconciling()
  std::int64_t behind_since_ms_ = 0;
  std::int64_t judged_ms_ = 0;  // when a commit last judged the counts due
  // Events of the backlog the next commit applies, and messages it takes: what the last commits
  // did in commit_time, up to reconcile_chunk_events and max_messages_per_commit. They start at
  // their floors and grow as commits show what fits: a start after a kill meets a backlog at
  // once, and a first chunk of 5,000 events held the thread for 5-8 s on a loaded PostgreSQL.
  std::size_t chunk_events_;
  std::size_t group_messages_ = 1;
  ReceiveWatermarks* watermarks_ = nullptr;  // share_watermarks()
  std::int64_t released_ms_ = 0;             // when the drain last gave free heap memory back (release_free_memory)
  IngestCounters counters_;
  UnknownBarcodes* unknown_ = nullptr;  // keep_unknown_barcodes(); none: such events are only stored
};

}  // namespace recount::hub
