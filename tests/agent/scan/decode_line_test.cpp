// The line a frame's decoder process answers, written and read back; and the decode_line
// fuzzer's corpus (tests/fuzz/corpus/decode_line) through the same checks as decode_line_fuzz.
#include "agent/scan/decode_line.hpp"

#include <doctest/doctest.h>

#include "tests/fuzz/decode_line_harness.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::agent {

TEST_CASE("a decoder's line reads back to the barcodes written, texts that are not UTF-8 included") {
  const std::vector<DecodedBarcode> barcodes = {
      {"5901234123457", BarcodeFormat::kEan13, "]E0", {{{22, 0}, {211, 0}, {211, 99}, {22, 99}}}},
      {"\xED\xA0\x80"
       "A\n\x1d",
       BarcodeFormat::kQrCode,
       "]Q1",
       {{{0, 0}, {41, 0}, {41, 41}, {0, 41}}}},
  };
  const auto line = decode_line("frame.png", barcodes);
  CHECK(line.find('\n') == std::string::npos);
  const auto read = parse_decode_line(line);
  REQUIRE(read);
  CHECK(*read == barcodes);

  const auto none = parse_decode_line(decode_line("frame.png", std::vector<DecodedBarcode>{}));
  REQUIRE(none);
  CHECK(none->empty());

  const auto refused = parse_decode_line(decode_line("frame.png", invalid("frame.png", "unreadable image: CRC error")));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "unreadable image: CRC error");
}

TEST_CASE("a decoder's line that is not what decode_line writes is refused, naming what is wrong") {
  const auto refusal = [](const std::string& line) {
    const auto read = parse_decode_line(line);
    REQUIRE_FALSE(read);
    return read.error().describe();
  };
  const std::string corners = R"("position":[[0,0],[1,0],[1,1],[0,1]])";
  CHECK(refusal("") == "unreadable answer of the decoder: not a JSON object");
  CHECK(refusal("[]") == "unreadable answer of the decoder: not a JSON object");
  CHECK(refusal(R"({"file":"a"})") == "results: unreadable answer of the decoder: missing or not an array");
  CHECK(refusal(R"({"results":[],"error":""})") == "error: unreadable answer of the decoder: empty");
  CHECK(refusal(R"({"results":[],"error":7})") == "error: unreadable answer of the decoder: missing or not a string");
  CHECK(refusal(R"({"results":[{"text":"1","format":"EAN-13","symbology_identifier":"]E0",)" + corners +
                R"(}],"error":"no barcode found"})") ==
        "results: unreadable answer of the decoder: barcodes beside \"no barcode found\"");
  CHECK(refusal(R"({"results":[7]})") == "results[0]: unreadable answer of the decoder: not an object");
  CHECK(refusal(R"({"results":[{"format":"EAN-13","symbology_identifier":"]E0",)" + corners + "}]}") ==
        "results[0].text: unreadable answer of the decoder: missing or not a string");
  CHECK(refusal(R"({"results":[{"text":"1","text_hex":"zz","format":"EAN-13","symbology_identifier":"]E0",)" + corners +
                "}]}") == "results[0].text_hex: unreadable answer of the decoder: not hex digits");
  CHECK(refusal(R"({"results":[{"text":"1","format":"EAN-13","symbology_identifier":"]E0","position":[[0,0]]}]})") ==
        "results[0].position: unreadable answer of the decoder: not four corners");
  CHECK(refusal(R"({"results":[{"text":"1","format":"EAN-13","symbology_identifier":"]E0",)"
                R"("position":[[0,0],[1,0],[1,-1],[0,1]]}]})") ==
        "results[0].position[2]: unreadable answer of the decoder: a corner is two pixel coordinates [x,y]");
  CHECK(refusal(R"({"results":[{"text":"1","format":"EAN-13","symbology_identifier":"]E0",)"
                R"("position":[[0,0],[1,0],[1,2147483648],[0,1]]}]})") ==
        "results[0].position[2]: unreadable answer of the decoder: a corner is two pixel coordinates [x,y]");
}

TEST_CASE("every input of the decode_line fuzz corpus gives barcodes that read back, or an error with a message") {
  std::size_t inputs = 0;
  std::size_t read = 0;
  for (const auto& file : testing::fuzz_corpus("decode_line")) {
    CAPTURE(file.filename().string());
    const std::string line = testing::read_file(file);
    CHECK(fuzz::decode_line_problem(line) == "");
    if (parse_decode_line(line)) ++read;
    ++inputs;
  }
  CHECK(inputs >= 10);
  // The seeds are real answers of `recount-agent decode`: barcodes, none, and refusals.
  CHECK(read >= 4);
}

}  // namespace recount::agent
