// Unknown barcodes end to end, with a real Mosquitto, recount-hub, recount-agent and recountctl:
// a code the device's catalog does not know is held on the device and reaches the hub; an
// operator maps it once through the API; the hub republishes the catalog; the device applies the
// held scan, and the ledger gets its event exactly once with the scan's own user, mode and
// location, while the hub's entry counts it applied. Once with the agent running throughout, once
// with the agent killed before the mapping and started again after it.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/process.hpp"

namespace recount::testing {
namespace {

using Json = nlohmann::json;

// Polls `probe` every 100 ms, at most 300 times (30 s).
template <typename Probe>
bool within_30_s(Probe probe) {
  for (int attempt = 0; attempt < 300; ++attempt) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

struct Site {
  TempDir dir;
  Mosquitto broker;
  Hub hub{dir / "hub", broker.uri()};
  std::filesystem::path device = dir / "device";

  Site() {
    REQUIRE(ctl({"import", "items", catalog_fixture("items.csv")}).exit_code == 0);
    REQUIRE(ctl({"import", "locations", catalog_fixture("locations.csv")}).exit_code == 0);
    REQUIRE(
        run_command({RECOUNT_AGENT_BIN, "status", "--data", device.string(), "--site", "store-1", "--device", "dev-9"})
            .exit_code == 0);
  }

  CommandResult ctl(std::vector<std::string> arguments) const {
    std::vector<std::string> argv{RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run_command(argv);
  }

  // The hub's entry for `barcode`, or null.
  Json entry(const std::string& barcode) const {
    const auto listed = ctl({"unknown-barcodes", "--site", "store-1", "--state", "all", "--json"});
    if (listed.exit_code != 0) return nullptr;
    for (const auto& each : Json::parse(listed.out)["barcodes"]) {
      if (each["barcode"] == barcode) return each;
    }
    return nullptr;
  }

  // The ledger's events at A-01 for SKU-2 (the hub's position history).
  Json history() const {
    const auto shown = ctl({"history", "store-1/A-01/SKU-2", "--json"});
    return shown.exit_code == 0 ? Json::parse(shown.out)["entries"] : Json::array();
  }

  // Waits until the agent holds a catalog (it resolves the location label).
  void await_catalog() const {
    REQUIRE(within_30_s([&] {
      return agent_scan(device, "#user bob\nLOC-A-01\n").out.find("ok: location A-01") != std::string::npos;
    }));
  }
};

// What the ledger must show once the held scan of `barcode` is applied: one count at A-01 by bob
// of `units`, and the hub's entry mapped with one scan applied.
void check_applied_once(const Site& site, const std::string& barcode, std::int64_t units) {
  REQUIRE(within_30_s([&] {
    const auto entry = site.entry(barcode);
    return entry.is_object() && entry["applied"] == 1;
  }));
  const auto entry = site.entry(barcode);
  CHECK(entry["scans"] == 1);
  CHECK(entry["state"] == "mapped");
  CHECK(entry["sku"] == "SKU-2");
  CHECK(entry["mapped_by"] == "test-admin");
  int counts = 0;
  for (const auto& line : site.history()) {
    if (line["type"] != "count" || line["qty"] != units) continue;
    ++counts;
    CHECK(line["user"] == "bob");
    CHECK(line["device"] == "dev-9");
  }
  CHECK(counts == 1);
}

}  // namespace

TEST_CASE("an unknown barcode reaches the hub, is mapped once, and the running agent applies its held scan once") {
  Site site;
  AgentDaemon agent(site.device, site.broker.uri(), site.hub.key_file());
  site.await_catalog();
  // 4006381333931 is an EAN-13 the catalog does not know; the hub files it as its GTIN-14.
  const auto scanned = agent_scan(site.device, "#user bob\nLOC-A-01\n4006381333931\n");
  CHECK(scanned.out.find("UNKNOWN BARCODE 4006381333931") != std::string::npos);
  REQUIRE(within_30_s([&] { return site.entry("04006381333931").is_object(); }));
  const auto open = site.entry("04006381333931");
  CHECK(open["scans"] == 1);
  CHECK(open["devices"] == Json::array({"dev-9"}));
  CHECK(open["state"] == "open");
  CHECK(open["applied"] == 0);

  const auto listed = site.ctl({"unknown-barcodes"});
  CHECK(listed.exit_code == 0);
  CHECK(listed.out.find("04006381333931") != std::string::npos);
  const auto refused = site.ctl({"map-barcode", "--site", "store-1", "4006381333931", "--sku", "SKU-404"});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("sku:") != std::string::npos);
  const auto mapped =
      site.ctl({"map-barcode", "--site", "store-1", "4006381333931", "--sku", "SKU-2", "--pack-qty", "4"});
  CHECK(mapped.exit_code == 0);
  CHECK(mapped.out.find("store-1 04006381333931 -> SKU-2 (pack of 4)") != std::string::npos);

  check_applied_once(site, "04006381333931", 4);
  CHECK(agent.output().find("applied as SKU-2") != std::string::npos);
  agent.stop();
}

TEST_CASE("a held scan is applied once when the agent, killed before the mapping, starts again") {
  Site site;
  {
    AgentDaemon agent(site.device, site.broker.uri(), site.hub.key_file());
    site.await_catalog();
    REQUIRE(agent_scan(site.device, "#user bob\nLOC-A-01\nBOX-777\n").out.find("UNKNOWN BARCODE") != std::string::npos);
    REQUIRE(within_30_s([&] { return site.entry("BOX-777").is_object(); }));
    agent.kill_hard();
  }
  REQUIRE(site.ctl({"map-barcode", "--site", "store-1", "BOX-777", "--sku", "SKU-2"}).exit_code == 0);
  CHECK(site.entry("BOX-777")["applied"] == 0);
  AgentDaemon again(site.device, site.broker.uri(), site.hub.key_file());
  check_applied_once(site, "BOX-777", 1);
  // Restarted once more, it finds nothing left to apply.
  again.stop();
  AgentDaemon third(site.device, site.broker.uri(), site.hub.key_file());
  site.await_catalog();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  check_applied_once(site, "BOX-777", 1);
  third.stop();
}

}  // namespace recount::testing
