// Alerts end to end: a real agent's short count makes a real recount-hub open a discrepancy that
// matches an alert rule of its policy; the alert is raised, delivered to a loopback webhook
// receiver that fails twice (three attempts, one key, signed), to Mosquitto and to a sendmail
// script, listed by recountctl, acknowledged by a person and audited.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <optional>

#include "shared/storage/atomic_file.hpp"
#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/process.hpp"
#include "tests/support/webhook_receiver.hpp"

namespace recount::testing {
namespace {

constexpr auto kTimeout = std::chrono::seconds(60);
constexpr const char* kSecret = "alert-webhook-secret";

struct AlertFloor {
  explicit AlertFloor(WebhookReceiver::Script script) : receiver(kSecret, std::move(script)) {}

  TempDir dir;
  Mosquitto broker;
  WebhookReceiver receiver;
  std::filesystem::path mailbox = dir / "mailbox";
  std::filesystem::path policy = write_files();
  Hub hub{dir / "hub",
          broker.uri(),
          {"--policy", policy.string(), "--alert-webhook", receiver.url(), "--webhook-secret-file",
           (dir / "secret").string(), "--webhook-backoff", "50ms", "--sendmail", (dir / "sendmail").string(),
           "--mail-from", "hub@example.com"}};
  std::filesystem::path device = dir / "dev-a";

  std::filesystem::path write_files() {
    std::ofstream(dir / "secret") << kSecret << "\n";
    ::chmod((dir / "secret").c_str(), 0600);
    std::ofstream(dir / "sendmail") << "#!/bin/sh\ncat > '" << mailbox.string() << "'\n";
    ::chmod((dir / "sendmail").c_str(), 0700);
    auto file = dir / "policy.json";
    std::ofstream(file) << R"({"ambiguity_window_ms": 0, "alerts": [{"name": "store-1-shortage",
      "kind": "discrepancy", "sites": ["store-1"], "channels": [{"type": "webhook"}, {"type": "mqtt"},
      {"type": "email", "to": "ops@example.com"}]}]})";
    return file;
  }

  CommandResult recountctl(std::vector<std::string> arguments) const {
    arguments.insert(arguments.begin(), {RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token()});
    return run_command(arguments, "", std::chrono::seconds(30));
  }
  // GET `target` of the API as the admin; nullopt when it does not answer 200.
  std::optional<nlohmann::json> api(const std::string& target) const {
    const auto fetched = run_command({"curl", "-sf", "-H", "Authorization: Bearer " + hub.token(), hub.url() + target});
    if (fetched.exit_code != 0) return std::nullopt;
    return nlohmann::json::parse(fetched.out);
  }
  nlohmann::json json_of(std::vector<std::string> arguments) const {
    arguments.emplace_back("--json");
    const auto result = recountctl(arguments);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    return nlohmann::json::parse(result.out);
  }
};

CommandResult record(const std::filesystem::path& data, std::vector<std::string> event) {
  std::vector<std::string> argv{RECOUNT_AGENT_BIN, "record",  "--data",   data.string(),
                                "--site",          "store-1", "--device", "dev-a"};
  argv.insert(argv.end(), event.begin(), event.end());
  return run_command(argv);
}

// The catalog, then 20 units of SKU-1 received at A-01 and 17 counted there: a shortage.
void short_count(const AlertFloor& floor) {
  REQUIRE(floor.recountctl({"import", "items", catalog_fixture("items.csv")}).exit_code == 0);
  REQUIRE(floor.recountctl({"import", "locations", catalog_fixture("locations.csv")}).exit_code == 0);
  REQUIRE(record(floor.device,
                 {"receive", "--location", "A-01", "--sku", "SKU-1", "--qty", "20", "--user", "alice", "--ref", "PO-1"})
              .exit_code == 0);
  REQUIRE(record(floor.device, {"count", "--location", "A-01", "--sku", "SKU-1", "--qty", "17", "--user", "alice",
                                "--session", "cs-1"})
              .exit_code == 0);
}

}  // namespace

