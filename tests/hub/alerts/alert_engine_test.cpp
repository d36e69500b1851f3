// The alert engine on a real reconciler, SQLite file and io_context: a discrepancy that matches a
// rule raises one alert, delivered through a real loopback webhook receiver (one that fails
// twice, one that is slow), a real Mosquitto and a sendmail script. The sweep's raising and
// releasing, which is about storage, runs on a PostgreSQL database too.
#include "hub/alerts/alert_engine.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "hub/reconcile/sqlite_queries.hpp"
#include "hub/writes/hub_writer.hpp"
#include "shared/storage/atomic_file.hpp"
#include "tests/hub/delivery_fixtures.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/mqtt_fixtures.hpp"
#include "tests/support/webhook_receiver.hpp"

namespace recount::hub::alerts {
namespace {

constexpr const char* kSecret = "alert-secret";

std::string rule_with(const std::string& channels) {
  return R"({"alerts": [{"name": "shortage", "kind": "discrepancy", "sites": ["site-1"], "channels": )" + channels +
         "}]}";
}

// The hub's ledger on `Backend` (tests/hub/ledger_fixtures.hpp): SQLite unless a case is about storage.
template <typename Backend = testing::SqliteLedger>
struct AlertHub {
  testing::LedgerOn<Backend> store;
  reconcile::CatalogSnapshot catalog;
  reconcile::Reconciler reconciler = reconcile::Reconciler::open(store.ledger.database(), catalog).value();
  reconcile::SqliteQueries queries = reconcile::SqliteQueries::prepare(store.ledger.database()).value();
  boost::asio::io_context io;
  std::unique_ptr<AlertEngine> engine;

