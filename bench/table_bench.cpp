// Table reader benchmark: the raw rate of hub::read_table (the reader under every import) on
// generated files in the shapes the hub reads, beside a memchr line split of the same bytes in the
// same run: a Shopify-like ','-separated export with quoted fields (RFC 4180), an Amazon-like
// TAB file read with quoting off, and the same Shopify-like file in windows-1252.
//
// Usage: table_bench [--rows 100000] [--milliseconds 1000]
// Prints "name value unit" lines: table_<shape>_mb_per_s, table_<shape>_rows_per_s and
// table_<shape>_memchr_mb_per_s per shape.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/bench_support.hpp"
#include "bench/table_rate.hpp"

namespace recount::bench {
namespace {

// A Shopify-like export: handles, titles with commas and doubled quotes, option values, SKUs with
// leading zeros, per-location quantities; `text` non-ASCII as written in the target encoding.
std::string shopify_like(std::size_t rows, std::string_view accented) {
  std::string text = "Handle,Title,Option1 Name,Option1 Value,SKU,Location,On hand,Available\n";
  for (std::size_t row = 0; row < rows; ++row) {
    const auto n = std::to_string(row);
    text.append("tee-").append(n).append(",\"T-shirt ").append(n).append(", organic ").append(accented);
    text.append(" \"\"classic\"\"\",Size,").append(row % 2 == 0 ? "M" : "XL").append(",000").append(n);
    text.append(",Shop location,").append(std::to_string(row % 97)).append(",").append(std::to_string(row % 89));
    text.append("\n");
  }
  return text;
}

// An Amazon-like TAB report, quoting off (a stray quote in a title is an ordinary character).
std::string amazon_like(std::size_t rows) {
  std::string text =
      "sku\tfnsku\tasin\tproduct-name\tcondition\tafn-warehouse-quantity\tafn-fulfillable-quantity\t"
      "afn-unsellable-quantity\tafn-reserved-quantity\r\n";
  for (std::size_t row = 0; row < rows; ++row) {
    const auto n = std::to_string(row);
    text.append("00").append(n).append("\tX00").append(n).append("\tB0").append(n).append("\t12\" pipe, brass ");
    text.append(n).append("\tNew\t").append(std::to_string(row % 50)).append("\t").append(std::to_string(row % 40));
    text.append("\t1\t2\r\n");
  }
  return text;
}

void report(const std::string& shape, std::string_view bytes, const hub::TableOptions& options, double seconds) {
  const auto table = must(read_table_rate(bytes, options, seconds), "read_table_rate");
  const auto lines = memchr_line_rate(bytes, seconds);
  emit("table_" + shape + "_mb_per_s", table.megabytes_per_s, "MB/s");
  emit("table_" + shape + "_rows_per_s", table.rows_per_s, "rows/s");
  emit("table_" + shape + "_memchr_mb_per_s", lines.megabytes_per_s, "MB/s");
  emit("table_" + shape + "_memchr_rows_per_s", lines.rows_per_s, "rows/s");
}

int run(const Args& args) {
  const auto rows = static_cast<std::size_t>(args.number("rows", 100'000));
  const double seconds = static_cast<double>(args.number("milliseconds", 1000)) / 1000.0;

  hub::TableOptions options;
  options.max_records = rows + 1;
  report("shopify_csv", shopify_like(rows, "caf\xC3\xA9"), options, seconds);

  hub::TableOptions tab = options;
  tab.delimiter = hub::Delimiter::kTab;
  tab.quoting = hub::Quoting::kOff;
  report("amazon_tab", amazon_like(rows), tab, seconds);

  hub::TableOptions latin = options;
  latin.encoding = hub::TextEncoding::kWindows1252;
  report("shopify_windows1252", shopify_like(rows, "caf\xE9"), latin, seconds);
  return 0;
}

}  // namespace
}  // namespace recount::bench

int main(int argc, char** argv) { return recount::bench::main_of("table_bench", argc, argv, recount::bench::run); }
