// Barcode decoding: what it returns for known symbols, and decode rates per format against the
// project's images (tests/data/barcodes: zint symbols and photos rendered from them), against
// zint's images made while the test runs and, when it is present, against the external corpus's
// photos, held to the committed baseline tests/data/scan/decode_baseline.json so that a drop
// fails the build.
//
// To re-measure (after changing the decoder or the corpus), run the suite with
// RECOUNT_DECODE_BASELINE_OUT=FILE: the measured rates and failures are written there in the
// baseline's format, to review and copy over the committed baseline.
#include "agent/scan/barcode_decoder.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/agent/scan/zint_images.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::agent {
namespace {

using nlohmann::ordered_json;

struct Outcome {
  std::string image;  // path relative to the corpus, or the zint symbol's name
  bool decoded = false;
  std::string got;  // what was read, for the report
};

// Format -> outcome of every image of that format.
using Measurement = std::map<std::string, std::vector<Outcome>>;

// ZXing 1.4 gives UPC-A as its 12 digits, while the external corpus's expected files (from a later
// zxing-cpp) hold the 13-digit EAN-13 form with a leading 0. Both name the same GTIN; the
// comparison uses the 13-digit form, and nothing else is normalised.
std::string comparable(const DecodedBarcode& barcode) {
  if (barcode.format == BarcodeFormat::kUpcA && barcode.text.size() == 12) return "0" + barcode.text;
  return barcode.text;
}

Outcome judge(const std::filesystem::path& image, std::string name, const std::string& expected, bool normalise_upc_a) {
  Outcome outcome{std::move(name), false, ""};
  const auto barcodes = decode_image_file(image);
  if (!barcodes) {
    outcome.got = "unreadable: " + barcodes.error().describe();
    return outcome;
  }
  for (const auto& barcode : *barcodes) {
    const auto text = normalise_upc_a ? comparable(barcode) : barcode.text;
    if (text == expected) outcome.decoded = true;
    outcome.got += (outcome.got.empty() ? "" : ", ") + std::string(to_string(barcode.format)) + " '" + text + "'";
  }
  if (outcome.got.empty()) outcome.got = "nothing found";
  return outcome;
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  std::string field;
  while (std::getline(stream, field, ',')) fields.push_back(field);
  return fields;
}

Measurement measure_project() {
  Measurement measured;
  for (const auto& sample : testing::project_barcodes()) {
    measured[sample.format].push_back(judge(sample.image, sample.name(), sample.expected, false));
  }
  return measured;
}

Measurement measure_external(const std::filesystem::path& corpus) {
  std::ifstream manifest(corpus / "manifest.csv");
  REQUIRE_MESSAGE(manifest, "no manifest.csv under " << corpus);
  std::string line;
  std::getline(manifest, line);
  REQUIRE(line.starts_with("format,upstream_dir,image,expected_file,"));
  Measurement measured;
  while (std::getline(manifest, line)) {
    const auto fields = split_csv_line(line);
    REQUIRE(fields.size() >= 4);
    const auto folder = std::filesystem::path(fields[0]) / fields[1];
    const auto expected = testing::read_file(corpus / folder / fields[3]);
    measured[fields[0]].push_back(judge(corpus / folder / fields[2], (folder / fields[2]).string(), expected, true));
  }
  return measured;
}

Measurement measure_zint(const testing::TempDir& dir) {
  Measurement measured;
  for (const auto& symbol : testing::zint_symbols()) {
    const auto image = testing::make_zint_image(dir.path(), symbol.name, symbol.arguments);
    measured[symbol.format].push_back(judge(image, symbol.name, symbol.expected, false));
  }
  return measured;
}

ordered_json load_baseline() {
  const auto text =
      testing::read_file(std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/data/scan/decode_baseline.json");
  auto baseline = ordered_json::parse(text, nullptr, false);
  REQUIRE_MESSAGE(baseline.is_object(), "tests/data/scan/decode_baseline.json is not JSON");
  return baseline;
}

// The measurement in the baseline's format; failures keep the reason the baseline gives them.
ordered_json as_baseline(const Measurement& measured, const ordered_json& previous) {
  auto section = ordered_json::object();
  for (const auto& [format, outcomes] : measured) {
    auto failures = ordered_json::object();
    int decoded = 0;
    for (const auto& outcome : outcomes) {
      if (outcome.decoded) {
        ++decoded;
        continue;
      }
      const auto known = previous.contains(format) ? previous[format]["known_failures"] : ordered_json::object();
      failures[outcome.image] =
          known.contains(outcome.image) ? known[outcome.image] : ordered_json("ZXing 1.4: " + outcome.got);
    }
    section[format] = {{"decoded", decoded},
                       {"total", outcomes.size()},
                       {"rate", static_cast<double>(decoded * 1000 / static_cast<int>(outcomes.size())) / 1000},
                       {"known_failures", failures}};
  }
  return section;
}

void write_measurement(const std::string& section, const ordered_json& measured) {
  const char* out = std::getenv("RECOUNT_DECODE_BASELINE_OUT");
  if (out == nullptr) return;
  auto file = ordered_json::parse(testing::read_file(out), nullptr, false);
  if (!file.is_object()) file = ordered_json::object();
  file[section] = measured;
  std::ofstream(out) << file.dump(2) << '\n';
}

// Fails for every image outside the baseline's known failures that does not decode, and for
// every format whose rate fell below the baseline's.
void hold_to_baseline(const std::string& section, const Measurement& measured) {
  const auto baseline = load_baseline()[section];
  REQUIRE_MESSAGE(baseline.is_object(), "decode_baseline.json has no section " << section);
  const auto current = as_baseline(measured, baseline);
  write_measurement(section, current);
  for (const auto& [format, outcomes] : measured) {
    INFO("format " << format);
    REQUIRE_MESSAGE(baseline.contains(format), "the baseline has no " << format << ": re-measure");
    const auto& expected = baseline[format];
    CHECK_MESSAGE(outcomes.size() == expected["total"].get<std::size_t>(), "the image set changed: re-measure");
    for (const auto& outcome : outcomes) {
      if (!outcome.decoded && !expected["known_failures"].contains(outcome.image)) {
        FAIL_CHECK(format << " " << outcome.image << " no longer decodes: " << outcome.got);
      }
    }
    const int decoded = current[format]["decoded"];
    CHECK_MESSAGE(decoded >= expected["decoded"].get<int>(),
                  format << " decodes " << decoded << " of " << outcomes.size());
    MESSAGE(section << " " << format << ": " << decoded << "/" << outcomes.size());
  }
}

GrayImage blank(int width, int height) {
  return GrayImage{width, height, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height, 255)};
}

}  // namespace

