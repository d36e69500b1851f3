// Wiring and shutdown of recount-hub.
#include "hub/daemon/hub_daemon.hpp"

#include <algorithm>
#include <iostream>
#include <map>
#include <utility>

#include "hub/audit/checkpoint.hpp"
#include "hub/channels/outbox/corrections.hpp"
#include "hub/console/console_routes.hpp"
#include "hub/daemon/signing_key.hpp"
#include "hub/http/alert_routes.hpp"
#include "hub/http/api.hpp"
#include "hub/http/baseline_routes.hpp"
#include "hub/http/catalog_routes.hpp"
#include "hub/http/channel_routes.hpp"
#include "hub/http/claim_routes.hpp"
#include "hub/http/conflict_routes.hpp"
#include "hub/http/correction_routes.hpp"
#include "hub/http/drift_routes.hpp"
#include "hub/http/live_routes.hpp"
#include "hub/http/metrics_routes.hpp"
#include "hub/http/overview_routes.hpp"
#include "hub/http/plan_routes.hpp"
#include "hub/http/policy_routes.hpp"
#include "hub/http/reconcile_routes.hpp"
#include "hub/http/resolve_routes.hpp"
#include "hub/http/session_routes.hpp"
#include "hub/http/unknown_barcode_routes.hpp"
#include "hub/http/what_if_routes.hpp"

