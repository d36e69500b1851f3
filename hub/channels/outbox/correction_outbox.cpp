// The corrections outbox's delivery: rounds on the worker, outcomes in ledger writes.
#include "hub/channels/outbox/correction_outbox.hpp"

#include <algorithm>
#include <csignal>
#include <iostream>
#include <utility>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "hub/channels/outbox/shopify_file.hpp"
#include "hub/delivery/attempt_log.hpp"
#include "shared/storage/atomic_file.hpp"

namespace recount::hub::channels {
namespace {

using Outcomes = std::vector<std::pair<DeliveryReport, std::vector<delivery::Attempt>>>;

// Files are written in Shopify's layout, so only Shopify's corrections go to the directory.
constexpr std::string_view kFileSystem = "shopify";

void stop_here(OutboxFailpoint armed, OutboxFailpoint point) {
  // SIGKILL, as kill -9: no handler, no flush, no orderly anything.
  if (armed == point) std::raise(SIGKILL);
}

}  // namespace

std::optional<OutboxFailpoint> parse_outbox_failpoint(std::string_view text) {
  if (text.empty()) return OutboxFailpoint::kNone;
  if (text == "correction-before-delivery") return OutboxFailpoint::kBeforeDelivery;
  if (text == "correction-before-marking") return OutboxFailpoint::kBeforeMarking;
  return std::nullopt;
}

std::string correction_message(const CorrectionRecord& record) {
  const Correction& correction = record.correction;
  const nlohmann::json body{{"v", 1},
                            {"type", "correction"},
                            {"id", record.id},
                            {"idempotency_key", record.idempotency_key},
                            {"system", correction.system},
                            {"site", correction.site},
                            {"location", correction.system_location},
                            {"sku", correction.sku},
                            {"on_hand", correction.on_hand},
                            {"discrepancy", correction.discrepancy_id},
                            {"cause", correction.cause},
                            {"created_ms", record.created_ms}};
  return body.dump();
}

Result<std::unique_ptr<CorrectionOutbox>> CorrectionOutbox::create(boost::asio::io_context& io, Ledger& ledger,
                                                                   OutboxOptions options, WallClock wall) {
  if (auto ok = delivery::open_attempt_log(ledger.database()); !ok) return ok.error();
  if (options.directory) {
    std::error_code error;
    std::filesystem::create_directories(*options.directory, error);
    if (error) {
      return Error{ErrorCode::kIo, "--outbox",
                   "cannot create the outbox directory " + options.directory->string() + ": " + error.message()};
    }
  }
  return std::unique_ptr<CorrectionOutbox>(new CorrectionOutbox(io, ledger, std::move(options), std::move(wall)));
}

CorrectionOutbox::CorrectionOutbox(boost::asio::io_context& io, Ledger& ledger, OutboxOptions options, WallClock wall)
    : io_(io),
      ledger_(ledger),
      options_(std::move(options)),
      wall_(std::move(wall)),
      jitter_(std::random_device{}()),
      timer_(io),
      worker_(std::make_unique<delivery::DeliveryWorker>()) {
  if (options_.directory) systems_.emplace_back(kFileSystem);
  for (const auto& [system, url] : options_.webhooks) systems_.push_back(system);
  std::sort(systems_.begin(), systems_.end());
  systems_.erase(std::unique(systems_.begin(), systems_.end()), systems_.end());
}

CorrectionOutbox::~CorrectionOutbox() { stop(); }

void CorrectionOutbox::start() {
  if (systems_.empty()) return;
  running_ = true;
  arm(std::chrono::milliseconds(0));
}

void CorrectionOutbox::wake() {
  if (running_ && !in_flight_) arm(std::chrono::milliseconds(0));
}

void CorrectionOutbox::stop() {
  running_ = false;
  timer_.cancel();
  worker_->stop();
}

void CorrectionOutbox::arm(std::chrono::milliseconds after) {
  timer_.expires_after(after);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error && running_) look();
  });
}

