// The GS1 parser against the shared corpus of public parsers' test vectors
// (../shared/testdata/gs1/cases.json, see SOURCE.md there) and against the behaviours the
// corpus does not pin down: separators, identifiers, positions in error messages, limits.
#include "shared/gs1/parser.hpp"

#include <doctest/doctest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "shared/gs1/dates.hpp"
#include "tests/support/process.hpp"

namespace recount::gs1 {
namespace {

using nlohmann::json;

// The corpus was assembled in 2026; its two-digit years are read relative to that year.
constexpr std::chrono::year_month_day kToday{std::chrono::year(2026), std::chrono::month(1), std::chrono::day(1)};

// Where a case's expectation contradicts the GS1 General Specifications, the test asserts the
// specification's answer instead, and says why here.
const std::map<std::string, std::string> kSpecificationRejections = {
    // From biip, which does not check GRAI (8003) check digits. GS1's syntax dictionary puts a
    // check digit on the GRAI's 13 digits after the leading 0, and zint, an independent encoder,
    // refuses it too: "AI (8003) position 14: Bad checksum '2', expected '1'".
    {"gs1-002", "(8003): part 2 (from character 2 of the value) check digit is 2, expected 1"},
};
const std::map<std::string, std::map<std::string, std::string>> kSpecificationDates = {
    // From DacoTaco/BarcodeParserBuilder, which reads every YY as 20YY. GS1 section 7.12: a
    // year 51..99 years ahead of the current two-digit year is in the previous century, so in
    // 2026 "99" is 1999 (biip, the corpus's main source, implements the same rule).
    {"gs1-085", {{"15", "1999-12-31"}}},
};

ParseOptions options_for(const json& test_case) {
  ParseOptions options;
  options.today = kToday;
  if (test_case.contains("validation")) options.pairing = PairingRules::kEnforce;
  const auto parser_options = test_case.value("parser_options", json::object());
  for (const auto& separator : parser_options.value("separator_chars", json::array())) {
    options.extra_separators += separator.get<std::string>();
  }
  if (parser_options.value("fnc1_required", false)) options.identifier = IdentifierPolicy::kRequired;
  return options;
}

std::string input_of(const json& test_case) {
  // Caret notation is gs1-syntax-engine's test syntax, not something a scanner sends; the
  // corpus carries its mechanical conversion to raw data beside it.
  if (test_case["notation"] == "caret") return test_case["raw"];
  return test_case["input"];
}

std::string replace_separators(std::string text, char with) {
  for (auto& c : text) {
    if (c == '\x1d') c = with;
  }
  return text;
}

// Every difference between what the case expects and what the parser returned.
std::vector<std::string> differences(const json& test_case, const ElementString& parsed) {
  std::vector<std::string> found;
  const auto& expect = test_case["expect"];
  const auto mismatch = [&](const std::string& what, const std::string& expected, const std::string& actual) {
    if (expected != actual) found.push_back(what + ": expected '" + expected + "', got '" + actual + "'");
  };
  json elements = json::array();
  for (const auto& element : parsed.elements) elements.push_back({{"ai", element.ai}, {"value", element.value}});
  mismatch("elements", expect.value("elements", json::array()).dump(), elements.dump());
  if (expect.contains("symbology_identifier")) {
    mismatch("symbology identifier", expect["symbology_identifier"], parsed.symbology_identifier);
  }
  if (expect.contains("hri")) mismatch("hri", expect["hri"], parsed.hri());
  if (expect.contains("raw")) mismatch("raw", expect["raw"], parsed.raw());
  if (expect.contains("caret")) mismatch("caret", expect["caret"], "^" + replace_separators(parsed.raw(), '^'));
  if (expect.contains("gtin")) mismatch("plain gtin", expect["gtin"], parsed.plain_gtin.value_or(""));
  if (expect.contains("dates")) {
    std::map<std::string, std::string> expected = expect["dates"];
    if (const auto spec = kSpecificationDates.find(test_case["id"]); spec != kSpecificationDates.end()) {
      for (const auto& [ai, date] : spec->second) expected[ai] = date;
    }
    std::map<std::string, std::string> actual;
    for (const auto& element : parsed.elements) {
      if (element.date) actual[element.ai] = iso_date(*element.date);
    }
    mismatch("dates", json(expected).dump(), json(actual).dump());
  }
  const auto decimals = expect.value("decimal", json::object());
  for (const auto& [ai, decimal] : decimals.items()) {
    const auto* element = parsed.find(ai);
    mismatch("decimal (" + ai + ")", decimal, element && element->decimal ? *element->decimal : "");
  }
  if (expect.contains("sscc")) {
    const auto sscc = parsed.sscc().value_or("??");
    // The GS1 company prefix's length is not in the SSCC itself (it needs GS1's prefix
    // table), so only the digits at fixed places are compared.
    mismatch("sscc extension digit", std::to_string(expect["sscc"]["extension_digit"].get<int>()), sscc.substr(0, 1));
    mismatch("sscc check digit", std::to_string(expect["sscc"]["check_digit"].get<int>()),
             sscc.substr(sscc.size() - 1));
  }
  return found;
}

json load_corpus() {
  const auto text = testing::read_file(std::filesystem::path(RECOUNT_TESTDATA_DIR) / "gs1/cases.json");
  auto corpus = json::parse(text, nullptr, false);
  REQUIRE_MESSAGE(corpus.is_array(), "cannot read gs1/cases.json under " RECOUNT_TESTDATA_DIR);
  return corpus;
}

Result<ElementString> parse_today(std::string_view text, ParseOptions options = {}) {
  options.today = kToday;
  return parse(text, options);
}

}  // namespace

TEST_CASE("every case of the shared GS1 corpus gives its expected result") {
  const auto corpus = load_corpus();
  CHECK(corpus.size() == 85);
  std::size_t valid = 0;
  std::size_t rejected = 0;
  std::size_t deviations = 0;
  for (const auto& test_case : corpus) {
    const std::string id = test_case["id"];
    const auto parsed = parse(input_of(test_case), options_for(test_case));
    if (const auto rule = kSpecificationRejections.find(id); rule != kSpecificationRejections.end()) {
      CHECK_MESSAGE(!parsed, id << " should break a GS1 rule");
      if (!parsed) CHECK(parsed.error().describe().starts_with(rule->second));
      ++deviations;
      continue;
    }
    if (test_case.value("error", false)) {
      if (parsed) {
        FAIL_CHECK(id << ": expected a rejection (" << test_case["error_kind"].get<std::string>()
                      << "), but it parsed as " << parsed->hri());
      } else {
        ++rejected;
        CHECK_MESSAGE(!parsed.error().message.empty(), id);
      }
      continue;
    }
    if (!parsed) {
      FAIL_CHECK(id << ": expected it to parse, but: " << parsed.error().describe());
      continue;
    }
    const auto found = differences(test_case, *parsed);
    for (const auto& difference : found) FAIL_CHECK(id << ": " << difference);
    if (found.empty()) ++valid;
  }
  CHECK(valid == 46);
  CHECK(rejected == 38);
  CHECK(deviations == 1);
}

TEST_CASE("a raw element string splits at predefined lengths and at group separators") {
  const auto parsed = parse_today(
      "0109504000059101"
      "17261231"
      "10AB-12\x1d"
      "21XYZ");
  REQUIRE(parsed);
  CHECK(parsed->hri() == "(01)09504000059101(17)261231(10)AB-12(21)XYZ");
  CHECK(parsed->raw() ==
        "01095040000591011726123110AB-12\x1d"
        "21XYZ");
}

TEST_CASE("extra separators end variable-length fields only when configured") {
  ParseOptions options;
  options.extra_separators = "|";
  const auto with = parse_today("10AB|21CD", options);
  REQUIRE(with);
  CHECK(with->hri() == "(10)AB(21)CD");
  const auto without = parse_today("10AB|21CD");
  REQUIRE_FALSE(without);
  CHECK(without.error().field == "(10)");
  CHECK(without.error().message.find("'|'") != std::string::npos);
}

TEST_CASE(
    "a required identifier accepts GS1-128 and GS1 DataMatrix identifiers and a leading GS, and refuses bare data") {
  ParseOptions options;
  options.identifier = IdentifierPolicy::kRequired;
  CHECK(parse_today("]C10109504000059101", options));
  CHECK(parse_today("]d20109504000059101", options));
  CHECK(
      parse_today("\x1d"
                  "0109504000059101",
                  options));
  const auto bare = parse_today("0109504000059101", options);
  REQUIRE_FALSE(bare);
  CHECK(bare.error().field == "symbology_identifier");
}

TEST_CASE("plain EAN, UPC and ITF scans give a GTIN and no elements") {
  const auto ean8 = parse_today("]E496385074");
  REQUIRE(ean8);
  CHECK(ean8->elements.empty());
  CHECK(ean8->plain_gtin == "96385074");
  CHECK(ean8->gtin() == "00000096385074");
  const auto itf = parse_today("]I115400141288763");
  REQUIRE(itf);
  CHECK(itf->gtin() == "15400141288763");
  const auto bad = parse_today("]E0590123412345");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "gtin");
}

