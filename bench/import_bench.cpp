// Channel import benchmark: rows per second the connectors read (hub/channels) from a generated
// Shopify export ("All quantity types", 2024+ layout) and a generated Manage FBA Inventory
// report, beside the hub's table reader (hub/catalog/csv.hpp through read_report_file) splitting
// the same bytes alone, in the same run; the ratio is what the connector's own work costs.
//
// Usage: import_bench [--shopify-rows 100000] [--fba-rows 50000] [--milliseconds 500]
// Prints "name value unit" lines: import_{shopify,fba}_rows_per_s, import_{shopify,fba}_raw_rows_per_s,
// import_{shopify,fba}_ratio (connector / raw), import_{shopify,fba}_bytes.
#include <string>

#include "bench/bench_support.hpp"
#include "hub/channels/fba/fba_report.hpp"
#include "hub/channels/report_file.hpp"
#include "hub/channels/shopify/shopify_export.hpp"

namespace recount::bench {
namespace {

// A Shopify export of `rows` variant-location rows: 4 locations, every 50th SKU empty (Handle and
// options identify it), every 20th row not stocked, every 30th title quoted with a comma.
std::string shopify_export(std::size_t rows) {
  std::string text =
      "Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,SKU,HS Code,COO,"
      "Location,Bin name,Incoming (not editable),Unavailable (not editable),Committed (not editable),"
      "Available (not editable),On hand (current),On hand (new)\n";
  const char* const locations[] = {"Shop location", "Warehouse", "Pop-up", "Outlet"};
  for (std::size_t row = 0; row < rows; ++row) {
    const auto variant = std::to_string(row / 4);
    const bool no_sku = (row / 4) % 50 == 0;
    text.append("handle-").append(variant).append(",");
    text.append((row / 4) % 30 == 0 ? "\"Tumbler, 24 oz\"" : "Tumbler")
        .append(",Size,S")
        .append(variant)
        .append(",,,,,");
    text.append(no_sku ? "\"\"" : "SKU-" + variant).append(",420222,AU,").append(locations[row % 4]).append(",,");
    if (row % 20 == 0) {
      text += "not stocked,not stocked,not stocked,not stocked,not stocked,\n";
    } else {
      const auto n = static_cast<long>(row % 97);
      text += "0,1,2," + std::to_string(n) + "," + std::to_string(n + 3) + ",\n";
    }
  }
  return text;
}

// A Manage FBA Inventory report (21 columns, TAB, CRLF) of `rows` SKUs.
std::string fba_report(std::size_t rows) {
  std::string text =
      "sku\tfnsku\tasin\tproduct-name\tcondition\tyour-price\tmfn-listing-exists\tmfn-fulfillable-quantity\t"
      "afn-listing-exists\tafn-warehouse-quantity\tafn-fulfillable-quantity\tafn-unsellable-quantity\t"
      "afn-reserved-quantity\tafn-total-quantity\tper-unit-volume\tafn-inbound-working-quantity\t"
      "afn-inbound-shipped-quantity\tafn-inbound-receiving-quantity\tafn-researching-quantity\t"
      "afn-reserved-future-supply\tafn-future-supply-buyable\r\n";
  for (std::size_t row = 0; row < rows; ++row) {
    const auto id = std::to_string(100000000000 + row);
    const auto fulfillable = static_cast<long>(row % 53);
    text.append("0").append(id).append("\tX00").append(id.substr(4)).append("\tB0").append(id.substr(4));
    text.append("\tMug, blue, ").append(id).append("\tNew\t19.99\tNo\t\tYes\t").append(std::to_string(fulfillable + 3));
    text.append("\t").append(std::to_string(fulfillable)).append("\t1\t2\t").append(std::to_string(fulfillable + 8));
    text.append("\t0.25\t5\t0\t0\t0\t0\t0\r\n");
  }
  return text;
}

// Rows per second of `pass` (which reads all `rows` once and returns a count that depends on
// its work), repeated for at least `seconds`.
template <typename Pass>
double rows_per_s(std::size_t rows, double seconds, Pass pass) {
  std::size_t sink = 0;
  std::size_t passes = 0;
  const auto start = Clock::now();
  do {
    sink += pass();
    ++passes;
  } while (seconds_since(start) < seconds);
  const double elapsed = seconds_since(start);
  if (sink == 0) throw std::runtime_error("a benchmark pass did no work");
  return static_cast<double>(passes * rows) / elapsed;
}

template <typename Read>
void measure(const std::string& name, const std::string& bytes, std::size_t rows, hub::channels::FileDialect dialect,
             double seconds, Read read) {
  const auto first = read(bytes);
  if (!first.errors.empty())
    throw std::runtime_error(name + ": the generated file has errors: " + first.errors[0].message);
  const double connector = rows_per_s(rows, seconds, [&] {
    const auto report = read(bytes);
    return report.quantities.size() + report.notes.size();
  });
  const double raw = rows_per_s(rows, seconds, [&] {
    return hub::channels::read_report_file(bytes, dialect, hub::TextEncoding::kAuto).rows.size();
  });
  emit("import_" + name + "_rows_per_s", connector, "rows/s");
  emit("import_" + name + "_raw_rows_per_s", raw, "rows/s");
  emit("import_" + name + "_ratio", connector / raw, "x");
  emit("import_" + name + "_bytes", static_cast<double>(bytes.size()), "bytes");
}

int run(const Args& args) {
  const double seconds = static_cast<double>(args.number("milliseconds", 500)) / 1000.0;
  const auto shopify_rows = static_cast<std::size_t>(args.number("shopify-rows", 100'000));
  const auto fba_rows = static_cast<std::size_t>(args.number("fba-rows", 50'000));
  measure("shopify", shopify_export(shopify_rows), shopify_rows, hub::channels::FileDialect::kCsv, seconds,
          [](const std::string& bytes) { return hub::channels::shopify::read_shopify_export(bytes); });
  measure("fba", fba_report(fba_rows), fba_rows, hub::channels::FileDialect::kAmazonFlatFile, seconds,
          [](const std::string& bytes) { return hub::channels::fba::read_fba_report(bytes); });
  return 0;
}

}  // namespace
}  // namespace recount::bench

int main(int argc, char** argv) { return recount::bench::main_of("import_bench", argc, argv, recount::bench::run); }
