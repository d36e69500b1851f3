// The table reader: RFC 4180 and quoting off, delimiters, encodings, gzip, limits, header matching,
// error formatting and money.
#include "hub/catalog/csv.hpp"

#include <doctest/doctest.h>

#include "shared/core/gzip.hpp"
#include "shared/crypto/sha256.hpp"
#include "shared/domain/identifiers.hpp"
#include "tests/hub/catalog_fixtures.hpp"

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

namespace recount::hub {
namespace {

std::string error_of(const Table& table) {
  REQUIRE(table.error.has_value());
  return format_import_error("f.csv", *table.error);
}

TableOptions with(Delimiter delimiter, TextEncoding encoding = TextEncoding::kUtf8,
                  Quoting quoting = Quoting::kRfc4180) {
  TableOptions options;
  options.delimiter = delimiter;
  options.encoding = encoding;
  options.quoting = quoting;
  return options;
}

}  // namespace

TEST_CASE("the delimiter is detected from the header line, outside quotes, and a tie or none is refused") {
  auto semicolons = read_table("\xEF\xBB\xBF\n\"a;b,c,d\";e;f\n1;2;3\n");
  REQUIRE(!semicolons.error);
  CHECK(semicolons.delimiter == ';');
  CHECK(semicolons.records.at(0).line == 2);
  CHECK(semicolons.records.at(0).fields == std::vector<std::string>{"a;b,c,d", "e", "f"});
  CHECK(read_table("a\tb\tc\n1\t2\t3").delimiter == '\t');
  CHECK(read_table("a,b\n").delimiter == ',');
  CHECK(error_of(read_table("\r\n\r\nsku,description;unit_cost_cents\n")) ==
        "f.csv:3: cannot tell the delimiter from the header line (1 ',', 1 ';' and 0 TAB): name it (',', ';' or TAB)");
  CHECK(error_of(read_table("sku\n1\n")).find("0 ',', 0 ';' and 0 TAB") != std::string::npos);
  // A file of nothing but line ends has no header to detect from: it reads as no records.
  CHECK(!read_table("\r\n\n").error);
  CHECK(ImportTable("\n", {"sku"}).errors.at(0).message == "the file is empty (a header line is required)");
  // A given delimiter is used as it is, whatever the header holds.
  auto given = read_table("a;b,c\n", with(Delimiter::kComma));
  CHECK(given.records.at(0).fields == std::vector<std::string>{"a;b", "c"});
}

TEST_CASE("with quoting off a quote is an ordinary character and an unbalanced one swallows nothing") {
  auto table = read_table("sku\ttitle\tqty\r\nA1\t12\" pipe \"brass\tx\r\nA2\t\"open\t5",
                          with(Delimiter::kTab, TextEncoding::kUtf8, Quoting::kOff));
  REQUIRE(!table.error);
  REQUIRE(table.records.size() == 3);
  CHECK(table.records[1].fields == std::vector<std::string>{"A1", "12\" pipe \"brass", "x"});
  CHECK(table.records[2].fields == std::vector<std::string>{"A2", "\"open", "5"});
  CHECK(table.records[2].line == 3);
  // The same file with RFC 4180 quoting is refused at the stray quote.
  CHECK(error_of(read_table("sku\ttitle\r\nA1\t12\" pipe\r\n", with(Delimiter::kTab))).starts_with("f.csv:2: a quote"));
}

TEST_CASE("CRLF, LF and a lone CR each end a line, blank lines are skipped and the last line needs no end") {
  auto table = read_table("a,b\r\n1,2\n\n3,4\r5,6\r\n\r\n\"x\ry\",7\n8,9", with(Delimiter::kComma));
  REQUIRE(!table.error);
  REQUIRE(table.records.size() == 6);
  std::vector<std::size_t> lines;
  for (const auto& record : table.records) lines.push_back(record.line);
  CHECK(lines == std::vector<std::size_t>{1, 2, 4, 5, 7, 9});
  CHECK(table.records[4].fields == std::vector<std::string>{"x\ry", "7"});
  CHECK(table.records[5].fields == std::vector<std::string>{"8", "9"});
}

TEST_CASE("invalid UTF-8 names the first bad line and byte column, and suggests windows-1252") {
  const std::string text = "sku,description\nA,ok\nB,caf\xE9\nC,\xFF\n";
  CHECK(error_of(read_table(text)) ==
        "f.csv:3: byte column 6: byte E9 is not valid UTF-8 (is the file windows-1252? then say so as its encoding)");
  // A multi-byte character cut short counts from its first byte; CRLF is one line end.
  CHECK(error_of(read_table("a,b\r\n\xC3\xA9,\xE2\x82\n")).starts_with("f.csv:2: byte column 4:"));
}

TEST_CASE("windows-1252 maps all 251 defined bytes to UTF-8 and names the line and column of an undefined one") {
  std::string all = "byte\n";
  for (int byte = 0x20; byte <= 0xFF; ++byte) {
    if (byte == 0x81 || byte == 0x8D || byte == 0x8F || byte == 0x90 || byte == 0x9D || byte == '"' || byte == ',' ||
        byte == ';' || byte == 0x7F) {
      continue;
    }
    all += static_cast<char>(byte);
    all += '\n';
  }
  auto table = read_table(all, with(Delimiter::kComma, TextEncoding::kWindows1252));
  REQUIRE(!table.error);
  CHECK(table.encoding == TextEncoding::kWindows1252);
  std::string joined;
  for (const auto& record : table.records) joined += record.fields.at(0);
  CHECK(is_valid_utf8(joined));
  CHECK(joined.find("\xE2\x82\xAC") != std::string::npos);  // 80: €
  CHECK(joined.find("\xC5\xB8") != std::string::npos);      // 9F: Ÿ
  CHECK(joined.find("\xE2\x84\xA2") != std::string::npos);  // 99: ™
  CHECK(joined.find("\xC3\xA9") != std::string::npos);      // E9: é
  CHECK(joined.ends_with("\xC3\xBF"));                      // FF: ÿ
  CHECK(table.records.size() == 1 + 0xFF - 0x20 + 1 - 9);

  for (const int undefined : {0x81, 0x8D, 0x8F, 0x90, 0x9D}) {
    const std::string text = std::string("a,b\r\nx,y") + static_cast<char>(undefined) + "\r\n";
    auto refused = read_table(text, with(Delimiter::kDetect, TextEncoding::kWindows1252));
    CHECK(error_of(refused).starts_with("f.csv:2: byte column 4: byte "));
    CHECK(error_of(refused).ends_with(" is not a character in windows-1252"));
  }
}

TEST_CASE("bytes said to be windows-1252 are converted even when they happen to be valid UTF-8") {
  // Found by table_fuzz: an empty file under windows-1252 answered utf-8. "Ã©" is C3 A9 in windows-1252.
  auto table = read_table("a\n\xC3\xA9\n", with(Delimiter::kComma, TextEncoding::kWindows1252));
  CHECK(table.encoding == TextEncoding::kWindows1252);
  CHECK(table.records.at(1).fields.at(0) == "\xC3\x83\xC2\xA9");
  CHECK(read_table("", with(Delimiter::kComma, TextEncoding::kWindows1252)).encoding == TextEncoding::kWindows1252);
}

TEST_CASE("auto reads UTF-8 when the bytes are UTF-8, else windows-1252, and says which") {
  auto utf8 = read_table("a,b\nCaf\xC3\xA9,1\n", with(Delimiter::kDetect, TextEncoding::kAuto));
  CHECK(utf8.encoding == TextEncoding::kUtf8);
  CHECK(utf8.records.at(1).fields.at(0) == "Caf\xC3\xA9");
  auto latin = read_table("a,b\nCaf\xE9,1\n", with(Delimiter::kDetect, TextEncoding::kAuto));
  CHECK(latin.encoding == TextEncoding::kWindows1252);
  CHECK(latin.records.at(1).fields.at(0) == "Caf\xC3\xA9");
}

TEST_CASE("gzipped bytes are inflated, and corrupt, truncated or oversized ones are refused with the limit named") {
  const auto plain = testing::catalog_fixture_text("items.csv");
  const auto gzipped = testing::catalog_fixture_text("items.csv.gz");
  auto table = read_table(gzipped);
  REQUIRE(!table.error);
  CHECK(table.compression == Compression::kGzip);
  CHECK(table.records.size() == read_table(plain).records.size());
  CHECK(table.records.at(3).fields == read_table(plain).records.at(3).fields);
  // Two members joined with cat read as one text, as gunzip reads them.
  auto twice = read_table(gzipped + gzipped);
  REQUIRE(!twice.error);
  CHECK(twice.records.size() == 2 * table.records.size());

  CHECK(error_of(read_table(testing::catalog_fixture_text("items_truncated.csv.gz"))) ==
        "f.csv: is truncated gzip data");
  CHECK(error_of(read_table(std::string("\x1F\x8B", 2) + "not deflate data at all"))
            .starts_with("f.csv: is corrupt gzip data"));
  CHECK(error_of(read_table(gzipped + "tail")) == "f.csv: has bytes after the end of the gzip data");
  TableOptions small;
  small.max_text_bytes = 100;
  CHECK(error_of(read_table(gzipped, small)) == "f.csv: inflates to more than the limit of 100 bytes");
  CHECK(error_of(read_table(plain, small)) == "f.csv: is larger than the limit of 100 bytes");
}

TEST_CASE("more records than the limit are refused at the first one past it") {
  auto options = with(Delimiter::kComma);
  options.max_records = 2;
  CHECK(read_table("a\n1\n", options).records.size() == 2);
  CHECK(error_of(read_table("a\n1\n\n2\n", options)) == "f.csv:4: more than 2 records");
}

TEST_CASE("header names match loosely where asked: '-', '_' and ' ' the same, case and outer spaces ignored") {
  const CsvRecord amazon{1, {"sku", "AFN Warehouse Quantity ", "afn-fulfillable-quantity"}};
  auto loose = map_header(amazon, {"afn-warehouse-quantity", "AFN_FULFILLABLE_QUANTITY"}, HeaderMatch::kLoose);
  REQUIRE(loose.has_value());
  CHECK(loose->index == std::vector<int>{1, 2});
  CHECK(!map_header(amazon, {"afn-warehouse-quantity"}).has_value());
  CHECK(find_column(amazon, "afn_warehouse_quantity", HeaderMatch::kLoose) == 1);
  CHECK(find_column(amazon, "inbound", HeaderMatch::kLoose) == -1);
  CHECK(field_at(CsvRecord{2, {"x"}}, 1).empty());
  CHECK(!map_header(CsvRecord{1, {"a-b", "A B"}}, {"a_b"}, HeaderMatch::kLoose).has_value());
}

TEST_CASE("an import error is formatted FILE:LINE: COLUMN: message, leaving out what it lacks") {
  CHECK(format_import_error("items.csv", ImportError{7, "unit_cost", "is bad"}) == "items.csv:7: unit_cost: is bad");
  CHECK(format_import_error("items.csv", ImportError{7, "", "is bad"}) == "items.csv:7: is bad");
  CHECK(format_import_error("items.csv", ImportError{0, "", "is empty"}) == "items.csv: is empty");
}

TEST_CASE("money reads as cents with a decimal point, a comma only where asked, and refuses thousands separators") {
  CHECK(parse_cents("unit_cost", "2.50", DecimalMark::kPoint).value() == 250);
  CHECK(parse_cents("unit_cost", "2.5", DecimalMark::kPoint).value() == 250);
  CHECK(parse_cents("unit_cost", "0.05", DecimalMark::kPoint).value() == 5);
  CHECK(parse_cents("unit_cost", "12", DecimalMark::kPoint).value() == 1200);
  CHECK(parse_cents("unit_cost", " -3.07 ", DecimalMark::kPoint).value() == -307);
  CHECK(parse_cents("unit_cost", "2,50", DecimalMark::kPointOrComma).value() == 250);
  CHECK(parse_cents("unit_cost", "9999999999999.99", DecimalMark::kPoint).value() == 999'999'999'999'999);
  const auto message = [](std::string_view text, DecimalMark mark) {
    auto cents = parse_cents("unit_cost", text, mark);
    REQUIRE(!cents.has_value());
    CHECK(cents.error().field == "unit_cost");
    return cents.error().message;
  };
  CHECK(message("2,50", DecimalMark::kPoint) ==
        "'2,50': a decimal comma is accepted only in a ';'-separated file (write 2.50)");
  CHECK(message("1,234.50", DecimalMark::kPoint).find("thousands separators are not accepted") != std::string::npos);
  CHECK(message("1.234,50", DecimalMark::kPointOrComma).find("thousands separators") != std::string::npos);
  CHECK(message("1 234", DecimalMark::kPoint).find("thousands separators") != std::string::npos);
  CHECK(message("2.505", DecimalMark::kPoint) ==
        "'2.505' has 3 decimals: at most 2 (cents), and thousands separators are not accepted");
  CHECK(message("", DecimalMark::kPoint) == "must not be empty");
  for (const auto* text : {"2.", ".5", "abc", "2.5x", "--2", "+2", "1e3", "99999999999999"}) {
    CHECK_MESSAGE(!parse_cents("unit_cost", text, DecimalMark::kPointOrComma).has_value(), text);
  }
}

TEST_CASE("the delimiter and encoding names parse as the options and HTTP parameters write them") {
  CHECK(parse_delimiter(";") == Delimiter::kSemicolon);
  CHECK(parse_delimiter("tab") == Delimiter::kTab);
  CHECK(parse_delimiter("\t") == Delimiter::kTab);
  CHECK(parse_delimiter("TAB") == Delimiter::kTab);
  CHECK(parse_delimiter(",") == Delimiter::kComma);
  CHECK(!parse_delimiter("|").has_value());
  CHECK(parse_encoding("Windows-1252") == TextEncoding::kWindows1252);
  CHECK(parse_encoding("utf-8") == TextEncoding::kUtf8);
  CHECK(parse_encoding("auto") == TextEncoding::kAuto);
  CHECK(!parse_encoding("latin-9").has_value());
}

}  // namespace recount::hub