  AlertOptions options() {
    AlertOptions options;
    options.retry = delivery::RetryPolicy{20, 100, 4};
    options.poll = std::chrono::milliseconds(20);
    options.webhook_secret = kSecret;
    return options;
  }
  void set_policy(const std::string& json) {
    const auto policy = reconcile::parse_policy(json);
    REQUIRE_MESSAGE(policy.has_value(), (policy ? "" : policy.error().describe()));
    auto write = store.ledger.begin_write().value();
    auto effects = reconciler.set_policy(*policy, "test", testing::kFixedNowMs).value();
    REQUIRE(record_effects(write, effects, testing::kFixedNowMs).has_value());
    REQUIRE(write.commit().has_value());
  }
  void start(const AlertOptions& options, const Publish& publish = {}) {
    auto created = AlertEngine::create(io, store.ledger, queries, options, publish);
    REQUIRE_MESSAGE(created.has_value(), (created ? "" : created.error().describe()));
    engine = std::move(*created);
    engine->start();
  }
  // A shortage at site-1/A-1/SKU-1, the discrepancy the rules watch; its id.
  std::int64_t shortage() {
    testing::deliver(store.ledger, reconciler, testing::shortage_events());
    const auto active = queries.discrepancies(reconcile::DiscrepancyQuery{}).value();
    REQUIRE(active.size() == 1);
    return active[0].id;
  }
  std::vector<Alert> alerts() { return list_alerts(store.ledger.database(), AlertFilter{}).value(); }
  std::vector<AlertDelivery> deliveries(std::int64_t id) {
    return list_deliveries(store.ledger.database(), id).value();
  }
  bool delivered(std::int64_t id) {
    const auto listed = deliveries(id);
    return !listed.empty() && std::all_of(listed.begin(), listed.end(),
                                          [](const AlertDelivery& each) { return each.state == "delivered"; });
  }
  std::vector<delivery::Attempt> attempts(std::int64_t id) {
    return delivery::list_attempts(store.ledger.database(), "alert", id).value();
  }
};

TEST_CASE("a webhook that fails twice gets an alert on the third attempt, one key, signed, every attempt kept") {
  AlertHub<> hub;
  testing::WebhookReceiver receiver(kSecret,
                                    [](std::size_t index) { return testing::WebhookReply{index < 2 ? 503U : 200U}; });
  hub.set_policy(rule_with(R"([{"type": "webhook"}])"));
  auto options = hub.options();
  options.webhook = delivery::parse_webhook_url("test", receiver.url()).value();
  hub.start(options);
  const std::int64_t discrepancy = hub.shortage();
  hub.engine->observe({discrepancy, discrepancy});
  REQUIRE(testing::run_until(hub.io, [&] { return hub.alerts().size() == 1; }));
  const Alert alert = hub.alerts()[0];
  CHECK(alert.rule == "shortage");
  CHECK(alert.subject == "discrepancy/" + std::to_string(discrepancy));
  CHECK(alert.site == "site-1");
  CHECK(alert.state == AlertState::kOpen);
  REQUIRE(testing::run_until(hub.io, [&] { return hub.delivered(alert.id); }));
  const auto received = receiver.received();
  REQUIRE(received.size() == 3);
  for (const auto& request : received) {
    CHECK(request.signature_valid);
    CHECK(request.idempotency_key == alert.idempotency_key);
    CHECK(request.body == alert_message(alert));
  }
  const auto body = nlohmann::json::parse(received[0].body);
  CHECK(body["type"] == "alert");
  CHECK(body["rule"] == "shortage");
  const auto attempts = hub.attempts(alert.id);
  REQUIRE(attempts.size() == 3);
  CHECK(attempts[0].outcome == "retry");
  CHECK(attempts[0].status == 503);
  CHECK(attempts[1].outcome == "retry");
  CHECK(attempts[2].outcome == "delivered");
  CHECK(hub.deliveries(alert.id)[0].attempts == 3);
  // Evaluated again while it holds, the condition raises nothing new and nothing is sent again.
  REQUIRE(hub.engine->sweep().has_value());
  hub.io.restart();
  hub.io.run_for(std::chrono::milliseconds(100));
  CHECK(hub.alerts().size() == 1);
  CHECK(receiver.received().size() == 3);
}

TEST_CASE("a webhook receiver that does not answer in time gets the alert again, and the timeout is kept") {
  AlertHub<> hub;
  testing::WebhookReceiver receiver(kSecret, [](std::size_t index) { return testing::WebhookReply{200, index == 0}; });
  hub.set_policy(rule_with(R"([{"type": "webhook"}])"));
  auto options = hub.options();
  options.webhook = delivery::parse_webhook_url("test", receiver.url()).value();
  options.webhook_timeout = std::chrono::milliseconds(200);
  hub.start(options);
  hub.engine->observe({hub.shortage()});
  REQUIRE(testing::run_until(hub.io, [&] { return hub.alerts().size() == 1; }));
  const std::int64_t id = hub.alerts()[0].id;
  REQUIRE(testing::run_until(hub.io, [&] { return hub.delivered(id); }));
  receiver.release();
  const auto attempts = hub.attempts(id);
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[0].outcome == "retry");
  CHECK(attempts[0].error.find("no answer within 200 ms") != std::string::npos);
  CHECK(attempts[1].outcome == "delivered");
}

TEST_CASE("an alert is published on its site's alert topic, not retained, to a subscriber on a real broker") {
  testing::Mosquitto broker;
  AlertHub<> hub;
  testing::TestDevice subscriber(hub.io, broker.uri(), "alert-watcher", {"recount/v1/+/alerts"});
  mqtt::Link link(hub.io, testing::test_link_options(broker.uri(), "alert-hub"));
  link.start();
  REQUIRE(testing::run_until(hub.io, [&] { return link.connected(); }));
  hub.set_policy(rule_with(R"([{"type": "mqtt"}])"));
  hub.start(hub.options(), [&](mqtt::Message message, mqtt::Link::Completion done) {
    link.publish(std::move(message), mqtt::Qos::kAtLeastOnce, std::move(done));
  });
  hub.engine->observe({hub.shortage()});
  REQUIRE(testing::run_until(hub.io, [&] { return subscriber.received.size() == 1; }));
  const mqtt::Message& message = subscriber.received[0];
  CHECK(message.topic == "recount/v1/site-1/alerts");
  CHECK_FALSE(message.retained);
  const Alert alert = hub.alerts().at(0);
  CHECK(message.payload == alert_message(alert));
  REQUIRE(testing::run_until(hub.io, [&] { return hub.delivered(alert.id); }));
  CHECK(hub.attempts(alert.id).at(0).channel == "mqtt");
  link.stop();
}

TEST_CASE("an e-mail alert goes to sendmail -t -i with its headers on standard input, a failing one is retried") {
  AlertHub<> hub;
  const auto script = hub.store.dir / "sendmail";
  const auto mailbox = hub.store.dir / "mailbox";
  const auto tries = hub.store.dir / "tries";
  // Fails the first time, then keeps its arguments and the message.
  std::ofstream(script) << "#!/bin/sh\necho x >> '" << tries.string() << "'\n"
                        << "[ $(wc -l < '" << tries.string() << "') -ge 2 ] || exit 75\n"
                        << "echo \"$@\" > '" << mailbox.string() << "'\ncat >> '" << mailbox.string() << "'\n";
  ::chmod(script.c_str(), 0700);
  hub.set_policy(rule_with(R"([{"type": "email", "to": "ops@example.com"}])"));
  auto options = hub.options();
  options.sendmail = script;
  options.mail_from = "hub@example.com";
  hub.start(options);
  hub.engine->observe({hub.shortage()});
  REQUIRE(testing::run_until(hub.io, [&] { return hub.alerts().size() == 1; }));
  const Alert alert = hub.alerts()[0];
  REQUIRE(testing::run_until(hub.io, [&] { return hub.delivered(alert.id); }));
  const std::string mail = storage::read_whole_file(mailbox).value();
  CHECK(mail.find("-t -i\n") == 0);
  CHECK(mail.find("To: ops@example.com\r\n") != std::string::npos);
  CHECK(mail.find("From: hub@example.com\r\n") != std::string::npos);
  CHECK(mail.find("Subject: [recount] shortage: ") != std::string::npos);
  const auto attempts = hub.attempts(alert.id);
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[0].error.find("exited with status 75") != std::string::npos);
  CHECK(attempts[1].target == "ops@example.com");
}