namespace recount::hub {
namespace {

// The tasks of a site the live feed sends after a commit changed them: the newest, where a new
// task is, and enough for the open ones of a busy site.
constexpr std::size_t kLiveTaskLimit = 100;

mqtt::LinkOptions link_options(const HubOptions& options) {
  mqtt::LinkOptions link;
  link.uri = options.mqtt_uri;
  link.security = options.mqtt_security;
  link.client_id = options.client_id;
  // A persistent session lets the broker hold the hub's messages across a hub restart; the
  // hub's own acks, not the broker's queue, are what guarantee delivery.
  link.clean_session = false;
  // The hub publishes an ack (and maybe a nack) per device per commit: with 50 devices that is
  // more than Paho's default window, and past its window Paho's send thread sleeps up to 1 s
  // per round (research/sync.md §0.5), long enough for agents to time out and resend.
  link.max_inflight = 1024;
  // Ingest bounds its own queue and pauses the link when it is full (IngestOptions); a small
  // window here keeps what the link hands over after the pause small too: while a commit runs,
  // messages wait here, ~39 KB each under a backlog, on top of the queue. 64 (~2.5 MB) and the
  // half of max_queued_bytes at which ingest takes messages again still make one full commit
  // (IngestOptions::max_bytes_per_commit), so the next one is full; 128 held ~2.5 MB more at the
  // hub's peak under a backlog (issue 16, docs/performance.md).
  link.max_pending_messages = 64;
  return link;
}

// Reads the catalog into the reconciler's view of it: every item once, each site's location classes.
Result<void> refresh(reconcile::CatalogSnapshot& view, storage::Connection& database) {
  reconcile::ItemTableBuilder items;
  auto read = read_items(database, [&items](protocol::CatalogItem&& item) {
    items.add(item.sku, item.unit_cost_cents, item.item_class);
    for (const auto& barcode : item.barcodes) items.add_pack(barcode.pack_qty);
  });
  if (!read) return read.error();
  auto sites = catalog_sites(database);
  if (!sites) return sites.error();
  for (const auto& site : *sites) {
    auto classes = read_location_classes(database, site);
    if (!classes) return classes.error();
    view.put_locations(site, std::move(*classes));
  }
  view.put_items(items.build());
  return {};
}

// Puts the policy in `file` in force, in one audited transaction, unless it already is.
Result<void> put_in_force(const std::filesystem::path& file, Ledger& ledger, reconcile::Reconciler& reconciler) {
  auto policy = reconcile::load_policy_file(file);
  if (!policy) return policy.error();
  auto current = reconciler.policy();
  if (!current) return current.error();
  if (*current == *policy) return {};
  auto write = ledger.begin_write();
  if (!write) return write.error();
  const std::int64_t now_ms = system_wall_clock()();
  auto effects = reconciler.set_policy(*policy, "recount-hub --policy " + file.string(), now_ms);
  if (!effects) return effects.error();
  if (auto ok = record_effects(*write, *effects, now_ms); !ok) return ok;
  return write->commit();
}

}  // namespace

HubDaemon::HubDaemon(boost::asio::io_context& io, Ledger& ledger, HubOptions options, crypto::SigningKey signing_key,
                     std::unique_ptr<CatalogStore> catalog, std::unique_ptr<reconcile::CatalogSnapshot> catalog_view,
                     reconcile::Reconciler reconciler, reconcile::SqliteQueries queries, auth::TokenStore tokens,
                     auth::SessionStore sessions)
    : ledger_(ledger),
      options_(std::move(options)),
      signing_key_(std::move(signing_key)),
      link_(io, link_options(options_)),
      published_(io, link_, signing_key_),
      catalog_(std::move(catalog)),
      catalogs_(link_, *catalog_, signing_key_, ledger.reader()),
      catalog_view_(std::move(catalog_view)),
      reconciler_(std::move(reconciler)),
      queries_(std::move(queries)),
      tasks_(io, link_, reconciler_, signing_key_),
      ingest_(io, link_, ledger, reconciler_, tasks_, clock_, system_wall_clock(), options_.ingest),
      writer_(ledger, reconciler_, tasks_),
      tokens_(std::move(tokens)),
      sessions_(std::move(sessions)),
      grace_timer_(io),
      settle_timer_(io),
      checkpoint_timer_(io) {
  add_api_routes(router_, ledger, ingest_, link_);
  add_conflict_routes(router_, ledger, writer_);
  // The channels' store opens after construction (create()); until then a detail has no figures.
  add_reconcile_routes(
      router_, queries_, system_wall_clock(),
      [this](const reconcile::DiscrepancyDetail& detail, nlohmann::json& body) -> Result<void> {
        if (!channels_) return {};
        if (auto ok = add_system_figures(*channels_, detail, body); !ok) return ok;
        return add_claims(*channels_, detail, body);
      },
      [this](const reconcile::Discrepancy& discrepancy, nlohmann::json& body) -> Result<void> {
        return channels_ ? add_latest_claim(*channels_, discrepancy, body) : Result<void>{};
      });
  add_baseline_routes(router_, writer_, ledger);
  add_resolve_routes(router_, writer_, reconciler_, queries_, system_wall_clock());
  add_policy_routes(router_, writer_, reconciler_, queries_);
  add_what_if_routes(router_, reconciler_, queries_, system_wall_clock());
  add_metrics_routes(router_, queries_);
  add_session_routes(router_, sessions_, tokens_, ledger, login_throttle_, system_wall_clock());
  add_live_routes(router_, live_);
  console::add_console_routes(router_, console::embedded_assets());
  add_overview_routes(router_, queries_, ledger, system_wall_clock());
  catalogs_.on_sending(
      [this](const std::string& site, std::uint64_t version) { published_.sending_catalog(site, version); });
  tasks_.on_sending([this](const std::string& site, std::int64_t version) { published_.sending_tasks(site, version); });
  ingest_.on_commit([this](const CommitChanges& changes) {
    publish_live(changes);
    if (alerts_) alerts_->observe(changes.discrepancies);
  });
  writer_.limit_judging([this](std::int64_t now_ms) { return ingest_.judge_through(now_ms); });
  writer_.on_commit([this](const CommitChanges& changes) {
    publish_live(changes);
    if (alerts_) alerts_->observe(changes.discrepancies);
    // A resolution may have queued corrections: deliver them now, not at the next poll.
    if (outbox_) outbox_->wake();
  });
}

void HubDaemon::publish_live(const CommitChanges& changes) {
  if (live_.streams() == 0) return;  // nobody watches: no reads
  const std::int64_t now_ms = system_wall_clock()();
  std::vector<std::int64_t> ids = changes.discrepancies;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (const std::int64_t id : ids) {
    auto detail = queries_.discrepancy(id);
    if (!detail) {
      std::cerr << "recount-hub: live feed: " << detail.error().describe() << std::endl;
      continue;
    }
    live_.publish("discrepancy", dump_json(discrepancy_json(detail->discrepancy, now_ms)));
  }
  for (const auto& site : changes.task_sites) {
    auto tasks = queries_.tasks(site, reconcile::TaskFilter::kAll, kLiveTaskLimit);
    if (!tasks) {
      std::cerr << "recount-hub: live feed: " << tasks.error().describe() << std::endl;
      continue;
    }
    for (const auto& task : *tasks) live_.publish("task", dump_json(task_json(task, now_ms)));
  }
  if (!changes.devices.empty()) publish_devices(changes.devices);
}

void HubDaemon::publish_devices(const std::vector<std::string>& touched) {
  // The fleet is tens of rows, read in one query: cheaper than a query per device touched.
  auto devices = ledger_.events().devices();
  if (!devices) {
    std::cerr << "recount-hub: live feed: " << devices.error().describe() << std::endl;
    return;
  }
  for (const DeviceSummary* device : live_devices_.changed(*devices, touched)) {
    live_.publish("device", device_json(*device));
  }
}

Result<std::unique_ptr<HubDaemon>> HubDaemon::create(boost::asio::io_context& io, Ledger& ledger,
                                                     const std::filesystem::path& data_dir, HubOptions options) {
  auto signing_key = load_signing_key(data_dir);
  if (!signing_key) return signing_key.error();
  const bool shared_ledger = ledger.database().dialect() == storage::Dialect::kPostgres;
  // Every hub on the ledger is one member of this group: the broker gives each message to one.
  if (shared_ledger) options.ingest.shared_group = "recount-hubs";
  auto opened_catalog = CatalogStore::open(ledger);
  if (!opened_catalog) return opened_catalog.error();
  auto catalog = std::make_unique<CatalogStore>(*opened_catalog);
  auto catalog_view = std::make_unique<reconcile::CatalogSnapshot>();
  if (auto ok = refresh(*catalog_view, ledger.database()); !ok) return ok.error();
  auto reconciler = reconcile::Reconciler::open(ledger.database(), *catalog_view);
  if (!reconciler) return reconciler.error();
  auto queries = reconcile::SqliteQueries::prepare(ledger.database());
  if (!queries) return queries.error();
  auto tokens = auth::TokenStore::open(ledger.database());
  if (!tokens) return tokens.error();
  auto sessions = auth::SessionStore::open(ledger.database());
  if (!sessions) return sessions.error();
  auto unknown = UnknownBarcodes::open(ledger);
  if (!unknown) return unknown.error();
  if (auto ok = channels::open_corrections(ledger); !ok) return ok.error();
  auto outbox = channels::CorrectionOutbox::create(io, ledger, options.outbox);
  if (!outbox) return outbox.error();
  if (options.policy_file) {
    if (auto ok = put_in_force(*options.policy_file, ledger, *reconciler); !ok) return ok.error();
  }
  std::optional<CheckpointDirectory> checkpoints;
  if (options.audit_checkpoints) {
    auto directory = CheckpointDirectory::open(*options.audit_checkpoints);
    if (!directory) return directory.error();
    checkpoints = std::move(*directory);
  }
  std::unique_ptr<HubDaemon> daemon(new HubDaemon(io, ledger, std::move(options), std::move(*signing_key),
                                                  std::move(catalog), std::move(catalog_view), std::move(*reconciler),
                                                  std::move(*queries), std::move(*tokens), std::move(*sessions)));
  daemon->checkpoint_directory_ = std::move(checkpoints);
  auto version = catalog_version(ledger.database());
  if (!version) return version.error();
  daemon->catalog_version_ = *version;
  if (shared_ledger) {
    auto membership = cluster::Membership::create(io, ledger, daemon->options_.client_id, system_wall_clock(),
                                                  daemon->options_.cluster);
    if (!membership) return membership.error();
    daemon->membership_ = std::move(*membership);
    daemon->ingest_.share_watermarks(*daemon->membership_);
    // Until this hub holds the lease it only stores, acks and serves the API.
    daemon->tasks_.set_publishing(false);
    daemon->ingest_.set_reconciling(false);
  }
  daemon->unknown_.emplace(std::move(*unknown));
  daemon->outbox_ = std::move(*outbox);
  auto plans = PlanFeed::create(io, ledger, *daemon->catalog_view_, daemon->reconciler_, daemon->tasks_,
                                system_wall_clock(), daemon->options_.plan_interval);
  if (!plans) return plans.error();
  daemon->plans_ = std::move(*plans);
  HubDaemon* self = daemon.get();
  auto alerts = alerts::AlertEngine::create(
      io, ledger, self->queries_, self->options_.alerts, [self](mqtt::Message message, mqtt::Link::Completion done) {
        self->link_.publish(std::move(message), mqtt::Qos::kAtLeastOnce, std::move(done));
      });
  if (!alerts) return alerts.error();
  self->alerts_ = std::move(*alerts);
  const auto publish_alert = [self](const alerts::Alert& alert) {
    self->live_.publish("alert", dump_json(alert_json(alert)));
  };
  self->alerts_->on_raised(publish_alert);
  add_alert_routes(self->router_, ledger, self->writer_, publish_alert);
  const auto catalog_changed = [self] { self->follow_catalog(); };
  add_catalog_routes(self->router_, *self->catalog_, catalog_changed);
  auto channels = channels::ChannelStore::open(ledger.database());
  if (!channels) return channels.error();
  self->channels_ = std::make_unique<channels::ChannelStore>(std::move(*channels));
  add_channel_routes(self->router_, self->writer_, ledger, *self->catalog_, *self->channels_, self->queries_,
                     connector_readers());
  add_claim_routes(self->router_, self->writer_, *self->channels_, self->reconciler_, self->queries_,
                   system_wall_clock());
  self->unknown_->on_change([self](const UnknownBarcode& entry) {
    self->live_.publish("unknown_barcode", dump_json(unknown_barcode_json(entry)));
  });
  self->ingest_.keep_unknown_barcodes(*self->unknown_);
  add_unknown_barcode_routes(self->router_, *self->unknown_, *self->catalog_, system_wall_clock(), catalog_changed);
  if (auto ok =
          add_drift_routes(self->router_, ledger.database(), *self->catalog_view_, self->queries_, system_wall_clock());
      !ok) {
    return ok.error();
  }
  if (auto ok =
          add_plan_routes(self->router_, ledger.database(), *self->catalog_view_, self->queries_, system_wall_clock());
      !ok) {
    return ok.error();
  }
  add_correction_routes(self->router_, ledger, self->writer_, [self] { self->outbox_->wake(); });
  if (daemon->options_.http) {
    HttpServerOptions http_options;
    http_options.allowed_hosts = daemon->options_.http_allowed_hosts;
    http_options.certificate_file = daemon->options_.http_certificate_file;
    http_options.key_file = daemon->options_.http_key_file;
    // The hub's directory: the disk the operator sized for the hub, not a small /tmp.
    http_options.upload_directory = data_dir;
    http_options.authenticate = [self](std::string_view token) { return self->tokens_.authenticate(token); };
    http_options.resume_session = [self](std::string_view id) {
      return self->sessions_.resume(id, system_wall_clock()());
    };
    auto server = HttpServer::listen(io, *daemon->options_.http, daemon->router_, http_options);
    if (!server) return server.error();
    daemon->http_ = std::move(*server);
  }
  return daemon;
}

std::string HubDaemon::status_line() const {
  const auto& counters = ingest_.counters();
  return (link_.connected() ? "broker connected, " : "broker down, retrying, ") + std::to_string(counters.batches) +
         " batches ingested, " + std::to_string(counters.queued) + " queued";
}

void HubDaemon::start(std::function<void()> on_ready) {
  if (http_) http_->start();
  link_.on_message([this](mqtt::Message message) {
    if (!published_.receive(message)) ingest_.deliver(std::move(message));
  });
  published_.start([this] { publish_to_floor(); }, [this] { carry_published_versions(); });
  link_.on_connected([this, on_ready = std::move(on_ready)]() mutable {
    published_.connected();
    ingest_.announce_cursors();
    if (on_ready) std::exchange(on_ready, nullptr)();
  });
  ingest_.start();
  link_.on_connect_failed(
      [](const std::string& reason) { std::cerr << "recount-hub: broker: " << reason << " (retrying)" << std::endl; });
  link_.start();
  if (!membership_) {
    start_owner_work();
    return;
  }
  membership_->start(cluster::MembershipCallbacks{
      [this] {
        std::cerr << "recount-hub: holds the lease of reconciliation: reconciles, and publishes task lists and "
                     "catalogs"
                  << std::endl;
        tasks_.set_publishing(true);
        if (link_.connected() && published_.read_back()) publish_to_floor();
        ingest_.set_reconciling(true);
        start_owner_work();
      },
      [this](const std::string& why) {
        std::cerr << "recount-hub: lost the lease of reconciliation: " << why << std::endl;
        if (lease_lost_) lease_lost_(why);
      },
      [this](bool owner) {
        follow_reconnections();
        follow_catalog();
        if (!owner) return;
        ingest_.follow();
        tasks_.follow_versions();
      }});
}

void HubDaemon::start_owner_work() {
  arm_settle_timer();
  arm_checkpoint_timer();
  plans_->start();
  outbox_->start();
  alerts_->start();
}

void HubDaemon::follow_reconnections() {
  const std::uint64_t made = ledger_.database().reconnections();
  if (made == ledger_reconnections_) return;
  ledger_reconnections_ = made;
  std::cerr << "recount-hub: connected to the ledger again: telling every device what it holds of it" << std::endl;
  ingest_.announce_cursors();
  carry_published_versions();
}

void HubDaemon::publish_to_floor() {
  if (!owns_reconciliation()) return;
  carry_published_versions();
  catalogs_.republish();
  tasks_.republish();
}

void HubDaemon::carry_published_versions() {
  if (!owns_reconciliation()) return;
  if (auto ok = raise_to_published(); !ok) {
    std::cerr << "recount-hub: catalog and task-list versions above those published: " << ok.error().describe()
              << std::endl;
  }
}

Result<void> HubDaemon::raise_to_published() {
  auto versions = reconciler_.task_list_versions();
  if (!versions) return versions.error();
  auto catalog = catalog_version(ledger_.database());
  if (!catalog) return catalog.error();
  std::map<std::string, std::int64_t> held;
  for (const auto& list : *versions) held.emplace(list.site, list.version);
  std::vector<std::string> raised;
  for (const auto& [site, published] : published_.sites()) {
    if (published.catalog > 0) catalogs_.sent_before(site);
    if (published.tasks > held[site]) raised.push_back(site);
  }
  const bool catalog_behind = *catalog < published_.catalog();
  if (raised.empty() && !catalog_behind) return {};
  auto write = ledger_.begin_write();
  if (!write) return write.error();
  for (const auto& site : raised) {
    if (auto ok = reconciler_.raise_task_list_version(site, published_.sites().at(site).tasks + 1); !ok) return ok;
  }
  if (catalog_behind) {
    if (auto ok = raise_catalog_version_to(ledger_.database(), published_.catalog() + 1); !ok) return ok;
  }
  if (auto ok = write->commit(); !ok) return ok;
  std::cerr << "recount-hub: the ledger holds older versions than were sent (" << raised.size() << " site task list(s)"
            << (catalog_behind ? ", the catalog" : "") << "): raised above them and sent again" << std::endl;
  for (const auto& site : raised) tasks_.changed(site);
  if (catalog_behind) follow_catalog();
  return {};
}

void HubDaemon::follow_catalog() {
  auto version = catalog_version(ledger_.database());
  if (!version) {
    catalog_failures_.failed(version.error().describe());
    return;
  }
  catalog_failures_.worked();
  if (*version == catalog_version_) return;
  if (auto ok = refresh(*catalog_view_, ledger_.database()); !ok) {
    std::cerr << "recount-hub: catalog for reconciliation: " << ok.error().describe() << std::endl;
    return;
  }
  catalog_version_ = *version;
  if (owns_reconciliation()) catalogs_.changed();
}

void HubDaemon::checkpoint() {
  auto head = ledger_.audit().head();
  if (!head) {
    std::cerr << "recount-hub: audit checkpoint: " << head.error().describe() << std::endl;
    return;
  }
  if (head->id == 0 || head->id == checkpointed_id_) return;
  const crypto::SigningKey& key = signing_key_;
  const std::string signed_checkpoint =
      sign_checkpoint(Checkpoint{head->id, head->hash, system_wall_clock()(), key.public_key().fingerprint()}, key);
  // Retained, so an auditor subscribing at any time gets the newest; the broker keeps a copy the
  // database's owner cannot rewrite.
  link_.publish(mqtt::Message{std::string(kCheckpointTopic), signed_checkpoint, true}, mqtt::Qos::kAtLeastOnce);
  if (checkpoint_directory_) {
    if (auto ok = checkpoint_directory_->write(head->id, signed_checkpoint); !ok) {
      std::cerr << "recount-hub: audit checkpoint: " << ok.error().describe() << std::endl;
      return;
    }
  }
  checkpointed_id_ = head->id;
}

void HubDaemon::arm_checkpoint_timer() {
  checkpoint_timer_.expires_after(options_.checkpoint_every);
  checkpoint_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || stopping_) return;
    checkpoint();
    arm_checkpoint_timer();
  });
}