TEST_CASE("plain QR or Data Matrix data is GS1 data only as a Digital Link URI") {
  const auto link = parse_today("]d1https://id.gs1.org/01/09506000134352/10/ABC");
  REQUIRE(link);
  CHECK(link->symbology_identifier == "]d1");
  CHECK(link->hri() == "(01)09506000134352(10)ABC");
  const auto text = parse_today("]Q1hello");
  REQUIRE_FALSE(text);
  CHECK(text.error().message.find("]Q1") != std::string::npos);
}

TEST_CASE("errors name the AI, the rule and the character where the value starts") {
  const auto date = parse_today(
      "0109504000059101"
      "17120230");
  REQUIRE_FALSE(date);
  CHECK(date.error().field == "(17)");
  CHECK(date.error().message.find("February 2012 has 29 days, not 30") != std::string::npos);
  CHECK(date.error().message.find("starts at character 19") != std::string::npos);

  const auto unknown = parse_today(
      "0109504000059101"
      "891234");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("'8912'") != std::string::npos);
  CHECK(unknown.error().message.find("at character 17") != std::string::npos);

  const auto separator = parse_today(
      "01095040\x1d"
      "00059101");
  REQUIRE_FALSE(separator);
  CHECK(separator.error().field == "(01)");
  CHECK(separator.error().message.find("at character 9") != std::string::npos);

  const auto check_digit = parse_today("(00)106141412345678900");
  REQUIRE_FALSE(check_digit);
  CHECK(check_digit.error().describe() == "(00): check digit is 0, expected 8 (the value starts at character 5)");
}

