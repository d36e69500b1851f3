// Validation of single AI values against the AI table.
#include "shared/gs1/validation.hpp"

#include <doctest/doctest.h>

namespace recount::gs1 {
namespace {

constexpr std::chrono::year_month_day kToday{std::chrono::year(2026), std::chrono::month(1), std::chrono::day(1)};

Result<Element> check(std::string_view ai, std::string_view value) {
  const auto* definition = find_ai(ai);
  REQUIRE(definition != nullptr);
  return validate_element(ai, *definition, value, kToday);
}

std::string error_of(std::string_view ai, std::string_view value) {
  const auto element = check(ai, value);
  return element ? "ok" : element.error().describe();
}

}  // namespace

TEST_CASE("check digits of GTIN, SSCC, GLN and GRAI are verified") {
  CHECK(check("01", "09504000059101"));
  CHECK(error_of("01", "09504000059102") == "(01): check digit is 2, expected 1");
  CHECK(check("00", "106141412345678908"));
  CHECK(check("414", "9501101020917"));
  CHECK(error_of("8003", "07071324001022085952") ==
        "(8003): part 2 (from character 2 of the value) check digit is 2, expected 1");
  CHECK(check("8003", "07071324001021085952"));
}

TEST_CASE("lengths are checked against fixed and variable bounds") {
  CHECK(error_of("01", "0950400005910") == "(01): must have 14 digits, not 13");
  CHECK(error_of("10", std::string(21, 'A')) == "(10): value is too long: 21 characters, at most 20");
  CHECK(error_of("10", "") == "(10): value is empty");
  CHECK(check("10", std::string(20, 'A')));
}

TEST_CASE("characters outside the component's set are named with their place") {
  CHECK(error_of("10", "AB#C") == "(10): '#' at character 3 of the value is not in GS1 character set 82");
  CHECK(error_of("10", "AB C") == "(10): ' ' at character 3 of the value is not in GS1 character set 82");
  CHECK(error_of("10", "AB\x01") == "(10): byte 0x01 at character 3 of the value is not in GS1 character set 82");
  CHECK(error_of("8010", "ab") == "(8010): 'a' at character 1 of the value is not in GS1 character set 39");
  CHECK(check("92", "LGYcm3FRQrRdNOO+8t0pz78QTyxxBmYKhLXaAS03jKV7oy+DWGy1SeU+BZ8o7B8+hs9LvPdNA7B6NPGjrCm34A=="));
}

TEST_CASE("dates, times and date-hours are checked and dates resolved") {
  const auto expiry = check("17", "261200");
  REQUIRE(expiry);
  CHECK(expiry->date ==
        std::chrono::year_month_day{std::chrono::year(2026), std::chrono::month(12), std::chrono::day(31)});
  CHECK(error_of("7006", "261200") == "(7006): '261200' is not a date: day 00 is not allowed here");
  CHECK(check("7003", "2612312359"));
  CHECK(error_of("7003", "2612312400") == "(7003): part 2 (from character 7 of the value) '2400' is not a time HHMM");
  CHECK(check("8008", "26123123"));
  CHECK(check("8008", "261231231559"));
  CHECK_FALSE(check("8008", "26123124"));
  CHECK_FALSE(check("8008", "261231231"));
}

TEST_CASE("implied-decimal values get their decimal point") {
  CHECK(check("3105", "123456")->decimal == "1.23456");
  CHECK(check("3103", "001250")->decimal == "1.250");
  CHECK(check("3100", "000042")->decimal == "42");
  CHECK(check("3922", "12599")->decimal == "125.99");
  CHECK(check("3932", "97812599")->decimal == "125.99");
  CHECK(check("3925", "12")->decimal == "0.00012");
  CHECK_FALSE(check("3105", "123456")->date);
}

TEST_CASE("pieces of a total and the GRAI's leading zero are checked") {
  CHECK(check("8006", "095040000591010102"));
  CHECK(error_of("8006", "095040000591010302") ==
        "(8006): part 2 (from character 15 of the value) piece 03 of 02 is not a piece of the total");
  CHECK(error_of("8003", "17071324001021") ==
        "(8003): part 1 (from character 1 of the value) must be the digit 0, not '1'");
}

TEST_CASE("the GMN's check character pair is verified and the error gives the right pair") {
  // GS1 General Specifications 7.9.5: the worked example, and one weighted by 23 primes.
  CHECK(check("8013", "1987654Ad4X4bL5ttr2310c2K"));
  CHECK(check("8013", "12345678901234567890123NT"));
  CHECK(error_of("8013", "1987654Ad4X4bL5ttr2310c2L") == "(8013): check character pair is 2L, expected 2K");
  CHECK(error_of("8013", "2K") == "(8013): needs data and a check character pair, 3 to 32 characters");
}

TEST_CASE("the measures of roll products must not be zero and the winding must be 0, 1 or 9") {
  CHECK(check("8001", "01000050007610"));
  CHECK(check("8001", "01000050007690"));
  CHECK(error_of("8001", "01000050000010") == "(8001): part 3 (from character 10 of the value) must not be zero");
  CHECK(error_of("8001", "01000050007620") ==
        "(8001): part 4 (from character 13 of the value) winding direction must be 0, 1 or 9, not 2");
}

TEST_CASE("country lists are one to five whole three-digit codes") {
  CHECK(check("423", "276"));
  CHECK(check("423", "276250040528056"));
  CHECK(error_of("423", "27625") == "(423): part 2 (from character 4 of the value) must have 3 digits, not 2");
  CHECK(error_of("425", "2762500405280562") == "(425): value is too long: 16 characters, at most 15");
}

TEST_CASE("a CPID serial has no leading zero unless it is 0") {
  CHECK(check("8011", "0"));
  CHECK(check("8011", "10"));
  CHECK(error_of("8011", "010") == "(8011): must not start with 0");
}

}  // namespace recount::gs1
