// The corrections outbox's delivery on a real io_context and SQLite file, against a real loopback
// webhook receiver: files written once, webhooks signed and retried with backoff, failures
// visible and retryable, every attempt stored, and the io_context free while a receiver is slow.
#include "hub/channels/outbox/correction_outbox.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "hub/channels/outbox/shopify_file.hpp"
#include "hub/delivery/attempt_log.hpp"
#include "shared/storage/atomic_file.hpp"
#include "tests/hub/ledger_fixtures.hpp"
#include "tests/support/mqtt_fixtures.hpp"
#include "tests/support/webhook_receiver.hpp"

namespace recount::hub::channels {
namespace {

constexpr const char* kSecret = "webhook-secret";

Correction shopify(std::int64_t on_hand, std::string sku = "SKU-1") {
  return Correction{"shopify", "site-1", "Main Store", std::move(sku), on_hand, 3, "correct-system"};
}

struct Delivery : testing::LedgerFixture {
  boost::asio::io_context io;
  std::filesystem::path outbox_dir = dir / "outbox";
  std::unique_ptr<CorrectionOutbox> outbox;

  Delivery() { REQUIRE(open_corrections(ledger).has_value()); }

  OutboxOptions options() {
    OutboxOptions options;
    options.retry = delivery::RetryPolicy{20, 100, 4};
    options.poll = std::chrono::milliseconds(20);
    options.webhook_timeout = std::chrono::seconds(10);
    options.webhook_secret = kSecret;
    return options;
  }
  void start(OutboxOptions options) {
    auto created = CorrectionOutbox::create(io, ledger, std::move(options));
    REQUIRE_MESSAGE(created.has_value(), (created ? "" : created.error().describe()));
    outbox = std::move(*created);
    outbox->start();
  }
  static void add_webhook(OutboxOptions& options, const testing::WebhookReceiver& receiver) {
    options.webhooks.emplace("shopify", delivery::parse_webhook_url("test", receiver.url()).value());
  }
  std::int64_t enqueue(const Correction& correction) {
    auto write = ledger.begin_write().value();
    const auto id = enqueue_correction(write, correction, system_wall_clock()()).value();
    REQUIRE(write.commit().has_value());
    if (outbox) outbox->wake();
    return id;
  }
  CorrectionRecord get(std::int64_t id) { return find_correction(ledger.database(), id).value().value(); }
  bool reaches(std::int64_t id, CorrectionState state) {
    return testing::run_until(io, [&] { return get(id).state == state; });
  }
  std::vector<delivery::Attempt> attempts(std::int64_t id) {
    return delivery::list_attempts(ledger.database(), "correction", id).value();
  }
  std::size_t files() {
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(outbox_dir)) count += entry.is_regular_file() ? 1 : 0;
    return count;
  }
};

TEST_CASE("a Shopify correction is written once as an inventory import file and recorded delivered") {
  Delivery hub;
  auto options = hub.options();
  options.directory = hub.outbox_dir;
  hub.start(options);
  const auto id = hub.enqueue(shopify(12));
  REQUIRE(hub.reaches(id, CorrectionState::kDelivered));
  const auto record = hub.get(id);
  CHECK(record.file_ms != 0);
  CHECK(record.webhook_ms == 0);
  CHECK(record.attempts == 1);
  const auto file = hub.outbox_dir / correction_file_name(record);
  CHECK(storage::read_whole_file(file).value() == shopify_inventory_import(record));
  CHECK(hub.files() == 1);
  const auto attempts = hub.attempts(id);
  REQUIRE(attempts.size() == 1);
  CHECK(attempts[0].channel == "file");
  CHECK(attempts[0].target == file.string());
  CHECK(attempts[0].outcome == "delivered");
  // Delivered corrections are never handed out again, so no second file.
  hub.enqueue(shopify(5, "SKU-2"));
  REQUIRE(testing::run_until(hub.io, [&] { return hub.files() == 2; }));
  hub.io.restart();
  hub.io.run_for(std::chrono::milliseconds(100));
  CHECK(hub.files() == 2);
}

TEST_CASE("a file found written by a run that died before recording it is recorded, not written again") {
  Delivery hub;
  const auto id = hub.enqueue(shopify(12));
  std::filesystem::create_directories(hub.outbox_dir);
  const auto file = hub.outbox_dir / correction_file_name(hub.get(id));
  REQUIRE(storage::write_file_atomically(file, "written before the crash\n", storage::kWorldReadable).has_value());
  auto options = hub.options();
  options.directory = hub.outbox_dir;
  hub.start(options);
  REQUIRE(hub.reaches(id, CorrectionState::kDelivered));
  CHECK(storage::read_whole_file(file).value() == "written before the crash\n");
  CHECK(hub.files() == 1);
}

TEST_CASE("a webhook that fails twice is retried with backoff and delivered on the third attempt, one key, signed") {
  Delivery hub;
  testing::WebhookReceiver receiver(kSecret,
                                    [](std::size_t index) { return testing::WebhookReply{index < 2 ? 503U : 200U}; });
  auto options = hub.options();
  Delivery::add_webhook(options, receiver);
  hub.start(options);
  const auto id = hub.enqueue(shopify(12));
  REQUIRE(hub.reaches(id, CorrectionState::kDelivered));
  const auto record = hub.get(id);
  CHECK(record.attempts == 3);
  CHECK(record.webhook_ms != 0);
  CHECK(record.file_ms == 0);
  const auto received = receiver.received();
  REQUIRE(received.size() == 3);
  for (const auto& request : received) {
    CHECK(request.signature_valid);
    CHECK(request.idempotency_key == record.idempotency_key);
    CHECK(request.body == correction_message(record));
  }
  const auto body = nlohmann::json::parse(received[0].body);
  CHECK(body["on_hand"] == 12);
  CHECK(body["sku"] == "SKU-1");
  CHECK(body["location"] == "Main Store");
  CHECK(body["discrepancy"] == 3);
  const auto attempts = hub.attempts(id);
  REQUIRE(attempts.size() == 3);
  CHECK(attempts[0].outcome == "retry");
  CHECK(attempts[0].status == 503);
  CHECK(attempts[0].error.find("HTTP 503") == 0);
  CHECK(attempts[1].outcome == "retry");
  CHECK(attempts[2].outcome == "delivered");
  CHECK(attempts[2].status == 200);
  // The backoff: each retry waited at least the upper half of its delay after the failure.
  CHECK(attempts[1].started_ms >= attempts[0].finished_ms + 10);
  CHECK(attempts[2].started_ms >= attempts[1].finished_ms + 20);
}

TEST_CASE("a correction whose attempts run out is failed with its last error, and retry delivers it") {
  Delivery hub;
  std::atomic<bool> healthy{false};
  testing::WebhookReceiver receiver(kSecret, [&](std::size_t) { return testing::WebhookReply{healthy ? 200U : 500U}; });
  auto options = hub.options();
  Delivery::add_webhook(options, receiver);
  hub.start(options);
  const auto id = hub.enqueue(shopify(12));
  REQUIRE(hub.reaches(id, CorrectionState::kFailed));
  CHECK(hub.get(id).attempts == 4);
  CHECK(hub.get(id).last_error.find("HTTP 500") == 0);
  CHECK(receiver.received().size() == 4);
  healthy = true;
  {
    auto write = hub.ledger.begin_write().value();
    REQUIRE(retry_correction(write, id, "ops", system_wall_clock()()).has_value());
    REQUIRE(write.commit().has_value());
  }
  hub.outbox->wake();
  REQUIRE(hub.reaches(id, CorrectionState::kDelivered));
  CHECK(receiver.received().size() == 5);
  CHECK(hub.attempts(id).size() == 5);
}

TEST_CASE("a webhook that refuses the correction fails it at once, without retrying") {
  Delivery hub;
  testing::WebhookReceiver receiver(kSecret, [](std::size_t) { return testing::WebhookReply{422}; });
  auto options = hub.options();
  Delivery::add_webhook(options, receiver);
  hub.start(options);
  const auto id = hub.enqueue(shopify(12));
  REQUIRE(hub.reaches(id, CorrectionState::kFailed));
  CHECK(hub.get(id).attempts == 1);
  CHECK(receiver.received().size() == 1);
  CHECK(hub.attempts(id).at(0).outcome == "refused");
}

TEST_CASE("with a file and a webhook, a failing webhook retries only the webhook: still one file") {
  Delivery hub;
  testing::WebhookReceiver receiver(kSecret,
                                    [](std::size_t index) { return testing::WebhookReply{index < 1 ? 503U : 200U}; });
  auto options = hub.options();
  options.directory = hub.outbox_dir;
  Delivery::add_webhook(options, receiver);
  hub.start(options);
  const auto id = hub.enqueue(shopify(12));
  REQUIRE(hub.reaches(id, CorrectionState::kDelivered));
  CHECK(hub.files() == 1);
  const auto attempts = hub.attempts(id);
  REQUIRE(attempts.size() == 3);
  CHECK(attempts[0].channel == "file");
  CHECK(attempts[1].channel == "webhook");
  CHECK(attempts[2].channel == "webhook");
}

TEST_CASE("while a receiver is slow the io_context keeps serving, and the answer then delivers the correction") {
  Delivery hub;
  testing::WebhookReceiver receiver(kSecret, [](std::size_t) { return testing::WebhookReply{200, true}; });
  auto options = hub.options();
  Delivery::add_webhook(options, receiver);
  hub.start(options);
  const auto id = hub.enqueue(shopify(12));
  REQUIRE(testing::run_until(hub.io, [&] { return receiver.held() == 1; }));
  // The delivery is held on the worker; the io_context still runs timers and ledger writes.
  bool timer_ran = false;
  boost::asio::steady_timer timer(hub.io, std::chrono::milliseconds(1));
  timer.async_wait([&](const boost::system::error_code&) { timer_ran = true; });
  REQUIRE(testing::run_until(hub.io, [&] { return timer_ran; }));
  const auto other = hub.enqueue(shopify(4, "SKU-2"));
  CHECK(hub.get(id).state == CorrectionState::kPending);
  CHECK(receiver.held() == 1);
  receiver.release();
  REQUIRE(hub.reaches(id, CorrectionState::kDelivered));
  REQUIRE(hub.reaches(other, CorrectionState::kDelivered));
}

TEST_CASE("a webhook that does not answer in time is retried, and the timeout is the stored error") {
  Delivery hub;
  testing::WebhookReceiver receiver(kSecret, [](std::size_t index) { return testing::WebhookReply{200, index == 0}; });
  auto options = hub.options();
  options.webhook_timeout = std::chrono::milliseconds(200);
  Delivery::add_webhook(options, receiver);
  hub.start(options);
  const auto id = hub.enqueue(shopify(12));
  REQUIRE(hub.reaches(id, CorrectionState::kDelivered));
  receiver.release();
  const auto attempts = hub.attempts(id);
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[0].error.find("no answer within 200 ms") != std::string::npos);
  CHECK(attempts[1].outcome == "delivered");
}

TEST_CASE("corrections of a system without a channel stay pending") {
  Delivery hub;
  hub.start(hub.options());  // no directory, no webhook
  CHECK(hub.outbox->systems().empty());
  const auto id = hub.enqueue(shopify(12));
  hub.io.run_for(std::chrono::milliseconds(100));
  CHECK(hub.get(id).state == CorrectionState::kPending);
  CHECK(hub.attempts(id).empty());
}

TEST_CASE("only the named failpoints are accepted") {
  CHECK(parse_outbox_failpoint("") == OutboxFailpoint::kNone);
  CHECK(parse_outbox_failpoint("correction-before-delivery") == OutboxFailpoint::kBeforeDelivery);
  CHECK(parse_outbox_failpoint("correction-before-marking") == OutboxFailpoint::kBeforeMarking);
  CHECK_FALSE(parse_outbox_failpoint("before").has_value());
}

}  // namespace
}  // namespace recount::hub::channels
