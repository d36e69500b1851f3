// Catalog import benchmark: a generated items CSV of --items rows (500,000 by default, ~39 MB)
// sent through `recountctl import items` to a real recount-hub, which streams it to disk, imports
// it and publishes it to each of --sites sites (default 1; each has one location, so that the hub
// has sites to publish to, as a real one does); beside the table reader's raw rate over the same
// bytes (table_rate.hpp) in the same run, and the hub's peak RSS (VmHWM) before and after.
// 500,000 items make 550,000 rows, 38 MB: over the 32 MiB that imports were once limited to.
// Then a POS journal of --pos-lines lines (1,000 by default; half by SKU, half by barcode) over
// that catalog, whose import resolves each line against it: its time and the hub's peak RSS
// while it runs (the peak forgotten before it). Last, what a viewer's plain
// GET /api/v1/catalog?site=site-0 costs the hub (a page of items since 2026-12-07, the whole
// catalog before).
//
// Usage: catalog_import_bench [--items 500000] [--sites 1] [--pos-lines 1000] [--milliseconds 500]
//                             [--timeout-s 600]
// Prints "name value unit" lines: catalog_import_bytes, catalog_import_s (until recountctl has the
// answer), catalog_import_published_s (until the hub says every site's catalog is out),
// catalog_import_rows_per_s (end to end, to the latter), catalog_import_raw_rows_per_s,
// catalog_import_ratio (import / raw), hub_longest_answer_import_s (the longest a GET
// /api/v1/health, asked every 20 ms from the import's start until its publication is out, took to
// be answered: the longest the hub's thread was taken), hub_longest_answer_after_import_answered_s
// (the same from recountctl's answer on), hub_rss_before_import_mb,
// hub_rss_peak_import_mb, hub_rss_after_import_mb (VmRSS once the import answered),
// pos_import_s, hub_rss_peak_pos_import_mb (-1 where the peak cannot be forgotten),
// catalog_get_s, catalog_get_bytes, hub_rss_peak_catalog_get_mb.
#include <algorithm>
#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_support.hpp"
#include "bench/table_rate.hpp"
#include "hub/http/client.hpp"
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

