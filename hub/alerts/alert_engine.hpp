// Raises alerts from the policy's rules (docs/investigation.md, "Alerts") and delivers them: the
// hub tells it which discrepancies each commit changed, a periodic sweep catches the rules of age
// (awaiting approval for a day) and of devices offline, and the delivery outbox sends each alert
// as a signed webhook (on a worker thread, retried with backoff, every attempt stored), on the
// site's MQTT alert topic and by e-mail through a local sendmail.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/alerts/alert_store.hpp"
#include "hub/delivery/attempt_log.hpp"
#include "hub/delivery/retry_policy.hpp"
#include "hub/delivery/webhook.hpp"
#include "hub/delivery/worker.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/reconcile/queries.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/repeated_failure.hpp"
#include "shared/mqtt/link.hpp"

namespace recount::hub::alerts {

struct AlertOptions {
  std::optional<delivery::WebhookUrl> webhook;    // recount-hub --alert-webhook
  std::string webhook_secret;                     // signs every webhook body
  std::optional<std::filesystem::path> sendmail;  // recount-hub --sendmail: run as PATH -t -i
  std::string mail_from = "recount-hub@localhost";
  delivery::RetryPolicy retry;
  std::chrono::milliseconds webhook_timeout{10'000};
  std::chrono::milliseconds poll{1'000};    // how often it looks for due deliveries
  std::chrono::milliseconds sweep{60'000};  // how often every rule is evaluated afresh
  std::size_t batch = 16;                   // deliveries per round
};

// The topic an alert of `site` is published on (not retained): recount/v1/{site}/alerts.
std::string alert_topic(const std::string& site);

// The JSON document a webhook receives and the MQTT topic carries for `alert`. Pure.
std::string alert_message(const Alert& alert);

// The e-mail for `alert` to `to` from `from`, headers and body, as sendmail -t reads it. Pure.
std::string alert_mail(const Alert& alert, const std::string& from, const std::string& to);

// Publishes an MQTT message and calls back on the io_context (mqtt::Link::publish).
using Publish = std::function<void(mqtt::Message message, mqtt::Link::Completion done)>;

// Not thread-safe: call it on `io`'s thread; webhooks and e-mail go out on its own worker.
// `ledger` and `queries` must outlive it; destroy it before `io`.
class AlertEngine {
 public:
  // Opens the alerts tables and the attempt log. Errors: theirs (as storage::migrate). Blocks.
  static Result<std::unique_ptr<AlertEngine>> create(boost::asio::io_context& io, Ledger& ledger,
                                                     reconcile::Queries& queries, AlertOptions options, Publish publish,
                                                     WallClock wall = system_wall_clock());
  AlertEngine(const AlertEngine&) = delete;
  AlertEngine& operator=(const AlertEngine&) = delete;
  ~AlertEngine();

  // Starts the sweep (now, then every options.sweep) and the delivery rounds.
  void start();
  // Stops both and waits for the delivery running, whose outcome is then not recorded: the next
  // start delivers it again (webhooks carry their idempotency key).
  void stop();

  // Evaluates the discrepancy rules for `discrepancies` (ids a commit changed) after the current
  // handler returns, raising or releasing alerts in one ledger write. Safe to call from a commit
  // observer, which must not write.
  void observe(std::vector<std::int64_t> discrepancies);
  // Evaluates every rule against every active discrepancy and every device now, in one ledger
  // write, and looks for deliveries. Errors: the reads' and the write's.
  Result<void> sweep();
  // Looks for due deliveries now.
  void wake();
  // Runs `raised` on the io_context with each alert raised, after its commit (the live feed).
  void on_raised(std::function<void(const Alert&)> raised) { raised_ = std::move(raised); }

 private:
  AlertEngine(boost::asio::io_context& io, Ledger& ledger, reconcile::Queries& queries, AlertOptions options,
              Publish publish, WallClock wall);
  struct Round;
  Result<void> evaluate(const std::vector<reconcile::AlertRule>& rules,
                        const std::vector<reconcile::Discrepancy>& discrepancies, bool every_subject);
  void arm_sweep(std::chrono::milliseconds after);
  void arm_delivery(std::chrono::milliseconds after);
  void look();
  void publish_mqtt(const AlertDelivery& delivery, const Alert& alert);
  // On the worker: one attempt at each webhook and e-mail delivery of the round.
  void attempt(Round& round);
  void record(const Round& round);
  std::optional<std::int64_t> retry_at(std::int64_t attempts_made);

  boost::asio::io_context& io_;
  Ledger& ledger_;
  reconcile::Queries& queries_;
  AlertOptions options_;
  Publish publish_;
  WallClock wall_;
  std::function<void(const Alert&)> raised_;
  std::mt19937_64 jitter_;
  boost::asio::steady_timer sweep_timer_;
  boost::asio::steady_timer delivery_timer_;
  bool running_ = false;
  bool in_flight_ = false;  // a round is on the worker
  // Fails on every poll while the database is away: said once, then once a minute.
  RepeatedFailure poll_failures_{"recount-hub: alert delivery"};
  std::vector<std::int64_t> publishing_;  // MQTT deliveries waiting for their PUBACK
  // Last: destroyed first, so the running delivery ends before the members it uses.
  std::unique_ptr<delivery::DeliveryWorker> worker_;
};

// Runs `sendmail` -t -i with `message` on its standard input, waiting for it to exit. Returns ""
// when it exited 0, else what went wrong. Blocks (call it from a worker).
std::string run_sendmail(const std::filesystem::path& sendmail, const std::string& message);

}  // namespace recount::hub::alerts
