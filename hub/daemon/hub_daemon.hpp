// recount-hub as a whole: MQTT ingest and the HTTP API wired on one io_context, with the start
// and the orderly shutdown that the executable and the end-to-end tests share.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/alerts/alert_engine.hpp"
#include "hub/audit/checkpoint_directory.hpp"
#include "hub/auth/login_throttle.hpp"
#include "hub/auth/session_store.hpp"
#include "hub/auth/token_store.hpp"
#include "hub/catalog/catalog_store.hpp"
#include "hub/channels/channel_store.hpp"
#include "hub/channels/outbox/correction_outbox.hpp"
#include "hub/cluster/membership.hpp"
#include "hub/http/device_json.hpp"
#include "hub/http/live_feed.hpp"
#include "hub/http/router.hpp"
#include "hub/http/server.hpp"
#include "hub/ingest/ingest.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/reconcile/catalog_view.hpp"
#include "hub/reconcile/reconciler.hpp"
#include "hub/reconcile/sqlite_queries.hpp"
#include "hub/unknown/unknown_barcodes.hpp"
#include "hub/writes/catalog_publisher.hpp"
#include "hub/writes/hub_writer.hpp"
#include "hub/writes/plan_feed.hpp"
#include "hub/writes/published_versions.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/repeated_failure.hpp"
#include "shared/crypto/ed25519.hpp"
#include "shared/mqtt/link.hpp"