TEST_CASE("every format of the project's barcode images decodes at least as often as the baseline") {
  hold_to_baseline("project", measure_project());
}

TEST_CASE("every format of the external corpus's barcodes decodes at least as often as the baseline") {
  const auto corpus = testing::external_corpus("barcodes");
  if (!corpus) return;
  hold_to_baseline("external", measure_external(*corpus));
}

TEST_CASE("every format zint encodes, at every right angle, decodes at least as often as the baseline") {
  testing::TempDir dir;
  hold_to_baseline("zint", measure_zint(dir));
}

TEST_CASE("a GS1 DataMatrix reads with its GS1 DataMatrix identifier and group separators") {
  testing::TempDir dir;
  const auto image = testing::make_zint_image(
      dir.path(), "gs1", {"-b", "71", "--gs1", "--square", "-d", "[01]09504000059101[21]SN-1[17]261231[10]AB"});
  const auto barcodes = decode_image_file(image);
  REQUIRE(barcodes);
  REQUIRE(barcodes->size() == 1);
  CHECK(barcodes->front().format == BarcodeFormat::kDataMatrix);
  CHECK(barcodes->front().symbology_identifier == "]d2");
  CHECK(barcodes->front().text ==
        "010950400005910121SN-1\x1d"
        "17261231"
        "10AB");
}

TEST_CASE("positions are the symbol's corners in image pixels") {
  testing::TempDir dir;
  const auto image =
      testing::make_zint_image(dir.path(), "qr", {"-b", "58", "--scale=4", "--quietzones", "-d", "A-01"});
  const auto barcodes = decode_image_file(image);
  REQUIRE(barcodes);
  REQUIRE(barcodes->size() == 1);
  // A version 1 QR code is 21 modules; zint's scale 4 makes a module 8 pixels, and the quiet
  // zone is 4 modules: the symbol spans pixels 32 to 200.
  const std::array<PixelPoint, 4> corners = {PixelPoint{32, 32}, {200, 32}, {200, 200}, {32, 200}};
  CHECK(barcodes->front().position == corners);
}

TEST_CASE("an image without a barcode gives no result") {
  CHECK(decode_barcodes(blank(320, 240)).empty());
  CHECK(decode_barcodes(GrayImage{}).empty());
}

TEST_CASE("a large linear symbol found at two scales decodes once instead of aborting") {
  // ZXing 1.4's own downscaling asserted (and aborted the process) on the external corpus's
  // code128-1/4.png, a 1445x930 photo of this kind of symbol; this one is drawn by zint.
  const auto barcodes = decode_image_file(testing::project_data("barcodes/code128/code128-b-large.png"));
  REQUIRE(barcodes);
  REQUIRE(barcodes->size() == 1);
  CHECK(barcodes->front().text == "123456");
}

TEST_CASE("decoding a file that cannot be loaded returns the loader's error") {
  const auto missing = decode_image_file("/nonexistent/frame.png");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kIo);
}

TEST_CASE("formats have stable names") {
  CHECK(to_string(BarcodeFormat::kEan13) == "EAN-13");
  CHECK(to_string(BarcodeFormat::kUpcA) == "UPC-A");
  CHECK(to_string(BarcodeFormat::kCode128) == "Code128");
  CHECK(to_string(BarcodeFormat::kDataMatrix) == "DataMatrix");
}

}  // namespace recount::agent
