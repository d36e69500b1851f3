// RFC 4180 records with line numbers, BOM and CRLF, and case-insensitive header mapping.
#include "hub/catalog/csv.hpp"

#include <doctest/doctest.h>

namespace recount::hub {

TEST_CASE("csv reads quoted fields with commas, doubled quotes and line breaks, keeping line numbers") {
  auto records = parse_csv(
      "\xEF\xBB\xBF"
      "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\r\n\"two\nlines\",z\nlast,\n");
  REQUIRE(records.has_value());
  REQUIRE(records->size() == 4);
  CHECK(records->at(0).fields == std::vector<std::string>{"a", "b"});
  CHECK(records->at(1).fields == std::vector<std::string>{"x, y", "say \"hi\""});
  CHECK(records->at(2).line == 4);
  CHECK(records->at(2).fields == std::vector<std::string>{"two\nlines", "z"});
  CHECK(records->at(3).line == 6);
  CHECK(records->at(3).fields == std::vector<std::string>{"last", ""});
}

TEST_CASE("csv rejects stray quotes, unclosed quotes and invalid UTF-8, naming the line") {
  CHECK(parse_csv("a\nb\"c\n").error().field == "line 2");
  CHECK(parse_csv("a\n\"b\"c\n").error().field == "line 2");
  CHECK(parse_csv("a\n\"open\n").error().message.find("not closed") != std::string::npos);
  CHECK(!parse_csv("a\n\xff\n").has_value());
}

TEST_CASE("a header is matched case-insensitively, extra columns ignored, missing ones all named") {
  CsvRecord header{1, {" SKU ", "Extra", "Pack_Qty"}};
  auto columns = map_header(header, {"pack_qty", "sku"});
  REQUIRE(columns.has_value());
  CHECK(columns->index == std::vector<int>{2, 0});
  auto missing = map_header(header, {"sku", "barcode", "label"});
  REQUIRE(!missing.has_value());
  CHECK(missing.error().message.find("barcode, label") != std::string::npos);
}

}  // namespace recount::hub