// A register's journal of sales spread over the catalog: every other line names the item by its
// barcode (as items_csv() gives them), the rest by SKU.
std::string pos_journal(std::size_t items, std::size_t lines) {
  std::string text = "time,register,receipt,line,sku,barcode,quantity,kind,reason\n";
  for (std::size_t line = 0; line < lines; ++line) {
    const auto id = std::to_string(line * 7'919 % std::max<std::size_t>(items, 1));
    const std::string item = line % 2 == 0 ? "SKU-" + id + "," : ",INT-" + id;
    text.append("2026-11-02T10:15:00Z,R1,").append(std::to_string(line / 4)).append(",");
    text.append(std::to_string(line % 4 + 1)).append(",").append(item).append(",1,sale,\n");
  }
  return text;
}

int run(const Args& args) {
  const auto items = static_cast<std::size_t>(args.number("items", 500'000));
  const auto pos_lines = static_cast<std::size_t>(args.number("pos-lines", 1'000));
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
  const auto import = [&](const std::string& kind, const std::filesystem::path& path,
                          const std::vector<std::string>& options = {}) {
    std::vector<std::string> command{RECOUNTCTL_BIN,
                                     "--hub",
                                     "http://127.0.0.1:" + std::to_string(hub.http_port()),
                                     "--token",
                                     nlohmann::json::parse(token.out).at("token").get<std::string>(),
                                     "import",
                                     kind,
                                     path.string()};
    command.insert(command.end(), options.begin(), options.end());
    const auto done = testing::run_command(command, "", timeout);
    if (done.exit_code != 0) throw std::runtime_error("recountctl import " + kind + " failed: " + done.err);
  };
  std::string locations = "site,location,label,location_class\n";
  for (std::int64_t site = 0; site < args.number("sites", 1); ++site) {
    locations += "site-" + std::to_string(site) + ",A-1,LOC:A-1,shelf\n";
  }
  std::ofstream(temp / "locations.csv", std::ios::binary) << locations;
  // The hub answers an import once it is stored; its publication is read and sent after, and the
  // hub says when the broker has all of it.
  const auto publications = [&hub] {
    const std::string errors = hub.errors();
    std::size_t count = 0;
    for (auto at = errors.find(" published to "); at != std::string::npos; at = errors.find(" published to ", at + 1)) {
      ++count;
    }
    return count;
  };
  // False when no new line came within the timeout.
  const auto published_since = [&](std::size_t before, Clock::time_point since) {
    while (publications() == before) {
      if (Clock::now() - since > timeout) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  };
  // The locations' publication is out before the items' is timed, so its line is not taken for theirs.
  const std::size_t before_locations = publications();
  import("locations", temp / "locations.csv");
  if (!published_since(before_locations, Clock::now())) throw std::runtime_error("the sites were not published");
  const double before_mib = rss_mib(hub.pid(), "VmHWM");
  const std::size_t published_before = publications();
  // Meanwhile a monitor asks the hub's health every 20 ms: the longest answer is the longest the
  // hub's thread was busy with the import or its publication, during which it stored no batch.
  hub::HubEndpoint endpoint(hub::HostPort{"127.0.0.1", static_cast<std::uint16_t>(hub.http_port())});
  std::atomic<bool> importing = true;
  std::atomic<bool> answered = false;
  double longest_s = 0;
  double longest_after_answer_s = 0;
  std::thread monitor([&] {
    while (importing.load()) {
      const bool after_answer = answered.load();
      const auto asked = Clock::now();
      const auto health = hub::http_get(endpoint, "/api/v1/health", timeout);
      const double took = seconds_since(asked);
      if (!health) continue;
      longest_s = std::max(longest_s, took);
      if (after_answer) longest_after_answer_s = std::max(longest_after_answer_s, took);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  const auto start = Clock::now();
  import("items", file);
  const double elapsed = seconds_since(start);
  answered = true;
  const bool published = published_since(published_before, start);
  const double published_elapsed = seconds_since(start);
  importing = false;
  monitor.join();
  if (!published) throw std::runtime_error("the catalog was not published in time");
  const double peak_mib = rss_mib(hub.pid(), "VmHWM");
  const double after_mib = rss_mib(hub.pid());

  std::ofstream(temp / "journal.csv", std::ios::binary) << pos_journal(items, pos_lines);
  const bool peak_forgotten = reset_peak_rss(hub.pid());
  const auto pos_start = Clock::now();
  import("pos", temp / "journal.csv", {"--site", "site-0"});
  const double pos_elapsed = seconds_since(pos_start);
  const double pos_peak_mib = peak_forgotten ? rss_mib(hub.pid(), "VmHWM") : -1;

  endpoint.token = nlohmann::json::parse(token.out).at("token").get<std::string>();
  reset_peak_rss(hub.pid());
  const auto get_start = Clock::now();
  const auto got = must(hub::http_get(endpoint, "/api/v1/catalog?site=site-0", timeout), "GET /api/v1/catalog");
  const double get_elapsed = seconds_since(get_start);
  if (got.status != 200) throw std::runtime_error("GET /api/v1/catalog answered " + std::to_string(got.status));
  const double get_peak_mib = peak_forgotten ? rss_mib(hub.pid(), "VmHWM") : -1;
  hub.stop();

  emit("catalog_import_bytes", static_cast<double>(csv.size()), "bytes");
  emit("catalog_import_s", elapsed, "s");
  emit("catalog_import_published_s", published_elapsed, "s");
  emit("catalog_import_rows_per_s", static_cast<double>(raw.rows) / published_elapsed, "rows/s");
  emit("catalog_import_raw_rows_per_s", raw.rows_per_s, "rows/s");
  emit("catalog_import_ratio", static_cast<double>(raw.rows) / published_elapsed / raw.rows_per_s, "x");
  emit("hub_longest_answer_import_s", longest_s, "s");
  emit("hub_longest_answer_after_import_answered_s", longest_after_answer_s, "s");
  emit("hub_rss_before_import_mb", before_mib, "MiB");
  emit("hub_rss_peak_import_mb", peak_mib, "MiB");
  emit("hub_rss_after_import_mb", after_mib, "MiB");
  emit("pos_import_s", pos_elapsed, "s");
  emit("hub_rss_peak_pos_import_mb", pos_peak_mib, "MiB");
  emit("catalog_get_s", get_elapsed, "s");
  emit("catalog_get_bytes", static_cast<double>(got.body.size()), "bytes");
  emit("hub_rss_peak_catalog_get_mb", get_peak_mib, "MiB");
  return 0;
}

}  // namespace
}  // namespace recount::bench

int main(int argc, char** argv) {
  return recount::bench::main_of("catalog_import_bench", argc, argv, recount::bench::run);
}
