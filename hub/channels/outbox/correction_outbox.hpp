// Delivers the queued corrections (corrections.hpp) once each: as Shopify inventory import files
// into a directory (recount-hub --outbox DIR) and/or as signed webhooks (--correction-webhook
// SYSTEM=URL), on a worker thread, retrying with backoff, every attempt stored, every outcome
// recorded in a ledger write on the hub's io_context (docs/corrections.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/channels/outbox/corrections.hpp"
#include "hub/delivery/attempt_log.hpp"
#include "hub/delivery/retry_policy.hpp"
#include "hub/delivery/webhook.hpp"
#include "hub/delivery/worker.hpp"
#include "hub/ledger/ledger.hpp"
#include "shared/core/hlc.hpp"

namespace recount::hub::channels {

// Points where a test may have the hub killed (SIGKILL, as kill -9 does), to prove that a
// correction is delivered once across a crash: recount-hub reads it from $RECOUNT_HUB_FAILPOINT.
enum class OutboxFailpoint {
  kNone,
  kBeforeDelivery,  // "correction-before-delivery": committed and due, nothing written or sent yet
  kBeforeMarking,   // "correction-before-marking": the file written / the webhook answered, not yet recorded
};
// The names above; nullopt for any other text.
std::optional<OutboxFailpoint> parse_outbox_failpoint(std::string_view text);

struct OutboxOptions {
  std::optional<std::filesystem::path> directory;        // Shopify import files go here
  std::map<std::string, delivery::WebhookUrl> webhooks;  // system → where its corrections are POSTed
  std::string webhook_secret;                            // signs every webhook body
  delivery::RetryPolicy retry;
  std::chrono::milliseconds webhook_timeout{10'000};  // one attempt, connection to answer
  std::chrono::milliseconds poll{1'000};              // how often it looks for due corrections
  std::size_t batch = 16;                             // corrections per delivery round
  OutboxFailpoint failpoint = OutboxFailpoint::kNone;

  bool delivers() const { return directory.has_value() || !webhooks.empty(); }
};

// The JSON body a webhook receives for `record` (docs/corrections.md §Webhooks). Pure.
std::string correction_message(const CorrectionRecord& record);

// Not thread-safe: call it on `io`'s thread; the deliveries run on its own worker. `ledger` must
// outlive it; destroy it before `io` (it waits for the delivery running then).
class CorrectionOutbox {
 public:
  // Opens the attempt log (hub/delivery/attempt_log.hpp) and creates the directory, if any.
  // Errors: the attempt log's; kIo naming the directory when it cannot be created. Blocks.
  static Result<std::unique_ptr<CorrectionOutbox>> create(boost::asio::io_context& io, Ledger& ledger,
                                                          OutboxOptions options, WallClock wall = system_wall_clock());
  CorrectionOutbox(const CorrectionOutbox&) = delete;
  CorrectionOutbox& operator=(const CorrectionOutbox&) = delete;
  ~CorrectionOutbox();

  // Starts looking for due corrections: now, then every options.poll, and at wake(). Nothing is
  // delivered for a system without a channel (its corrections stay pending, listed).
  void start();
  // Looks now: a commit just queued corrections (or an operator retried one).
  void wake();
  // Stops looking and waits for the delivery running, whose outcome is then not recorded: the
  // next start delivers it again, once (files are found written, webhooks carry their key).
  void stop();

  // The systems it delivers to (those with a file or webhook channel), sorted.
  const std::vector<std::string>& systems() const { return systems_; }

 private:
  CorrectionOutbox(boost::asio::io_context& io, Ledger& ledger, OutboxOptions options, WallClock wall);
  void arm(std::chrono::milliseconds after);
  void look();
  // On the worker: delivers `due` through every channel each still lacks.
  std::vector<std::pair<DeliveryReport, std::vector<delivery::Attempt>>> deliver(
      const std::vector<CorrectionRecord>& due);
  delivery::Attempt write_file(const CorrectionRecord& record, std::optional<std::int64_t>& file_ms);
  // On the io_context: records a round's outcome in one ledger write.
  void record(const std::vector<std::pair<DeliveryReport, std::vector<delivery::Attempt>>>& outcomes);

  boost::asio::io_context& io_;
  Ledger& ledger_;
  OutboxOptions options_;
  WallClock wall_;
  std::vector<std::string> systems_;
  std::mt19937_64 jitter_;
  boost::asio::steady_timer timer_;
  bool running_ = false;
  bool in_flight_ = false;  // a round is on the worker; look() waits for it
  // Last: destroyed first, so the running delivery ends before the members it uses.
  std::unique_ptr<delivery::DeliveryWorker> worker_;
};

}  // namespace recount::hub::channels