namespace recount::hub {

TEST_CASE("a table read in windows keeps records, quotes, line ends and characters that span windows whole") {
  // Lines of 100 bytes with a quoted field of line breaks and a 2-byte character every so often,
  // so that windows of 256 KiB cut through each kind.
  std::string text = "id,text\r\n";
  std::size_t rows = 0;
  while (text.size() < std::size_t{1'500'000}) {
    const auto id = std::to_string(rows++);
    text += id + ",\"caf\xC3\xA9 " + std::string(80, 'x') + "\r\nnext\"\r\n";
  }
  TableReader reader(text, {});
  CsvRecord record;
  std::size_t read = 0;
  std::size_t line = 0;
  bool same = true;
  while (reader.next(record)) {
    if (read > 0) {
      same = same && record.fields.size() == 2 && record.fields[0] == std::to_string(read - 1) &&
             record.fields[1] == "caf\xC3\xA9 " + std::string(80, 'x') + "\r\nnext" &&
             record.line == (read == 1 ? 2 : line + 2);  // a record is two lines, the header one
    }
    line = record.line;
    ++read;
  }
  CHECK(!reader.error());
  CHECK(same);
  CHECK(read == rows + 1);
  // The same bytes gzipped read as the same records.
  auto plain = read_table(text);
  auto inflated = read_table(gzip(text));
  REQUIRE(!inflated.error);
  CHECK(inflated.records.size() == plain.records.size());
  CHECK(inflated.records.back().fields == plain.records.back().fields);
}

TEST_CASE("a bad byte far into a file is named by its line and column, and a record past the limit is refused") {
  std::string text = "a,b\n";
  for (int i = 0; i < 40'000; ++i) text += "\xC3\xA9t\xC3\xA9,12345\r\n";
  text += "ok,1\rbad,\xFF\n";
  CHECK(
      error_of(read_table(text)) ==
      "f.csv:40003: byte column 5: byte FF is not valid UTF-8 (is the file windows-1252? then say so as its encoding)");
  CHECK(read_table(text, with(Delimiter::kDetect, TextEncoding::kAuto)).encoding == TextEncoding::kWindows1252);
  CHECK(error_of(read_table(gzip(text))).starts_with("f.csv:40003: byte column 5: byte FF"));

  auto options = with(Delimiter::kComma);
  options.max_record_bytes = 1000;
  const std::string open = "a\n1\n\"" + std::string(300'000, 'x') + "\n";
  CHECK(error_of(read_table(open, options)) == "f.csv:3: a record longer than 1000 bytes (is a quote left open?)");
}

TEST_CASE("the reader tells what it has gone past, in order, a window at a time, never what it still reads") {
  std::string text = "a,b\n";
  while (text.size() < std::size_t{5'000'000}) text += "0123456789,abcdefghij\n";
  std::size_t told = 0;
  bool in_order = true;
  TableOptions options;
  options.release = [&](std::string_view part) {
    in_order = in_order && part.data() == text.data() + told;
    told += part.size();
  };
  TableReader reader(text, options);
  CsvRecord record;
  std::size_t records = 0;
  while (reader.next(record)) ++records;
  CHECK(records == 1 + (text.size() - 4) / 22);
  CHECK(in_order);
  CHECK(told > text.size() / 2);
  CHECK(told < text.size());
  told = 0;
  CHECK(import_sha256(text, options) == sha256_hex(text));
  CHECK(told == text.size());
}

}  // namespace recount::hub