TEST_CASE("a channel the hub was not given fails its delivery with the reason, and no rule raises nothing") {
  AlertHub<> hub;
  hub.start(hub.options());  // the default policy has no alert rules
  const std::int64_t discrepancy = hub.shortage();
  hub.engine->observe({discrepancy});
  hub.io.restart();
  hub.io.run_for(std::chrono::milliseconds(100));
  CHECK(hub.alerts().empty());
  hub.set_policy(rule_with(R"([{"type": "webhook"}])"));
  REQUIRE(hub.engine->sweep().has_value());
  REQUIRE(hub.alerts().size() == 1);
  const std::int64_t id = hub.alerts()[0].id;
  REQUIRE(testing::run_until(hub.io, [&] { return hub.deliveries(id).at(0).state == "failed"; }));
  CHECK(hub.deliveries(id)[0].last_error.find("--alert-webhook") != std::string::npos);
  CHECK(hub.attempts(id).at(0).outcome == "refused");
}

TEST_CASE_TEMPLATE(
    "the sweep raises an alert for a device offline long enough with a backlog, and lets go once it is back", Backend,
    testing::SqliteLedger, testing::PostgresLedger) {
  AlertHub<Backend> hub;
  hub.set_policy(R"({"alerts": [{"name": "silent", "kind": "device_offline", "offline_for_ms": 7200000,
    "min_backlog": 1, "channels": [{"type": "mqtt"}]}]})");
  const auto set_status = [&](protocol::DeviceState state, std::uint64_t backlog, std::int64_t received_ms) {
    auto write = hub.store.ledger.begin_write().value();
    protocol::Status status{"dev-1", state, backlog, 0, 0, 0};
    REQUIRE(write.status("site-1", status, received_ms, LedgerWrite::Freshness::kLive).has_value());
    REQUIRE(write.commit().has_value());
  };
  hub.start(hub.options(), [](const mqtt::Message&, const mqtt::Link::Completion&) {});
  const std::int64_t now_ms = system_wall_clock()();
  set_status(protocol::DeviceState::kOffline, 3, now_ms - 3'600'000);  // an hour: not yet
  REQUIRE(hub.engine->sweep().has_value());
  CHECK(hub.alerts().empty());
  set_status(protocol::DeviceState::kOffline, 3, now_ms - std::int64_t{3} * 3'600'000);
  REQUIRE(hub.engine->sweep().has_value());
  REQUIRE(hub.alerts().size() == 1);
  CHECK(hub.alerts()[0].subject == "device/site-1/dev-1");
  CHECK(hub.alerts()[0].kind == "device_offline");
  // Acknowledged while still offline: no new alert; back online and offline again: a new one.
  {
    auto write = hub.store.ledger.begin_write().value();
    REQUIRE(acknowledge(write, hub.alerts()[0].id, "lead-lee", now_ms).has_value());
    REQUIRE(write.commit().has_value());
  }
  REQUIRE(hub.engine->sweep().has_value());
  CHECK(hub.alerts().size() == 1);
  set_status(protocol::DeviceState::kOnline, 0, now_ms);
  REQUIRE(hub.engine->sweep().has_value());
  set_status(protocol::DeviceState::kOffline, 3, now_ms - std::int64_t{3} * 3'600'000);
  REQUIRE(hub.engine->sweep().has_value());
  CHECK(hub.alerts().size() == 2);
}

}  // namespace
}  // namespace recount::hub::alerts
