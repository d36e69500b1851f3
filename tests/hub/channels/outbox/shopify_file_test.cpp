// Corrections as Shopify inventory import files: the 2024+ layout, On hand (new), quoting.
#include "hub/channels/outbox/shopify_file.hpp"

#include <doctest/doctest.h>

#include "hub/catalog/csv.hpp"

namespace recount::hub::channels {
namespace {

CorrectionRecord record_of(std::string sku, std::string location, std::int64_t on_hand) {
  CorrectionRecord record;
  record.id = 42;
  record.correction =
      Correction{"shopify", "site-1", std::move(location), std::move(sku), on_hand, 7, "correct-system"};
  return record;
}

TEST_CASE("a correction's file is named by its system and zero-padded id") {
  CHECK(correction_file_name(record_of("SKU-1", "Main Store", 12)) == "shopify-correction-0000000042.csv");
}

TEST_CASE("the file is Shopify's 2024+ inventory layout with the SKU, the location and On hand (new)") {
  const std::string text = shopify_inventory_import(record_of("SKU-1", "Main Store", 12));
  auto records = parse_csv(text);
  REQUIRE(records.has_value());
  REQUIRE(records->size() == 2);
  const auto& header = (*records)[0].fields;
  const auto& row = (*records)[1].fields;
  REQUIRE(header.size() == 19);
  REQUIRE(row.size() == 19);
  CHECK(header[8] == "SKU");
  CHECK(header[11] == "Location");
  CHECK(header[17] == "On hand (current)");
  CHECK(header[18] == "On hand (new)");
  CHECK(row[8] == "SKU-1");
  CHECK(row[11] == "Main Store");
  CHECK(row[17].empty());
  CHECK(row[18] == "12");
  CHECK(text.back() == '\n');
}

TEST_CASE("a variant without SKU is named by its Handle and option values, the SKU left empty") {
  const std::string text = shopify_inventory_import(record_of("handle:tee/S%2FM/Black, matte", "Shop location", 4));
  auto records = parse_csv(text);
  REQUIRE(records.has_value());
  REQUIRE(records->size() == 2);
  const auto& row = (*records)[1].fields;
  REQUIRE(row.size() == 19);
  CHECK(row[0] == "tee");
  CHECK(row[2].empty());  // option names are not part of a variant's identity
  CHECK(row[3] == "S/M");
  CHECK(row[5] == "Black, matte");
  CHECK(row[7].empty());
  CHECK(row[8].empty());
  CHECK(row[11] == "Shop location");
  CHECK(row[18] == "4");
}

TEST_CASE("SKUs and locations with commas, quotes or line breaks are quoted so the row keeps its columns") {
  const std::string text = shopify_inventory_import(record_of("A,\"B\"\nC", "Shop, \"North\"", 0));
  auto records = parse_csv(text);
  REQUIRE(records.has_value());
  REQUIRE(records->size() == 2);
  const auto& row = (*records)[1].fields;
  REQUIRE(row.size() == 19);
  CHECK(row[8] == "A,\"B\"\nC");
  CHECK(row[11] == "Shop, \"North\"");
  CHECK(row[18] == "0");
}

}  // namespace
}  // namespace recount::hub::channels