void HubDaemon::arm_settle_timer(bool held) {
  auto wait = options_.settle_poll;
  auto next_due = reconciler_.next_due_ms();
  if (!next_due) {
    settle_failures_.failed(next_due.error().describe());
  } else {
    settle_failures_.worked();
  }
  if (next_due && *next_due && !held) {
    wait = std::clamp(std::chrono::milliseconds(**next_due - writer_.now_ms()), std::chrono::milliseconds(0), wait);
  }
  settle_timer_.expires_after(wait);
  settle_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || stopping_) return;
    follow_reconnections();
    // Ingest settles on every commit that catches up, so the timer has work only when no batch
    // came since a count's delay ended; one indexed read tells. While ingest works through a
    // backlog it judges as it goes, and the timer's write would apply the whole backlog at once:
    // also one other hubs stored since ingest last caught up, which follow() hands to ingest.
    ingest_.follow();
    auto due = reconciler_.next_due_ms();
    bool waits = false;
    if (!ingest_.catching_up() && due && *due && **due <= writer_.now_ms()) {
      auto through = ingest_.judge_through(writer_.now_ms());
      if (!through) std::cerr << "recount-hub: settle: " << through.error().describe() << std::endl;
      waits = !through || **due > *through;
      if (!waits) {
        if (auto ok = writer_.settle(options_.ingest.commit_time); !ok)
          std::cerr << "recount-hub: settle: " << ok.error().describe() << std::endl;
      }
    }
    arm_settle_timer(waits);
  });
}