namespace recount::hub {

struct HubOptions {
  std::string mqtt_uri;              // tcp://host:port or mqtts://host:port
  mqtt::LinkSecurity mqtt_security;  // CA, client certificate, user name and password
  // Unique per hub and hard to guess, so nobody kicks the hub off the broker by connecting with its
  // id; stable across restarts, so the broker keeps the hub's session (hub_client_id()).
  std::string client_id = "recount-hub";
  std::optional<HostPort> http;                 // where to serve the API; none: no HTTP server
  std::vector<std::string> http_allowed_hosts;  // HttpServerOptions::allowed_hosts
  std::filesystem::path http_certificate_file;  // HTTPS when both are set (HttpServerOptions)
  std::filesystem::path http_key_file;
  // How long a shutdown waits for the broker to take the last acks before it disconnects.
  std::chrono::milliseconds reply_grace{2000};
  // A reconciliation policy (JSON, docs/reconciliation.md) to put in force at start when it
  // differs from the one in force; none: keep the one in force (the built-in default at first).
  std::optional<std::filesystem::path> policy_file;
  // The longest the settle timer sleeps before it looks again for counts whose settle delay has
  // ended (a count stored meanwhile is due a whole settle delay after it arrived).
  std::chrono::milliseconds settle_poll{1000};
  // How often the count plans are evaluated and each site's changed planned counts sent to its
  // devices with its task list (recount-hub --plan-interval; hub/writes/plan_feed.hpp).
  std::chrono::milliseconds plan_interval{60'000};
  IngestOptions ingest;
  // How often the audit chain's head is signed, if it moved since the last checkpoint (and at
  // every orderly shutdown): published retained on kCheckpointTopic and written to
  // audit_checkpoints, if given (recount-hub --audit-checkpoints DIR).
  std::chrono::milliseconds checkpoint_every{60'000};
  std::optional<std::filesystem::path> audit_checkpoints;
  // Where corrections to connected systems go (recount-hub --outbox, --correction-webhook;
  // docs/corrections.md); none: they stay pending, listed.
  channels::OutboxOptions outbox;
  // Where alerts go and how often the rules of age and of offline devices are evaluated
  // (recount-hub --alert-webhook, --sendmail, --alert-sweep; docs/investigation.md).
  alerts::AlertOptions alerts;
  // On a PostgreSQL ledger, which several hubs may share (docs/scale-out.md, "Several hubs"): the
  // lease of reconciliation's time (recount-hub --lease-ttl) and how often a hub looks for what
  // the others wrote.
  cluster::MembershipOptions cluster;
};

// Not thread-safe: everything runs on `io`, which must have one thread. `ledger` must outlive
// the daemon, and the daemon must outlive every handler it posted (destroy it after io.run()
// has returned).
class HubDaemon {
 public:
  // Opens the reconciler, the token and the session store and the unknown barcodes on the ledger's
  // database (migrating their tables), loads the hub's signing key from `data_dir` (making it on
  // first use), puts the policy file, if any, in force, opens the checkpoint directory
  // opens the corrections outbox and binds the HTTP address, if any (import bodies are spooled in
  // `data_dir`). `data_dir` is the hub's own directory (recount-hub --data), which holds the
  // ledger's file too when the ledger is SQLite's. Errors: those of
  // Reconciler::open, TokenStore::open, SessionStore::open, UnknownBarcodes::open,
  // channels::open_corrections, CorrectionOutbox::create, AlertEngine::create, load_signing_key, load_policy_file, the
  // policy's write transaction, CheckpointDirectory::open and HttpServer::listen.
  static Result<std::unique_ptr<HubDaemon>> create(boost::asio::io_context& io, Ledger& ledger,
                                                   const std::filesystem::path& data_dir, HubOptions options);
  HubDaemon(const HubDaemon&) = delete;
  HubDaemon& operator=(const HubDaemon&) = delete;

  // Starts serving HTTP, connecting to the broker (retrying until it answers) and the settle
  // timer, which judges counts whose policy settle delay ends between batches, the checkpoint
  // timer, the count plans' timer, the corrections outbox and the alerts' sweep and delivery. On
  // a PostgreSQL ledger the hub joins the hubs sharing it: it takes its share of the broker's
  // messages, and everything from the settle timer on starts once it holds the lease of
  // reconciliation (hub/cluster/membership.hpp), which also makes it publish task lists and
  // catalogs and apply what every hub stored.
  // `on_ready` runs once, on the first connection, after the hub's subscriptions were sent.
  void start(std::function<void()> on_ready);

  // On a PostgreSQL ledger: `lost` runs when this hub held the lease of reconciliation and lost
  // it (it stalled past the lease, or the database was out of reach that long). What it
  // remembers of the owner's work is then stale: the caller should shut down, and be started
  // again (systemd) as one of the hubs that only store and ack until they get the lease.
  void on_lease_lost(std::function<void(const std::string& why)> lost) { lease_lost_ = std::move(lost); }

  // One line for systemd's STATUS=: "broker connected, 12 batches ingested, 0 queued" while the
  // broker link is up, "broker down, retrying, ..." while it is not.
  std::string status_line() const;

  // The routes the HTTP server serves, for callers that route requests without a socket (the API
  // fuzzer); handle() only on the io_context's thread, as the server calls it.
  const Router& router() const { return router_; }

  // The bound HTTP address (its real port when 0 was asked for), if HTTP is served.
  std::optional<HostPort> http_address() const;

  // Stops orderly: stops the alerts and the corrections outbox (waiting for the delivery running), commits and
  // answers every message received, signs a last checkpoint if the
  // chain moved, waits up to reply_grace for the
  // broker to take those answers, disconnects, and closes the HTTP server and its connections.
  // `done` runs on the io_context afterwards. Call once.
  void shutdown(std::function<void()> done);

  // Stops at once for a ledger found damaged (Ledger::damaged()): drops what ingest holds
  // unanswered, stops the timers, feeds and deliveries, disconnects from the broker and closes
  // the HTTP server, without a last commit, answer or audit checkpoint (nothing read from the
  // damaged file is signed or sent). `done` runs before this returns. Call once, instead of
  // shutdown().
  void halt(const std::function<void()>& done);

 private:
  HubDaemon(boost::asio::io_context& io, Ledger& ledger, HubOptions options, crypto::SigningKey signing_key,
            std::unique_ptr<CatalogStore> catalog, std::unique_ptr<reconcile::CatalogSnapshot> catalog_view,
            reconcile::Reconciler reconciler, reconcile::SqliteQueries queries, auth::TokenStore tokens,
            auth::SessionStore sessions);
  void finish_shutdown(std::chrono::steady_clock::time_point deadline, std::function<void()> done);
  // What shutdown() and halt() both stop first: alerts, outbox, live feed, settle and checkpoint timers.
  void stop_timers_and_feeds();
  // Sleeps until the next count is due (at most settle_poll), settles through writer_ if one is
  // due by then, and sleeps again; until shutdown. `held`: the count due waits for messages not
  // stored yet (Ingest::judge_through), which ingest judges when it applies them; the timer
  // then sleeps settle_poll.
  void arm_settle_timer(bool held = false);
  // Signs the chain's head unless it is the one signed last, publishes it and writes it to the
  // checkpoint directory, if any. Failures are logged and retried at the next tick.
  void checkpoint();
  void arm_checkpoint_timer();
  // Publishes to live_ what a commit changed: each discrepancy, the tasks of each site and each
  // device whose shown status changed.
  void publish_live(const CommitChanges& changes);
  void publish_devices(const std::vector<std::string>& touched);
  // What only the owner of reconciliation does, or the only hub: the timers, plans, outbox,
  // alerts, and sending task lists and catalogs.
  void start_owner_work();
  bool owns_reconciliation() const { return !membership_ || membership_->owner(); }
  // The catalog for reconciliation again, and on the owner sent to the floor, if its version
  // moved since this hub last read it (an import here or on another hub).
  void follow_catalog();
  // Once the ledger's connection was made again: every device is told what the ledger holds of
  // it. After a failover to a standby that lagged, that is less than the hub acked, and the
  // devices send the rest again (docs/protocol.md §6.3) even if they record nothing new.
  void follow_reconnections();
  // On the owner, once this connection's records of what was published were read back: raises
  // what the ledger lost above them, then sends every catalog and the task lists due.
  void publish_to_floor();
  // The same for what the floor was sent: a ledger that went back in time may hold older catalog
  // and task-list versions than devices have taken, and devices ignore a version they have seen,
  // so what is sent next would not reach them. On the owner, raises each one above what was
  // published (by this hub, or by any before it: the records read back from the broker) and
  // sends it again, as a restore does (docs/operations.md). Errors go to stderr.
  void carry_published_versions();
  Result<void> raise_to_published();

  Ledger& ledger_;
  HubOptions options_;
  HybridLogicalClock clock_;
  crypto::SigningKey signing_key_;  // signs catalogs, task lists and audit checkpoints; before catalogs_ and tasks_
  mqtt::Link link_;
  PublishedVersions published_;                       // after link_ and signing_key_, which it holds
  std::unique_ptr<CatalogStore> catalog_;             // before catalogs_ and router_, which hold it
  std::unique_ptr<channels::ChannelStore> channels_;  // before router_, which holds it
  std::optional<UnknownBarcodes> unknown_;            // set by create(); before ingest_ and router_, which hold it
  CatalogPublisher catalogs_;
  // What the reconciler knows of the catalog, refreshed after each import; before reconciler_,
  // which holds it.
  std::unique_ptr<reconcile::CatalogSnapshot> catalog_view_;
  reconcile::Reconciler reconciler_;  // before ingest_, which holds it
  reconcile::SqliteQueries queries_;  // the routes' reads; before router_
  TaskListPublisher tasks_;           // before ingest_ and writer_, which hold it
  Ingest ingest_;
  HubWriter writer_;  // the operator's writes, imports and the settle timer
  // Read per request, so a token recountctl creates or revokes while the hub runs counts at once.
  auth::TokenStore tokens_;
  auth::SessionStore sessions_;  // the console's logins, resumed per request like tokens
  auth::LoginThrottle login_throttle_;
  LiveFeed live_;               // the console's live events; before router_ and http_, which hold it
  DeviceChanges live_devices_;  // what the live feed last sent of each device
  Router router_;
  std::unique_ptr<HttpServer> http_;
  boost::asio::steady_timer grace_timer_;
  boost::asio::steady_timer settle_timer_;
  boost::asio::steady_timer checkpoint_timer_;
  std::optional<CheckpointDirectory> checkpoint_directory_;
  std::unique_ptr<channels::CorrectionOutbox> outbox_;  // set by create()
  std::unique_ptr<alerts::AlertEngine> alerts_;         // set by create()
  std::unique_ptr<PlanFeed> plans_;                     // set by create()
  std::unique_ptr<cluster::Membership> membership_;     // on PostgreSQL; set by create()
  std::function<void(const std::string&)> lease_lost_;
  std::uint64_t catalog_version_ = 0;       // the version catalog_view_ holds
  std::uint64_t ledger_reconnections_ = 0;  // the ledger's, when this hub last told the devices
  // Polls that fail on every try while the database is away: said once, then once a minute.
  RepeatedFailure catalog_failures_{"recount-hub: catalog version"};
  RepeatedFailure settle_failures_{"recount-hub: settle timer"};
  std::int64_t checkpointed_id_ = 0;  // the entry the last checkpoint signed; 0: none yet
  bool stopping_ = false;
};

}  // namespace recount::hub
