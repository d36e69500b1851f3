// The recountctl executable against a running recount-hub: stats, dead letters, audit
// verification, and what it does when the hub cannot be reached.
#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hub/http/client.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/topics.hpp"
#include "tests/hub/ledger_fixtures.hpp"
#include "tests/hub/tls_fixtures.hpp"
#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/mqtt_fixtures.hpp"

namespace recount::hub {
namespace {

testing::CommandResult recountctl(const std::vector<std::string>& arguments) {
  std::vector<std::string> argv{RECOUNTCTL_BIN};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return testing::run_command(argv, "", std::chrono::seconds(30));
}

// A running recount-hub that has taken device-1's events 1..12 (seq 5 invalid) and one garbage
// payload from device-2.
struct SyncedHub {
  testing::Mosquitto broker;
  testing::TempDir dir;
  testing::Hub hub{dir / "data", broker.uri()};
  boost::asio::io_context io;
  testing::TestDevice device{io, broker.uri(), "tester", {"recount/v1/+/+/ack"}};

  // recountctl against this hub, with its admin token.
  testing::CommandResult ctl(const std::vector<std::string>& arguments) const {
    std::vector<std::string> argv{"--hub", hub.url(), "--token", hub.token()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return recountctl(argv);
  }

  SyncedHub() {
    auto payload = nlohmann::json::parse(protocol::encode(batch()));
    payload["events"][4]["qty"] = "many";
    // Resent until acked, as agents do: the hub's subscription may still be on its way.
    REQUIRE(testing::run_until(io, [&] {
      device.publish(topic("device-1"), payload.dump());
      return testing::run_until(
          io, [&] { return !device.received.empty(); }, std::chrono::milliseconds(300));
    }));
    device.publish(topic("device-2"), "{\"v\":1,");
    REQUIRE(testing::eventually([&] { return !dead_letters_of("device-2").empty(); }, std::chrono::seconds(15)));
  }

  static protocol::EventBatch batch() {
    protocol::EventBatch batch{"site-1", "device-1", "00000000000000e1", {}};
    for (std::uint64_t seq = 1; seq <= 12; ++seq) batch.events.push_back(testing::count_event(seq));
    return batch;
  }
  static std::string topic(const std::string& device) {
    return protocol::device_topic("site-1", device, protocol::DeviceChannel::kEvents);
  }
  nlohmann::json dead_letters_of(const std::string& device_id) {
    const auto result = ctl({"deadletters", "--json", "--device", device_id});
    REQUIRE(result.exit_code == 0);
    return nlohmann::json::parse(result.out)["dead_letters"];
  }
};

nlohmann::json find_device(const nlohmann::json& stats, const std::string& device) {
  for (const auto& entry : stats["devices"]) {
    if (entry["device"] == device) return entry;
  }
  FAIL("no device " << device << " in " << stats.dump());
  return {};
}

TEST_CASE("recountctl stats --json gives each device's distinct events stored and highest contiguous seq") {
  SyncedHub synced;
  const auto result = synced.ctl({"stats", "--json"});
  REQUIRE(result.exit_code == 0);
  const auto stats = nlohmann::json::parse(result.out);
  const auto device = find_device(stats, "device-1");
  CHECK(device["events"] == 11);         // seq 5 was rejected
  CHECK(device["acked_through"] == 12);  // ... and dead-lettered, so the ack covers it
  CHECK(device["dead_letters"] == 1);
  CHECK(device["epoch"] == "00000000000000e1");
  CHECK(find_device(stats, "device-2")["dead_letters"] == 1);
}

TEST_CASE("recountctl stats without --json prints a table with a row per device") {
  SyncedHub synced;
  const auto result = synced.ctl({"stats"});
  REQUIRE(result.exit_code == 0);
  CHECK(result.out.starts_with("SITE "));
  CHECK(result.out.find("ACKED_THROUGH") != std::string::npos);
  CHECK(result.out.find("site-1  device-1  00000000000000e1  11      12 ") != std::string::npos);
}

TEST_CASE("recountctl deadletters --json lists rejected messages and events with their reasons") {
  SyncedHub synced;
  const auto result = synced.ctl({"deadletters", "--json"});
  REQUIRE(result.exit_code == 0);
  const auto letters = nlohmann::json::parse(result.out)["dead_letters"];
  REQUIRE(letters.size() == 2);
  CHECK(letters[0]["device"] == "device-1");
  CHECK(letters[0]["seq"] == 5);
  CHECK(letters[0]["field"] == "events[4].qty");
  CHECK_FALSE(letters[0]["reason"].get<std::string>().empty());
  CHECK(letters[1]["device"] == "device-2");
  CHECK(letters[1]["seq"].is_null());
  CHECK(letters[1]["payload"] == "{\"v\":1,");
}

TEST_CASE("recountctl deadletters without --json prints a table with the reasons") {
  SyncedHub synced;
  const auto result = synced.ctl({"deadletters"});
  REQUIRE(result.exit_code == 0);
  CHECK(result.out.starts_with("ID "));
  CHECK(result.out.find("site-1/device-1") != std::string::npos);
  CHECK(result.out.find("events[4].qty") != std::string::npos);
}

TEST_CASE("recountctl audit verify exits 0 on an intact log and 1 naming the first broken entry") {
  SyncedHub synced;
  const auto remote = synced.ctl({"audit", "verify"});
  CHECK(remote.exit_code == 0);
  CHECK(remote.out.starts_with("audit log intact: "));
  const auto local = recountctl({"--data", (synced.dir / "data").string(), "audit", "verify"});
  CHECK(local.exit_code == 0);
  CHECK(local.out == remote.out);

  REQUIRE(synced.hub.stop() == 0);
  {
    auto database = storage::Database::open(synced.dir / "data" / "hub.db", storage::OpenMode::kExistingOnly,
                                            storage::Durability::kNormal);
    REQUIRE(database.has_value());
    REQUIRE(database->execute("DROP TRIGGER audit_log_no_update").has_value());
    REQUIRE(database->execute("UPDATE audit_log SET detail = '{\"new\":0}' WHERE id = 1").has_value());
  }
  const auto broken = recountctl({"--data", (synced.dir / "data").string(), "audit", "verify"});
  CHECK(broken.exit_code == 1);
  CHECK(broken.out.starts_with("audit log broken at entry 1:"));
}

std::string baseline_fixture(const std::string& name) {
  return std::string(RECOUNT_SOURCE_DIR) + "/tests/data/baseline/" + name;
}

TEST_CASE("recountctl import baseline stores opening balances once, and lists every problem of a broken file") {
  SyncedHub synced;
  const auto imported = synced.ctl({"import", "baseline", baseline_fixture("baseline.csv")});
  CHECK(imported.exit_code == 0);
  CHECK(imported.out ==
        "imported 3 rows of baseline.csv (comma-separated, utf-8): 3 baselines stored, 0 already imported "
        "(unchanged)\n");
  const auto again = synced.ctl({"import", "baseline", baseline_fixture("baseline.csv"), "--json"});
  CHECK(again.exit_code == 0);
  CHECK(nlohmann::json::parse(again.out)["unchanged"] == 3);

  const auto broken = synced.ctl({"import", "baseline", baseline_fixture("baseline_broken.csv")});
  CHECK(broken.exit_code == 1);
  CHECK(broken.out.empty());
  CHECK(broken.err.find("rejected, nothing was stored (8 problem(s))") != std::string::npos);
  CHECK(broken.err.find("baseline_broken.csv:2: site: ") != std::string::npos);
  CHECK(broken.err.find("baseline_broken.csv:8: as_of: ") != std::string::npos);
  const auto missing = synced.ctl({"import", "baseline", baseline_fixture("nothing.csv")});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("cannot read") != std::string::npos);
}

TEST_CASE("recountctl import takes --delimiter and --encoding, and names the first bad line as FILE:LINE:") {
  SyncedHub synced;
  const auto file = baseline_fixture("baseline_windows1252_tab.txt");
  const auto refused = synced.ctl({"import", "baseline", file});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find(file + ":2: byte column 16: byte C9 is not valid UTF-8") != std::string::npos);
  const auto wrong_delimiter =
      synced.ctl({"import", "baseline", file, "--encoding", "windows-1252", "--delimiter", "semicolon"});
  CHECK(wrong_delimiter.exit_code == 1);
  CHECK(wrong_delimiter.err.find(file + ":1: the header lacks column(s): site, location") != std::string::npos);
  const auto imported = synced.ctl({"import", "baseline", file, "--encoding", "windows-1252", "--delimiter", "tab"});
  CHECK(imported.exit_code == 0);
  CHECK(imported.out.find("(tab-separated, windows-1252): 1 baselines stored") != std::string::npos);
  const auto detected = synced.ctl({"import", "baseline", file, "--encoding", "auto", "--json"});
  CHECK(detected.exit_code == 0);
  CHECK(nlohmann::json::parse(detected.out)["unchanged"] == 1);
  CHECK(nlohmann::json::parse(detected.out)["encoding"] == "windows-1252");
  const auto bad_option = synced.ctl({"import", "items", file, "--encoding", "latin-9"});
  CHECK(bad_option.exit_code != 0);
  CHECK(bad_option.err.find("must be utf-8, windows-1252 or auto") != std::string::npos);
}

TEST_CASE("recountctl resolve takes an operator's decision, and says why the hub refused one") {
  SyncedHub synced;
  const auto listed = synced.ctl({"discrepancies", "--json"});
  REQUIRE(listed.exit_code == 0);
  const auto open = nlohmann::json::parse(listed.out)["discrepancies"];
  REQUIRE_FALSE(open.empty());
  const std::string id = std::to_string(open[0]["id"].get<std::int64_t>());
  REQUIRE(open[0]["state"] == "recount_requested");  // the default policy asks for a recount first

  const auto early = synced.ctl({"resolve", id, "--action", "approve", "--reason", "found"});
  CHECK(early.exit_code == 2);
  CHECK(early.err.find("(409): ") != std::string::npos);
  const auto unknown = synced.ctl({"resolve", "9999", "--action", "reject", "--reason", "other"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("(404): no discrepancy 9999") != std::string::npos);
  const auto bad_reason = synced.ctl({"resolve", id, "--action", "reject", "--reason", "bored"});
  CHECK(bad_reason.exit_code == 2);
  CHECK(bad_reason.err.find("reason: must be one of") != std::string::npos);

  const auto written_off = synced.ctl({"resolve", id, "--action", "write-off", "--reason", "found"});
  CHECK(written_off.exit_code == 0);
  CHECK(written_off.out.starts_with("discrepancy " + id + ": closed (written_off); adjusted by 3 (event "));
  const auto twice = synced.ctl({"resolve", id, "--action", "reject", "--reason", "other", "--json"});
  CHECK(twice.exit_code == 2);
  CHECK(synced.ctl({"audit", "verify"}).exit_code == 0);
}

TEST_CASE("recountctl positions and history show the hub's positions, an unknown position fails naming it") {
  SyncedHub synced;
  const auto positions = synced.ctl({"positions", "--site", "site-1", "--json"});
  REQUIRE(positions.exit_code == 0);
  CHECK_FALSE(nlohmann::json::parse(positions.out)["positions"].empty());

  // device-1's seq 1 counted 3 units of SKU-1 at A-1.
  const auto history = synced.ctl({"history", "site-1/A-1/SKU-1", "--json"});
  REQUIRE(history.exit_code == 0);
  const auto entries = nlohmann::json::parse(history.out)["entries"];
  REQUIRE_FALSE(entries.empty());
  CHECK(entries[0]["type"] == "count");
  CHECK(entries[0]["user"] == "user-1");

  const auto unknown = synced.ctl({"history", "site-1/A-9/SKU-1"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("no position site-1/A-9/SKU-1") != std::string::npos);
}

TEST_CASE("recountctl history refuses a malformed POSITION as a usage error naming it, before asking the hub") {
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(testing::free_loopback_port());
  for (const std::string position : {"site-1/A-1", "site-1/A/1/SKU-1/L1", "site 1/A-1/SKU-1", "site-1/A-1/SKU%"}) {
    const auto result = recountctl({"--hub", nowhere, "history", position});
    INFO(result.err);
    CHECK(result.exit_code != 0);
    CHECK(result.exit_code != 2);  // a usage error, not a failure to reach the hub
    CHECK(result.err.find("POSITION: '" + position + "'") != std::string::npos);
    CHECK(result.err.find("cannot connect") == std::string::npos);
  }
}

TEST_CASE("recountctl policy, policy set, metrics and reconcile verify drive the hub's API") {
  SyncedHub synced;
  const auto initial = synced.ctl({"policy", "--json"});
  REQUIRE(initial.exit_code == 0);
  CHECK(nlohmann::json::parse(initial.out)["version"] == 0);
  const auto before = synced.ctl({"metrics", "--site", "site-1", "--json"});
  REQUIRE(before.exit_code == 0);
  const auto site = nlohmann::json::parse(before.out)["sites"][0];
  CHECK(site["counts"].get<std::int64_t>() > 0);
  CHECK(site["discrepancies_opened"].get<std::int64_t>() > 0);

  const auto file = synced.dir / "policy.json";
  std::ofstream(file) << R"({"tolerances": [{"shortage": {"units": 1000}, "overage": {"units": 1000}}]})";
  const auto set = synced.ctl({"policy", "set", file.string(), "--reevaluate"});
  CHECK(set.exit_code == 0);
  CHECK(set.out.starts_with("policy version 1 in force, set by operator test-admin; re-evaluated: "));
  const auto shown = synced.ctl({"policy"});
  CHECK(shown.out.starts_with("policy version 1, set "));
  CHECK(shown.out.find("(global)  units 1000  units 1000") != std::string::npos);
  const auto open = synced.ctl({"discrepancies", "--json"});
  CHECK(nlohmann::json::parse(open.out)["discrepancies"].empty());  // all within tolerance now

  const auto table = synced.ctl({"metrics"});
  CHECK(table.exit_code == 0);
  CHECK(table.out.starts_with("SITE    COUNTS  "));
  const auto bad_time = synced.ctl({"metrics", "--from", "yesterday"});
  CHECK(bad_time.exit_code == 2);
  CHECK(bad_time.err.find("--from") != std::string::npos);
  const auto verified = synced.ctl({"reconcile", "verify"});
  CHECK(verified.exit_code == 0);
  CHECK(verified.out == "projections verified: nothing needed repair\n");
  CHECK(synced.ctl({"audit", "verify"}).exit_code == 0);
}

std::string file_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

TEST_CASE("a token created while the hub runs is usable at once, only its hash is stored, and revoked it gets 401") {
  SyncedHub synced;
  const auto data = synced.dir / "data";
  const std::string token = testing::create_token(data, "ops-vi", "viewer");
  const auto stats = recountctl({"--hub", synced.hub.url(), "--token", token, "stats", "--json"});
  INFO(stats.err);
  CHECK(stats.exit_code == 0);
  CHECK(nlohmann::json::parse(stats.out)["devices"].size() == 2);
  for (const char* name : {"hub.db", "hub.db-wal"}) {
    CHECK(file_bytes(data / name).find(token) == std::string::npos);
  }

  const auto revoked = recountctl({"--data", data.string(), "token", "revoke", "ops-vi"});
  CHECK(revoked.exit_code == 0);
  const auto refused = recountctl({"--hub", synced.hub.url(), "--token", token, "stats"});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("refused the request (401): the API token is unknown or was revoked; the token came from "
                         "--token") != std::string::npos);
  const auto listed = recountctl({"--data", data.string(), "token", "list", "--json"});
  const auto tokens = nlohmann::json::parse(listed.out)["tokens"];
  REQUIRE(tokens.size() == 2);
  CHECK(tokens[1]["name"] == "test-admin");
  CHECK(tokens[0]["revoked_ms"].is_number());
}

TEST_CASE("without a token recountctl gets 401 and names every place it looked") {
  SyncedHub synced;
  testing::TempDir config;
  const auto result = testing::run_command({"env", "-u", "RECOUNT_TOKEN", "XDG_CONFIG_HOME=" + config.path().string(),
                                            RECOUNTCTL_BIN, "--hub", synced.hub.url(), "stats"});
  CHECK(result.exit_code == 2);
  CHECK(result.err.find("(401): GET /api/v1/stats needs an API token") != std::string::npos);
  CHECK(result.err.find("no API token: none of --token, $RECOUNT_TOKEN and " + (config / "recount/token").string() +
                        " gives one") != std::string::npos);
}

TEST_CASE("an import sent without a token prints the hub's 401 even when the hub refuses it before the file is sent") {
  testing::Mosquitto broker;
  testing::TempDir dir;
  testing::Hub hub{dir / "data", broker.uri()};
  // Larger than the sockets can buffer: recountctl is still sending when the hub answers.
  const auto file = dir / "items.csv";
  std::ofstream(file, std::ios::binary) << "sku,name,site\n" << std::string(std::size_t{16} << 20, 'x') << "\n";
  const auto result = testing::run_command({"env", "-u", "RECOUNT_TOKEN", "XDG_CONFIG_HOME=" + dir.path().string(),
                                            RECOUNTCTL_BIN, "--hub", hub.url(), "import", "items", file.string()});
  CHECK(result.exit_code == 2);
  CHECK(result.err.find("(401): an import needs an API token") != std::string::npos);
  CHECK(result.err.find("Broken pipe") == std::string::npos);
}

TEST_CASE(
    "a viewer's resolve gets 403 naming the role, and an approver's write-off is audited under its token's name") {
  SyncedHub synced;
  const auto data = synced.dir / "data";
  const auto listed = synced.ctl({"discrepancies", "--json"});
  const std::string id =
      std::to_string(nlohmann::json::parse(listed.out)["discrepancies"][0]["id"].get<std::int64_t>());
  const std::string viewer = testing::create_token(data, "ops-vi", "viewer");
  const auto refused = recountctl(
      {"--hub", synced.hub.url(), "--token", viewer, "resolve", id, "--action", "write-off", "--reason", "found"});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("(403): POST /api/v1/discrepancies/" + id +
                         "/resolve needs the role counter-lead or higher; the token 'ops-vi' has the role viewer") !=
        std::string::npos);

  const std::string approver = testing::create_token(data, "ops-bo", "approver");
  const auto written_off = recountctl(
      {"--hub", synced.hub.url(), "--token", approver, "resolve", id, "--action", "write-off", "--reason", "found"});
  INFO(written_off.err);
  CHECK(written_off.exit_code == 0);
  const auto shown = nlohmann::json::parse(synced.ctl({"discrepancy", id, "--json"}).out);
  CHECK(shown["transitions"].back()["actor"] == nlohmann::json{{"kind", "operator"}, {"id", "ops-bo"}});
  HubEndpoint hub(parse_hub_url("--hub", synced.hub.url())->address);
  hub.token = synced.hub.token();
  const auto audit = nlohmann::json::parse(http_get(hub, "/api/v1/audit?limit=1000")->body)["entries"];
  std::size_t by_bo = 0;
  for (const auto& entry : audit) by_bo += entry.dump().find("ops-bo") != std::string::npos ? 1 : 0;
  CHECK(by_bo >= 2);  // the token's creation and the write-off's transition
  CHECK(audit.dump().find("ops-vi\",\"kind\":\"operator") == std::string::npos);
}

TEST_CASE(
    "recount-hub serves https with --http-cert, and recountctl verifies it with --hub-ca and refuses a wrong CA") {
  testing::Mosquitto broker;
  testing::TempDir dir;
  const auto certificates = testing::make_certificates(dir.path());
  testing::Hub hub{dir / "data",
                   broker.uri(),
                   {"--http-cert", certificates.certificate.string(), "--http-key", certificates.key.string()}};
  const std::string url = "https://" + hub.url().substr(std::string("http://").size());
  const auto trusted =
      recountctl({"--hub", url, "--hub-ca", certificates.authority.string(), "--token", hub.token(), "stats"});
  INFO(trusted.err);
  CHECK(trusted.exit_code == 0);
  CHECK(trusted.out == "no devices have synced yet\n");
  const auto fooled =
      recountctl({"--hub", url, "--hub-ca", certificates.stranger.string(), "--token", hub.token(), "stats"});
  CHECK(fooled.exit_code == 2);
  CHECK(fooled.err.find("cannot verify TLS with " + url) != std::string::npos);
}

TEST_CASE("recountctl says clearly that the hub cannot be reached, and exits 2") {
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(testing::free_loopback_port());
  for (const auto& command : {std::vector<std::string>{"--hub", nowhere, "stats", "--json"},
                              std::vector<std::string>{"--hub", nowhere, "deadletters"},
                              std::vector<std::string>{"--hub", nowhere, "audit", "verify"}}) {
    const auto result = recountctl(command);
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err.find("recountctl: cannot connect to " + nowhere) != std::string::npos);
  }
}

TEST_CASE("recountctl audit verify on a directory without a hub database fails naming it") {
  testing::TempDir dir;
  const auto result = recountctl({"--data", dir.path().string(), "audit", "verify"});
  CHECK(result.exit_code == 2);
  CHECK(result.err.find((dir / "hub.db").string()) != std::string::npos);
}

}  // namespace
}  // namespace recount::hub
