// Catalog import benchmark: a generated items CSV of --items rows (500,000 by default, ~39 MB)
// sent through `recountctl import items` to a real recount-hub, which streams it to disk, imports
// it and publishes it to each of --sites sites (default 1; each has one location, so that the hub
// has sites to publish to, as a real one does); beside the table reader's raw rate over the same
// bytes (table_rate.hpp) in the same run, and the hub's peak RSS (VmHWM) before and after.
// 500,000 items make 550,000 rows, 38 MB: over the 32 MiB that imports were once limited to.
//
// Usage: catalog_import_bench [--items 500000] [--sites 1] [--milliseconds 500] [--timeout-s 600]
// Prints "name value unit" lines: catalog_import_bytes, catalog_import_s, catalog_import_rows_per_s,
// catalog_import_raw_rows_per_s, catalog_import_ratio (import / raw), hub_rss_before_import_mb,
// hub_rss_peak_import_mb, hub_rss_after_import_mb (VmRSS once the import answered).
#include <fstream>

#include <nlohmann/json.hpp>

#include "bench/bench_support.hpp"
#include "bench/table_rate.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/process.hpp"

namespace recount::bench {
namespace {

// An items file as a retailer exports it: one row per barcode, every 10th item with a second
// (case) barcode, every 25th description quoted with a comma.
std::string items_csv(std::size_t items) {
  std::string text = "sku,description,unit_cost_cents,item_class,barcode,pack_qty\n";
  for (std::size_t item = 0; item < items; ++item) {
    const auto id = std::to_string(item);
    const std::string sku = "SKU-" + id;
    const std::string description =
        item % 25 == 0 ? "\"Tumbler, stainless, 24 oz " + id + "\"" : "Tumbler stainless 24 oz " + id;
    const std::string rest = "," + std::to_string(100 + item % 900) + ",housewares,INT-" + id;
    text.append(sku).append(",").append(description).append(rest).append(",1\n");
    if (item % 10 == 0) text.append(sku).append(",").append(description).append(rest).append("-C,12\n");
  }
  return text;
}

int run(const Args& args) {
  const auto items = static_cast<std::size_t>(args.number("items", 500'000));
  const double seconds = static_cast<double>(args.number("milliseconds", 500)) / 1000.0;
  const auto timeout = std::chrono::seconds(args.number("timeout-s", 600));
  testing::TempDir temp;
  const std::string csv = items_csv(items);
  const auto file = temp / "items.csv";
  std::ofstream(file, std::ios::binary) << csv;
  const TableRate raw = must(read_table_rate(csv, hub::TableOptions{}, seconds), "read_table");

  testing::Mosquitto broker;
  HubProcess hub(temp / "hub", broker.uri());
  const auto token = testing::run_command({RECOUNTCTL_BIN, "--data", (temp / "hub").string(), "token", "create",
                                           "--name", "bench", "--role", "admin", "--json"});
  if (token.exit_code != 0) throw std::runtime_error("token create failed: " + token.err);
  const auto import = [&](const std::string& kind, const std::filesystem::path& path) {
    const auto done = testing::run_command(
        {RECOUNTCTL_BIN, "--hub", "http://127.0.0.1:" + std::to_string(hub.http_port()), "--token",
         nlohmann::json::parse(token.out).at("token").get<std::string>(), "import", kind, path.string()},
        "", timeout);
    if (done.exit_code != 0) throw std::runtime_error("recountctl import " + kind + " failed: " + done.err);
  };
  std::string locations = "site,location,label,location_class\n";
  for (std::int64_t site = 0; site < args.number("sites", 1); ++site) {
    locations += "site-" + std::to_string(site) + ",A-1,LOC:A-1,shelf\n";
  }
  std::ofstream(temp / "locations.csv", std::ios::binary) << locations;
  import("locations", temp / "locations.csv");
  const double before_mib = rss_mib(hub.pid(), "VmHWM");
  const auto start = Clock::now();
  import("items", file);
  const double elapsed = seconds_since(start);
  const double peak_mib = rss_mib(hub.pid(), "VmHWM");
  const double after_mib = rss_mib(hub.pid());
  hub.stop();

  emit("catalog_import_bytes", static_cast<double>(csv.size()), "bytes");
  emit("catalog_import_s", elapsed, "s");
  emit("catalog_import_rows_per_s", static_cast<double>(raw.rows) / elapsed, "rows/s");
  emit("catalog_import_raw_rows_per_s", raw.rows_per_s, "rows/s");
  emit("catalog_import_ratio", static_cast<double>(raw.rows) / elapsed / raw.rows_per_s, "x");
  emit("hub_rss_before_import_mb", before_mib, "MiB");
  emit("hub_rss_peak_import_mb", peak_mib, "MiB");
  emit("hub_rss_after_import_mb", after_mib, "MiB");
  return 0;
}

}  // namespace
}  // namespace recount::bench

int main(int argc, char** argv) {
  return recount::bench::main_of("catalog_import_bench", argc, argv, recount::bench::run);
}