void CorrectionOutbox::look() {
  if (in_flight_) return;
  auto due = due_corrections(ledger_.database(), systems_, wall_(), options_.batch);
  if (!due) {
    std::cerr << "recount-hub: corrections outbox: " << due.error().describe() << std::endl;
    arm(options_.poll);
    return;
  }
  if (due->empty()) {
    arm(options_.poll);
    return;
  }
  in_flight_ = true;
  worker_->submit([this, due = std::move(*due)] {
    auto outcomes = deliver(due);
    stop_here(options_.failpoint, OutboxFailpoint::kBeforeMarking);
    boost::asio::post(io_, [this, outcomes = std::move(outcomes)] {
      in_flight_ = false;
      if (!running_) return;
      record(outcomes);
      arm(std::chrono::milliseconds(0));  // more may be due
    });
  });
}

delivery::Attempt CorrectionOutbox::write_file(const CorrectionRecord& record, std::optional<std::int64_t>& file_ms) {
  const auto path = *options_.directory / correction_file_name(record);
  delivery::Attempt attempt{"correction", record.id, "file", path.string(), wall_(), 0, 0, "delivered", ""};
  std::error_code error;
  // Found written: an earlier run wrote it and died before recording it. Writing it again would
  // hand a second file to whoever already took the first away.
  if (!std::filesystem::exists(path, error)) {
    if (auto ok = storage::write_file_atomically(path, shopify_inventory_import(record), storage::kWorldReadable);
        !ok) {
      attempt.outcome = "retry";
      attempt.error = ok.error().describe();
    }
  }
  attempt.finished_ms = wall_();
  if (attempt.error.empty()) file_ms = attempt.finished_ms;
  return attempt;
}

Outcomes CorrectionOutbox::deliver(const std::vector<CorrectionRecord>& due) {
  stop_here(options_.failpoint, OutboxFailpoint::kBeforeDelivery);
  Outcomes outcomes;
  for (const CorrectionRecord& record : due) {
    DeliveryReport report;
    report.id = record.id;
    std::vector<delivery::Attempt> attempts;
    bool refused = false;
    const bool wants_file = options_.directory && record.correction.system == kFileSystem;
    if (wants_file && record.file_ms == 0) {
      attempts.push_back(write_file(record, report.file_ms));
      if (!report.file_ms) report.error = attempts.back().error;
    }
    const auto webhook = options_.webhooks.find(record.correction.system);
    const bool wants_webhook = webhook != options_.webhooks.end();
    if (wants_webhook && record.webhook_ms == 0) {
      const auto result = delivery::post_webhook(webhook->second, options_.webhook_secret, record.idempotency_key,
                                                 correction_message(record), options_.webhook_timeout, wall_);
      attempts.push_back(delivery::Attempt{"correction", record.id, "webhook", webhook->second.text, result.started_ms,
                                           result.finished_ms, result.status,
                                           std::string(delivery::to_string(result.outcome)), result.error});
      if (result.outcome == delivery::AttemptOutcome::kDelivered) {
        report.webhook_ms = result.finished_ms;
      } else {
        report.error = result.error;
        refused = result.outcome == delivery::AttemptOutcome::kRefused;
      }
    }
    report.complete = (!wants_file || record.file_ms != 0 || report.file_ms) &&
                      (!wants_webhook || record.webhook_ms != 0 || report.webhook_ms);
    if (!report.complete && !refused) {
      const auto delay = delivery::retry_delay_ms(options_.retry, record.attempts + 1, jitter_());
      if (delay) report.retry_at_ms = wall_() + *delay;
    }
    outcomes.emplace_back(std::move(report), std::move(attempts));
  }
  return outcomes;
}

void CorrectionOutbox::record(const Outcomes& outcomes) {
  auto write = ledger_.begin_write();
  Result<void> ok = write ? Result<void>(Ok{}) : Result<void>(write.error());
  for (const auto& [report, attempts] : outcomes) {
    for (const auto& attempt : attempts) {
      if (ok) ok = delivery::record_attempt(write->database(), attempt);
    }
    if (ok) ok = record_delivery(*write, report, wall_());
  }
  if (ok) ok = write->commit();
  // Not recorded: the round is done again (files are found written, webhooks carry their key).
  if (!ok) std::cerr << "recount-hub: corrections outbox: " << ok.error().describe() << std::endl;
}

}  // namespace recount::hub::channels