TEST_CASE("a real agent's short count raises an alert that is delivered by webhook, MQTT and mail, then acknowledged") {
  AlertFloor floor([](std::size_t index) { return WebhookReply{index < 2 ? 503U : 200U}; });
  short_count(floor);
  AgentDaemon agent(floor.device, floor.broker.uri(), floor.hub.key_file());

  nlohmann::json alerts;
  REQUIRE(eventually(
      [&] {
        alerts = floor.json_of({"alerts"})["alerts"];
        return !alerts.empty();
      },
      kTimeout, std::chrono::milliseconds(200)));
  REQUIRE(alerts.size() == 1);
  const auto alert = alerts[0];
  CHECK(alert["rule"] == "store-1-shortage");
  CHECK(alert["site"] == "store-1");
  CHECK(alert["state"] == "open");
  const std::string target = "/api/v1/alerts/" + std::to_string(alert["id"].get<std::int64_t>());

  // Every channel delivered: the webhook on its third attempt, the broker, the mail.
  nlohmann::json detail;
  REQUIRE(eventually(
      [&] {
        const auto fetched = floor.api(target);
        if (!fetched) return false;
        detail = *fetched;
        for (const auto& delivery : detail["deliveries"]) {
          if (delivery["state"] != "delivered") return false;
        }
        return detail["deliveries"].size() == 3;
      },
      kTimeout, std::chrono::milliseconds(200)));
  const auto received = floor.receiver.received();
  REQUIRE(received.size() == 3);
  for (const auto& request : received) {
    CHECK(request.signature_valid);
    CHECK(request.idempotency_key == alert["idempotency_key"]);
  }
  CHECK(nlohmann::json::parse(received[2].body)["subject"] == alert["subject"]);
  std::size_t webhook_attempts = 0;
  for (const auto& attempt : detail["delivery_attempts"]) webhook_attempts += attempt["channel"] == "webhook" ? 1 : 0;
  CHECK(webhook_attempts == 3);
  const std::string mail = storage::read_whole_file(floor.mailbox).value();
  CHECK(mail.find("To: ops@example.com") != std::string::npos);
  CHECK(mail.find("store-1-shortage") != std::string::npos);

  // A person acknowledges it; a second acknowledgement is refused; the audit chain holds both facts.
  const auto id = std::to_string(alert["id"].get<std::int64_t>());
  const auto acked = floor.recountctl({"alerts", "ack", id});
  INFO(acked.err);
  REQUIRE(acked.exit_code == 0);
  CHECK(acked.out == "alert " + id + " acknowledged\n");
  CHECK(floor.recountctl({"alerts", "ack", id}).exit_code == 2);
  const auto listed = floor.json_of({"alerts", "--state", "acknowledged"})["alerts"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["acked_by"] == "test-admin");
  const auto table = floor.recountctl({"alerts"});
  CHECK(table.out.find("store-1-shortage") != std::string::npos);
  const auto audit = floor.api("/api/v1/audit?kind=alert.acknowledged");
  REQUIRE(audit.has_value());
  CHECK(audit->dump().find("test-admin") != std::string::npos);
  CHECK(floor.api("/api/v1/audit?kind=alert.raised")->dump().find("store-1-shortage") != std::string::npos);
}

TEST_CASE("an alert whose webhook was in flight when the hub was killed -9 is delivered after the restart, same key") {
  // The first request is held unanswered until the hub is dead.
  AlertFloor floor([](std::size_t index) { return WebhookReply{200, index == 0}; });
  short_count(floor);
  AgentDaemon agent(floor.device, floor.broker.uri(), floor.hub.key_file());
  REQUIRE(eventually([&] { return floor.receiver.held() == 1; }, kTimeout, std::chrono::milliseconds(100)));
  floor.hub.kill_hard();
  floor.receiver.release();
  floor.hub.restart();
  REQUIRE(eventually([&] { return floor.receiver.received().size() >= 2; }, kTimeout, std::chrono::milliseconds(100)));
  const auto received = floor.receiver.received();
  CHECK(received[0].idempotency_key == received[1].idempotency_key);
  CHECK(received[0].body == received[1].body);
  const auto alerts = floor.json_of({"alerts"})["alerts"];
  REQUIRE(alerts.size() == 1);  // raised once: the restart found it, it did not raise it again
  CHECK(received[1].idempotency_key == alerts[0]["idempotency_key"]);
  const std::string target = "/api/v1/alerts/" + std::to_string(alerts[0]["id"].get<std::int64_t>());
  REQUIRE(eventually(
      [&] {
        const auto detail = floor.api(target);
        if (!detail) return false;
        for (const auto& delivery : (*detail)["deliveries"]) {
          if (delivery["channel"] == "webhook") return delivery["state"] == "delivered";
        }
        return false;
      },
      kTimeout, std::chrono::milliseconds(200)));
}

}  // namespace recount::testing
