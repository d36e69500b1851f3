// recount-hub: ingests device events over MQTT into the ledger and serves the HTTP API until
// SIGTERM or SIGINT, then stops orderly. Prints one "ready" line once it is connected.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/channels/outbox/corrections.hpp"
#include "hub/daemon/client_id.hpp"
#include "hub/daemon/data_dir_lock.hpp"
#include "hub/daemon/hub_daemon.hpp"
#include "hub/delivery/webhook.hpp"
#include "hub/http/address.hpp"
#include "hub/ledger/ledger.hpp"
#include "shared/core/memory.hpp"
#include "shared/storage/clean_close.hpp"
#include "shared/systemd/notify.hpp"

namespace {

int fail(const std::string& message) {
  std::cerr << "recount-hub: " << message << '\n';
  return 1;
}

// Opens the hub's ledger (Ledger::open_hub). A PostgreSQL server that does not answer (down,
// starting up, recovering: kUnavailable) is waited for rather than failed on: a restart or
// failover of the database takes seconds to minutes, and systemd gives up restarting a service
// that fails five times in ten seconds. It tries every 2 s, says so at the first try and then
// every minute, and extends systemd's start timeout meanwhile. Returns no ledger when SIGINT or
// SIGTERM came while it waited (`signals` keeps a signal that comes while it does not).
recount::Result<std::optional<recount::hub::Ledger>> open_ledger(
    boost::asio::io_context& io, boost::asio::signal_set& signals, const recount::systemd::NotifySocket& notify,
    const std::string& data_dir, const std::string& ledger_url, recount::storage::StartCheck check) {
  using namespace std::chrono_literals;
  constexpr auto kRetryEvery = 2s;
  constexpr auto kSayEvery = 60s;
  const auto waiting_since = std::chrono::steady_clock::now();
  auto said_at = waiting_since - kSayEvery;
  for (int tries = 1;; ++tries) {
    auto ledger = recount::hub::Ledger::open_hub(data_dir, ledger_url, recount::system_wall_clock(), check);
    const auto waited = std::chrono::steady_clock::now() - waiting_since;
    if (ledger || ledger.error().code != recount::ErrorCode::kUnavailable || ledger_url.empty()) {
      if (ledger && tries > 1) {
        std::cerr << "recount-hub: the ledger answered after " << std::chrono::duration<double>(waited).count() << " s"
                  << std::endl;
      }
      if (!ledger) return ledger.error();
      return std::optional<recount::hub::Ledger>(std::move(*ledger));
    }
    const std::string reason = ledger.error().describe();
    if (std::chrono::steady_clock::now() - said_at >= kSayEvery) {
      said_at = std::chrono::steady_clock::now();
      if (waited < kSayEvery) {
        std::cerr << "recount-hub: waiting for the ledger: " << reason << "; trying again every " << kRetryEvery.count()
                  << " s" << std::endl;
      } else {
        std::cerr << "recount-hub: still waiting for the ledger after "
                  << std::chrono::duration_cast<std::chrono::seconds>(waited).count() << " s: " << reason << std::endl;
      }
    }
    // Unsent without systemd; a manager that is not reading misses one of many.
    (void)notify.send("STATUS=waiting for the ledger: " + reason +
                      "\nEXTEND_TIMEOUT_USEC=" + std::to_string(std::chrono::microseconds(kRetryEvery * 5).count()));
    bool stop = false;
    boost::asio::steady_timer pause(io, kRetryEvery);
    signals.async_wait([&](const boost::system::error_code& error, int) {
      if (error) return;
      stop = true;
      pause.cancel();
    });
    pause.async_wait([&](const boost::system::error_code&) { signals.cancel(); });
    io.restart();
    io.run();
    io.restart();
    if (stop) return std::optional<recount::hub::Ledger>();
  }
}

// recount-hub's whole run; main() only turns an escaping exception into a message and exit 1.
int run(int argc, char** argv) {
  using namespace recount;
  CLI::App app{"recount-hub: the central ledger. Ingests device events over MQTT and serves the HTTP API."};
  std::string data_dir;
  hub::HubOptions options;
  std::string http;
  app.add_option("--data", data_dir,
                 "The hub's directory (created if missing): its database hub.db unless --ledger says otherwise, its "
                 "signing key, its MQTT client id, and import bodies while they arrive")
      ->required();
  std::string ledger_url;
  auto* ledger_option = app.add_option(
      "--ledger", ledger_url,
      "Keep the ledger in PostgreSQL instead of hub.db: postgresql://USER@HOST[:PORT]/DB or "
      "postgresql://USER@/DB?host=SOCKET_DIR; a password belongs in a pgpass file (PGPASSFILE, ~/.pgpass), not in "
      "the URL, which anyone on the machine can read in the process list. Primary and standby as "
      "postgresql://USER@HOST1,HOST2/DB?target_session_attrs=read-write: the hub follows a failover. A server "
      "that does not answer, or no server that takes writes, is waited for at start (docs/scale-out.md)");
  double lease_ttl_seconds = 6;
  app.add_option("--lease-ttl", lease_ttl_seconds,
                 "With --ledger, which several hubs may share: how long the lease of reconciliation lasts unless "
                 "renewed, so how soon another hub takes over from one that died (seconds; the hubs' clocks must "
                 "agree to well within it)")
      ->check(CLI::Range(1.0, 600.0))
      ->needs(ledger_option);
  app.add_option("--mqtt", options.mqtt_uri, "Broker URI: mqtts://HOST:PORT (TLS) or tcp://HOST:PORT")->required();
  auto& security = options.mqtt_security;
  std::string password_file;
  app.add_option("--mqtt-ca", security.ca_file,
                 "PEM CA certificates that signed the broker's (mqtts; default: the system's); its host name is "
                 "checked too");
  app.add_option("--mqtt-cert", security.cert_file, "Client certificate (PEM), for a certificate listener");
  app.add_option("--mqtt-key", security.key_file, "The client certificate's private key (PEM)");
  app.add_option("--mqtt-username", security.username, "Broker user name (docs/deployment-broker.md: recount-hub)");
  app.add_option("--mqtt-password-file", password_file, "File whose first line is the broker password");
  app.add_option("--http", http, "Serve the HTTP API on host:port (port 0: any free port); none: no API");
  app.add_option("--http-allowed-host", options.http_allowed_hosts,
                 "A host name (without port) that clients may use to reach the API besides the listen address, "
                 "e.g. behind a reverse proxy; repeatable");
  auto* certificate = app.add_option("--http-cert", options.http_certificate_file,
                                     "Serve the API over HTTPS with this certificate (PEM, chain first)");
  auto* key = app.add_option("--http-key", options.http_key_file, "The private key of --http-cert (PEM)");
  certificate->needs(key);
  key->needs(certificate);
  app.add_option("--policy", options.policy_file,
                 "Reconciliation policy (JSON, docs/reconciliation.md) to put in force; default: the one in force");
  std::string client_id;
  app.add_option("--client-id", client_id,
                 "MQTT client id of the hub (default: recount-hub-RANDOM, made once and kept in the data directory)");
  app.add_option("--max-unreconciled", options.ingest.max_unreconciled_events,
                 "While batches queue up, reconciliation may trail the acks by this many events (0: apply every "
                 "batch in the commit that stores it)")
      ->capture_default_str();
  std::string audit_checkpoints;
  app.add_option("--audit-checkpoints", audit_checkpoints,
                 "Also write the signed audit checkpoints to files in this directory (keep it outside --data, "
                 "ideally on another disk or machine; docs/api.md)");
  int checkpoint_seconds = 60;
  app.add_option("--audit-checkpoint-every", checkpoint_seconds,
                 "Sign the audit chain's head this often in seconds, when it moved (and at shutdown)")
      ->check(CLI::Range(1, 86'400))
      ->capture_default_str();
  std::int64_t plan_interval_ms = 60'000;
  app.add_option("--plan-interval", plan_interval_ms,
                 "Evaluate the count plans this often in milliseconds and send each site's changed planned counts "
                 "to its devices (docs/investigation.md, \"Count plans\")")
      ->check(CLI::Range(std::int64_t{10}, std::int64_t{86'400'000}))
      ->capture_default_str();
  // Durations with a unit (30s, 90m, 1h, 60d), kept in milliseconds.
  const auto duration = CLI::AsNumberWithUnit(
      std::map<std::string, std::int64_t>{{"ms", 1}, {"s", 1'000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}},
      CLI::AsNumberWithUnit::UNIT_REQUIRED);
  app.add_option("--max-clock-ahead", options.ingest.clock.max_ahead_ms,
                 "An event stamped this far after its arrival is flagged and reconciled at its arrival (default 1h)")
      ->transform(duration)
      ->check(CLI::PositiveNumber);
  app.add_option("--max-clock-behind", options.ingest.clock.max_behind_ms,
                 "An event stamped this far before its arrival is flagged and reconciled at its arrival (default 60d)")
      ->transform(duration)
      ->check(CLI::PositiveNumber);
  std::string outbox_dir;
  app.add_option("--outbox", outbox_dir,
                 "Write each correction to Shopify as an inventory import file (On hand (new)) into this directory "
                 "(created if missing; docs/corrections.md)");
  std::vector<std::string> correction_webhooks;
  app.add_option("--correction-webhook", correction_webhooks,
                 "SYSTEM=URL: POST each correction to SYSTEM as signed JSON to URL (http(s)://host:port/path); "
                 "repeatable, one per system");
  std::string webhook_secret_file;
  app.add_option("--webhook-secret-file", webhook_secret_file,
                 "File whose first line is the secret that signs webhooks (X-Recount-Signature); not readable by "
                 "others");
  auto& retry = options.outbox.retry;
  app.add_option("--webhook-attempts", retry.max_attempts, "Delivery attempts of a correction before it fails")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  std::int64_t backoff_ms = retry.first_delay_ms;
  std::int64_t backoff_max_ms = retry.max_delay_ms;
  std::int64_t webhook_timeout_ms = options.outbox.webhook_timeout.count();
  bool test_hang = false;
  app.add_flag("--test-hang-on-sigusr2", test_hang, "Tests of the systemd watchdog: SIGUSR2 blocks the event loop")
      ->group("");
  app.add_option("--webhook-backoff", backoff_ms,
                 "Wait after a failed delivery attempt, doubled after each further one (default 1s)")
      ->transform(duration)
      ->check(CLI::PositiveNumber);
  app.add_option("--webhook-backoff-max", backoff_max_ms, "The longest wait between attempts (default 5m)")
      ->transform(duration)
      ->check(CLI::PositiveNumber);
  app.add_option("--webhook-timeout", webhook_timeout_ms,
                 "How long one webhook attempt may take, connection to answer (default 10s)")
      ->transform(duration)
      ->check(CLI::PositiveNumber);
  std::string alert_webhook;
  app.add_option("--alert-webhook", alert_webhook,
                 "POST each alert as signed JSON to this URL (http(s)://host:port/path; docs/investigation.md)");
  std::string sendmail;
  app.add_option("--sendmail", sendmail,
                 "Send the alerts of rules with an email channel through this sendmail-compatible program "
                 "(run as PATH -t -i, the message on its standard input)");
  app.add_option("--mail-from", options.alerts.mail_from, "The From address of alert e-mails")->capture_default_str();
  std::int64_t alert_sweep_ms = options.alerts.sweep.count();
  app.add_option("--alert-sweep", alert_sweep_ms,
                 "Evaluate every alert rule (ages, offline devices) this often (default 1m)")
      ->transform(duration)
      ->check(CLI::PositiveNumber);
  auto start_check = storage::StartCheck::kInBackground;
  auto* check_option =
      app.add_option(
             "--check-at-start", start_check,
             "SQLite's integrity check of the ledger, which reads every page, after a stop that was not orderly "
             "(a crash, kill -9 or power cut): background (serve at once and check meanwhile; on damage stop "
             "acking and exit 1), after-crash (check before serving) or always (before serving, after every "
             "stop) (docs/storage.md)")
          ->transform(CLI::CheckedTransformer(
              std::map<std::string, storage::StartCheck>{{"background", storage::StartCheck::kInBackground},
                                                         {"after-crash", storage::StartCheck::kAfterUncleanClose},
                                                         {"always", storage::StartCheck::kAlways}}))
          ->default_str("background");
  // PostgreSQL keeps and checks its own files.
  check_option->excludes(ledger_option);
  CLI11_PARSE(app, argc, argv);
  options.alerts.sweep = std::chrono::milliseconds(alert_sweep_ms);
  if (!sendmail.empty()) options.alerts.sendmail = sendmail;
  retry.first_delay_ms = backoff_ms;
  retry.max_delay_ms = backoff_max_ms;
  options.outbox.webhook_timeout = std::chrono::milliseconds(webhook_timeout_ms);
  if (!outbox_dir.empty()) options.outbox.directory = outbox_dir;
  for (const auto& webhook : correction_webhooks) {
    const auto equals = webhook.find('=');
    const std::string system = webhook.substr(0, std::min(equals, webhook.size()));
    if (equals == std::string::npos || system.empty()) {
      return fail("--correction-webhook: must be SYSTEM=URL, e.g. shopify=https://example.com:443/hook (got '" +
                  webhook + "')");
    }
    if (!hub::channels::accepts_corrections(system)) {
      return fail("--correction-webhook: the system " + system + " takes no corrections (only shopify does)");
    }
    auto url = hub::delivery::parse_webhook_url("--correction-webhook", webhook.substr(equals + 1));
    if (!url) return fail(url.error().describe());
    if (!options.outbox.webhooks.emplace(system, std::move(*url)).second) {
      return fail("--correction-webhook: " + system + " is given twice");
    }
  }
  if (!alert_webhook.empty()) {
    auto url = hub::delivery::parse_webhook_url("--alert-webhook", alert_webhook);
    if (!url) return fail(url.error().describe());
    options.alerts.webhook = std::move(*url);
  }
  if (!options.outbox.webhooks.empty() || options.alerts.webhook) {
    if (webhook_secret_file.empty()) return fail("--webhook-secret-file: webhooks are signed: name the secret's file");
    auto secret = hub::delivery::read_webhook_secret("--webhook-secret-file", webhook_secret_file);
    if (!secret) return fail(secret.error().describe());
    options.outbox.webhook_secret = *secret;
    options.alerts.webhook_secret = std::move(*secret);
  }
  // Alert webhooks retry as correction webhooks do.
  options.alerts.retry = retry;
  options.alerts.webhook_timeout = options.outbox.webhook_timeout;
  // A test hook (docs/corrections.md): the hub kills itself at this point of a delivery.
  const char* failpoint = std::getenv("RECOUNT_HUB_FAILPOINT");
  const auto point = hub::channels::parse_outbox_failpoint(failpoint == nullptr ? "" : failpoint);
  if (!point) return fail(std::string("RECOUNT_HUB_FAILPOINT: no failpoint is named ") + failpoint);
  options.outbox.failpoint = *point;
  options.checkpoint_every = std::chrono::seconds(checkpoint_seconds);
  options.plan_interval = std::chrono::milliseconds(plan_interval_ms);
  options.cluster.lease_ttl = std::chrono::milliseconds(static_cast<std::int64_t>(lease_ttl_seconds * 1000));

  if (!audit_checkpoints.empty()) {
    std::error_code ignored;
    const auto inside = std::filesystem::weakly_canonical(audit_checkpoints, ignored);
    const auto data = std::filesystem::weakly_canonical(data_dir, ignored);
    const auto [end, _] = std::mismatch(data.begin(), data.end(), inside.begin(), inside.end());
    if (end == data.end()) {
      return fail("--audit-checkpoints " + audit_checkpoints +
                  " is inside the data directory: checkpoints must be kept where whoever can rewrite the "
                  "database cannot reach them");
    }
    options.audit_checkpoints = audit_checkpoints;
  }
  if (!http.empty()) {
    auto address = hub::parse_host_port("--http", http);
    if (!address) return fail(address.error().describe());
    options.http = *address;
  }
  if (!password_file.empty()) {
    auto password = mqtt::read_password_file(password_file);
    if (!password) return fail(password.error().describe());
    security.password = *password;
  }
  if (auto ok = mqtt::check_broker(options.mqtt_uri, security); !ok) return fail(ok.error().describe());
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  if (error) return fail("cannot create the data directory " + data_dir + ": " + error.message());
  auto lock = hub::DataDirLock::acquire(data_dir);
  if (!lock) return fail(lock.error().describe());
  if (client_id.empty()) {
    auto stored = hub::hub_client_id(data_dir);
    if (!stored) return fail(stored.error().describe());
    client_id = *stored;
  }
  options.client_id = client_id;
  auto notify = systemd::notify_settings_from_environment();
  if (!notify) return fail(notify.error().describe());
  auto notify_socket = systemd::NotifySocket::open(*notify);
  if (!notify_socket) return fail(notify_socket.error().describe());
  // Before the ledger: the ledger's background check posts its verdict to it from its own thread.
  boost::asio::io_context io;
  // From here on SIGINT and SIGTERM stop the hub orderly, also while it waits for its ledger.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  auto opened = open_ledger(io, signals, *notify_socket, data_dir, ledger_url, start_check);
  if (!opened) return fail(opened.error().describe());
  auto& ledger = *opened;
  if (!ledger) return 0;  // stopped while it waited
  if (const auto* file = ledger->sqlite(); file != nullptr) {
    // Whether the integrity check ran shows on every start: after an unclean stop it reads the whole file.
    std::cerr << "recount-hub: " << ledger->path().string()
              << (file->checked_at_open() ? " passed its integrity check"
                  : ledger->integrity_unverified()
                      ? " was not closed cleanly: integrity check running in the background"
                      : " was closed cleanly: integrity check skipped")
              << std::endl;
  } else {
    std::cerr << "recount-hub: the ledger is in " << ledger->name() << std::endl;
  }

  int exit_code = 0;
  {
    auto daemon = hub::HubDaemon::create(io, *ledger, data_dir, options);
    if (!daemon) return fail(daemon.error().describe());
    const auto api = (*daemon)->http_address();
    (*daemon)->start([&] {
      std::cout << "recount-hub ready mqtt=" << options.mqtt_uri << " http="
                << (api ? (options.http_certificate_file.empty() ? "http://" : "https://") + api->to_string()
                        : std::string("off"))
                << " data=" << data_dir << (ledger_url.empty() ? "" : " ledger=" + ledger->name()) << std::endl;
    });

    // Ready for systemd once the ledger is open, the API listens and the broker link started (up
    // or retrying): the "ready" line above waits for the broker, which a unit should not.
    systemd::ServiceNotifier notifier(
        io, std::move(*notify_socket), *notify,
        [&] {
          return (*daemon)->status_line() + (ledger->damaged()                ? ", hub.db failed its integrity check"
                                             : ledger->integrity_unverified() ? ", integrity check running"
                                                                              : "");
        },
        std::cerr);
    notifier.ready();

    bool stopping = false;
    // Exits 1, so systemd starts it again as a hub that only stores and acks until it gets the
    // lease again (docs/scale-out.md, "Several hubs").
    (*daemon)->on_lease_lost([&](const std::string&) {
      exit_code = 1;
      if (stopping) return;
      stopping = true;
      notifier.stopping();
      (*daemon)->shutdown([&] { io.stop(); });
    });
    signals.async_wait([&](const boost::system::error_code& waited, int) {
      if (waited || stopping) return;
      stopping = true;
      notifier.stopping();
      (*daemon)->shutdown([&] { io.stop(); });
    });
    // After an unclean stop: serving already, the check reads the whole file meanwhile. Damage found
    // stops the acks at once (Ledger::damaged(), on the check's thread); here the hub then says so
    // and exits 1 without a clean close, so systemd shows the failure and the next start checks
    // before it serves (the damage marker).
    if (ledger->integrity_unverified()) {
      const auto check_started = std::chrono::steady_clock::now();
      // check_started by value: this block has ended by the time the verdict is posted and read.
      ledger->check_in_background([&, check_started](const Result<void>& verdict) {
        boost::asio::post(io, [&, check_started, verdict] {
          const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - check_started).count();
          if (verdict) {
            std::cerr << "recount-hub: " << ledger->path().string() << " passed its integrity check in the background ("
                      << seconds << " s)" << std::endl;
            return;
          }
          std::cerr << "recount-hub: " << verdict.error().describe() << " (found by the integrity check after "
                    << seconds << " s in the background): stopped acking and exiting; the finding is kept in "
                    << storage::damage_marker(ledger->path()).string()
                    << " and the next start checks before it serves (docs/storage.md)" << std::endl;
          exit_code = 1;
          if (stopping) return;
          stopping = true;
          notifier.stopping();
          (*daemon)->halt([&] { io.stop(); });
        });
      });
    }
    const auto hang = systemd::arm_test_hang(io, test_hang ? systemd::TestHang::kOnSigusr2 : systemd::TestHang::kNone);
    io.run();
  }
  // The daemon, and every statement it prepared on the ledger, is gone: the ledger closes last.
  if (auto closed = hub::Ledger::close_cleanly(std::move(*ledger)); !closed) {
    std::cerr << "recount-hub: " << closed.error().describe() << " (the next start checks the ledger's integrity)"
              << std::endl;
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // Before Paho's threads start: the MQTT payloads they allocate are freed on the io_context's
  // thread, and with an arena per thread glibc kept ~21 MB of freed payloads resident under a
  // 1M-event backlog (issue 16, docs/performance.md, "The hub's RSS under a 1M-event backlog").
  recount::use_one_malloc_arena();
  // An MQTT payload (~39 KB for an agent's batch of 200 events) is allocated on Paho's thread,
  // copied, queued and freed on the io_context's after its commit, up to ~13 MB of them at once
  // under a backlog. Mapped apart, each goes back to the system when freed, instead of leaving
  // heap pages that only a trim gives back, and only where no smaller allocation made meanwhile
  // (the page cache's, the reconciler's) stayed (issue 16, docs/performance.md, "The hub's RSS
  // under a 1M-event backlog").
  recount::map_large_allocations_apart(std::size_t{32} * 1024);
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << "recount-hub: " << error.what() << std::endl;
  } catch (...) {
    std::cerr << "recount-hub: an unknown exception" << std::endl;
  }
  return 1;
}