std::optional<HostPort> HubDaemon::http_address() const {
  if (!http_) return std::nullopt;
  return http_->local_address();
}

void HubDaemon::stop_timers_and_feeds() {
  stopping_ = true;
  alerts_->stop();
  outbox_->stop();
  live_.close();  // the streams never end by themselves
  settle_timer_.cancel();
  checkpoint_timer_.cancel();
  published_.stop();
}

void HubDaemon::shutdown(std::function<void()> done) {
  stop_timers_and_feeds();
  ingest_.stop();
  plans_->stop();
  tasks_.stop();
  if (owns_reconciliation()) checkpoint();  // after the last commit; its publish goes out within the grace below
  // After the last commit: another hub takes over at once.
  if (membership_) membership_->stop();
  finish_shutdown(std::chrono::steady_clock::now() + options_.reply_grace, std::move(done));
}

void HubDaemon::halt(const std::function<void()>& done) {
  ingest_.halt();
  if (membership_) membership_->stop();
  stop_timers_and_feeds();
  plans_->stop();
  tasks_.stop();
  link_.stop();
  if (http_) http_->stop();
  done();
}

// Polls until the broker took the last acks or the grace ran out: Paho signals each PUBACK, not
// "all done", and disconnecting earlier would drop acks that are already committed.
void HubDaemon::finish_shutdown(std::chrono::steady_clock::time_point deadline, std::function<void()> done) {
  if (ingest_.counters().replies_in_flight > 0 && link_.connected() && std::chrono::steady_clock::now() < deadline) {
    grace_timer_.expires_after(std::chrono::milliseconds(10));
    grace_timer_.async_wait([this, deadline, done = std::move(done)](const boost::system::error_code&) mutable {
      finish_shutdown(deadline, std::move(done));
    });
    return;
  }
  link_.stop();
  if (http_) http_->stop();
  done();
}

}  // namespace recount::hub