TEST_CASE("bracketed input rejects AIs that are not two to four known digits") {
  CHECK_FALSE(parse_today("(12345)12345"));
  CHECK_FALSE(parse_today("(1)15210526"));
  CHECK_FALSE(parse_today("(89)1234"));
  const auto nested = parse_today("(10)A(B)C(21)X");
  REQUIRE(nested);
  CHECK(nested->lot() == "A(B)C");
}

TEST_CASE("input that is empty, over the limit or only separators is refused") {
  CHECK_FALSE(parse_today(""));
  CHECK_FALSE(parse_today("\x1d\x1d"));
  CHECK_FALSE(parse_today("]C1\x1d"));
  CHECK_FALSE(parse_today("]C"));
  CHECK_FALSE(parse_today(std::string(kMaxInput + 1, '1')));
}

TEST_CASE("pairing rules apply only when enforced") {
  ParseOptions strict;
  strict.pairing = PairingRules::kEnforce;
  CHECK(parse_today("(21)ABC123"));
  const auto refused = parse_today("(21)ABC123", strict);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().describe() == "(21): requires one of (01), (8006)");
}

TEST_CASE("two-digit years follow the century rule relative to the injected date") {
  ParseOptions later;
  later.today = std::chrono::year_month_day{std::chrono::year(2080), std::chrono::month(1), std::chrono::day(1)};
  const auto parsed = parse("17991231", later);
  REQUIRE(parsed);
  CHECK(parsed->expiry() == "2099-12-31");
  CHECK(parse_today("17991231")->expiry() == "1999-12-31");
}

}  // namespace recount::gs1
