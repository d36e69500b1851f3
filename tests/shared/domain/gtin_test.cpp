// GTIN check digits and normalisation, on published GTINs, on the project's barcode images
// (tests/data/barcodes) and, when it is present, on the external corpus's barcode samples.
#include "shared/domain/gtin.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount {

TEST_CASE("the check digit follows the GS1 mod-10 rule") {
  CHECK(gtin_check_digit("590123412345") == '7');   // 5901234123457 (GS1 example EAN-13)
  CHECK(gtin_check_digit("9638507") == '4');        // 96385074 (EAN-8)
  CHECK(gtin_check_digit("0703206980498") == '8');  // 07032069804988 (GTIN-14)
  CHECK(gtin_check_digit("000000000000") == '0');
}

TEST_CASE("real GTIN-8 12 13 and 14 codes are valid") {
  // GTINs printed on retail goods and in public parsers' test vectors, and a published EAN-8.
  for (const char* gtin : {"96385074", "036602301467", "5901234123457", "2112345678900", "07032069804988",
                           "03453120000011", "34567890123457", "12345678901231"}) {
    CAPTURE(gtin);
    CHECK(is_valid_gtin(gtin));
  }
}

TEST_CASE("GTINs with a wrong check digit are invalid and the error names the right one") {
  // Real GTINs with their last digit changed.
  for (const char* gtin : {"07032069804987", "05901234123458", "2112345678901", "91197253403427"}) {
    CAPTURE(gtin);
    CHECK_FALSE(is_valid_gtin(gtin));
  }
  const auto result = normalize_gtin("07032069804987");
  REQUIRE_FALSE(result);
  CHECK(result.error().field == "gtin");
  CHECK(result.error().message == "check digit is 7, expected 8");
}

TEST_CASE("codes of other lengths or with other characters are not GTINs") {
  for (const char* text :
       {"", "1515", "0829220875", "123456789012312", "590123412345X", "5901234 123457", "+901234123457"}) {
    CAPTURE(text);
    CHECK_FALSE(is_valid_gtin(text));
  }
  CHECK(normalize_gtin("590123412345X").error().message == "must contain digits only");
  CHECK(normalize_gtin("0829220875").error().message == "must have 8, 12, 13 or 14 digits, not 10");
}

TEST_CASE("normalisation pads every valid GTIN to fourteen digits") {
  CHECK(normalize_gtin("96385074").value() == "00000096385074");
  CHECK(normalize_gtin("036602301467").value() == "00036602301467");
  CHECK(normalize_gtin("5901234123457").value() == "05901234123457");
  CHECK(normalize_gtin("05901234123457").value() == "05901234123457");
}

TEST_CASE("every EAN, UPC-A and ITF-14 image of the project's barcodes holds a valid GTIN") {
  int checked = 0;
  for (const auto& sample : testing::project_barcodes()) {
    if (sample.format != "ean13" && sample.format != "ean8" && sample.format != "upca" && sample.format != "itf") {
      continue;
    }
    CAPTURE(sample.name());
    CHECK(is_valid_gtin(sample.expected));
    ++checked;
  }
  CHECK(checked >= 20);
}

TEST_CASE("every EAN-13 and UPC-A barcode of the external corpus holds a valid GTIN in both forms") {
  const auto barcodes = testing::external_corpus("barcodes");
  if (!barcodes) return;
  int checked = 0;
  for (const char* format : {"ean13", "upca"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(*barcodes / format)) {
      const std::string name = entry.path().filename().string();
      if (!entry.is_regular_file() || !name.ends_with(".txt") || name.ends_with(".result.txt")) continue;
      const std::string text = testing::read_file(entry.path());
      CAPTURE(entry.path().string());
      CHECK(is_valid_gtin(text));
      // zxing reports UPC-A as 13 digits with a leading 0; scanners often send the 12-digit form.
      if (std::string(format) == "upca") CHECK(normalize_gtin(text.substr(1)).value() == normalize_gtin(text).value());
      ++checked;
    }
  }
  CHECK(checked >= 30);
}

TEST_CASE("fourteen-digit ITF case codes of the external corpus are valid GTIN-14s") {
  const auto barcodes = testing::external_corpus("barcodes");
  if (!barcodes) return;
  CHECK(is_valid_gtin(testing::read_file(*barcodes / "itf/itf-1/1.txt")));         // 30712345000010
  CHECK(is_valid_gtin(testing::read_file(*barcodes / "itf/itf-1/2.txt")));         // 00012345678905
  CHECK_FALSE(is_valid_gtin(testing::read_file(*barcodes / "itf/itf-1/13.txt")));  // 10 digits: not a GTIN
}

}  // namespace recount
