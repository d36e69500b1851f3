// Barcode images made by zint, an encoder independent of ZXing, for the decoding tests: each
// symbol with the text a decoder must read from it.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "shared/gs1/parser.hpp"
#include "tests/support/process.hpp"

namespace recount::testing {

struct ZintSymbol {
  std::string format;                  // as decode results name it: "EAN-13", "DataMatrix", ...
  std::string name;                    // a file name stem, unique within the set
  std::vector<std::string> arguments;  // zint's, without -o
  std::string expected;                // the text ZXing must return
};

// The text a GS1 symbol made from zint's "[01]...[10]..." input carries: AIs and values with
// GS after variable-length fields, which is what gs1::ElementString::raw() renders.
inline std::string gs1_text(std::string brackets) {
  for (auto& c : brackets) c = c == '[' ? '(' : c == ']' ? ')' : c;
  const auto parsed = gs1::parse(brackets);
  REQUIRE_MESSAGE(parsed, brackets);
  return parsed->raw();
}

// Writes the symbol as PNG into `folder` under `stem`.png; zint must succeed.
inline std::filesystem::path make_zint_image(const std::filesystem::path& folder, const std::string& stem,
                                             const std::vector<std::string>& arguments) {
  auto path = folder / (stem + ".png");
  std::vector<std::string> command{"zint", "-o", path.string()};
  command.insert(command.end(), arguments.begin(), arguments.end());
  const auto result = run_command(command);
  REQUIRE_MESSAGE(result.exit_code == 0, "zint failed: " << result.err);
  return path;
}

// Three symbols of every format the decoder supports, each at 0, 90, 180 and 270 degrees.
// Matrix symbols come at zint's default size without quiet zone, as label tools write them.
inline std::vector<ZintSymbol> zint_symbols() {
  struct Base {
    std::string format;
    std::vector<std::string> arguments;
    std::string expected;
  };
  const std::string gs1_a = "[01]09504000059101[10]AB12[17]261231";
  const std::string gs1_b = "[01]03574661451947[21]118165795226[17]210331[10]1724847.1";
  const std::string gs1_c = "[00]106141412345678908[02]00614141123452[37]25";
  const std::vector<Base> bases = {
      {"EAN-13", {"-b", "13", "-d", "5901234123457"}, "5901234123457"},
      {"EAN-13", {"-b", "13", "-d", "4006381333931"}, "4006381333931"},
      {"EAN-13", {"-b", "13", "-d", "9780201379624"}, "9780201379624"},
      {"EAN-8", {"-b", "13", "-d", "9638507"}, "96385074"},
      {"EAN-8", {"-b", "13", "-d", "5512345"}, "55123457"},
      {"EAN-8", {"-b", "13", "-d", "4719512"}, "47195127"},
      {"UPC-A", {"-b", "34", "-d", "03600029145"}, "036000291452"},
      {"UPC-A", {"-b", "34", "-d", "01234567890"}, "012345678905"},
      {"UPC-A", {"-b", "34", "-d", "89044400033"}, "890444000335"},
      {"UPC-E", {"-b", "37", "-d", "0123456"}, "01234565"},
      {"UPC-E", {"-b", "37", "-d", "0654321"}, "06543217"},
      {"UPC-E", {"-b", "37", "-d", "0425261"}, "04252614"},
      {"Code128", {"-b", "20", "-d", "LOC-A-01-02"}, "LOC-A-01-02"},
      {"Code128", {"-b", "20", "-d", "PO-2026-000417"}, "PO-2026-000417"},
      {"Code128", {"-b", "16", "-d", gs1_a}, gs1_text(gs1_a)},
      {"Code39", {"-b", "8", "-d", "LOC-B-07"}, "LOC-B-07"},
      {"Code39", {"-b", "8", "-d", "BIN 42"}, "BIN 42"},
      {"Code39", {"-b", "8", "-d", "A1/B2"}, "A1/B2"},
      {"ITF", {"-b", "89", "-d", "1540014128876"}, "15400141288763"},
      {"ITF", {"-b", "89", "-d", "0950400005910"}, "09504000059101"},
      {"ITF", {"-b", "3", "-d", "12345670"}, "12345670"},
      {"QRCode",
       {"-b", "58", "-d", "https://id.gs1.org/01/09506000134352/10/ABC"},
       "https://id.gs1.org/01/09506000134352/10/ABC"},
      {"QRCode", {"-b", "58", "--gs1", "-d", gs1_b}, gs1_text(gs1_b)},
      {"QRCode", {"-b", "58", "-d", "#loc A-01-02"}, "#loc A-01-02"},
      {"DataMatrix", {"-b", "71", "-d", "SKU-000123"}, "SKU-000123"},
      {"DataMatrix", {"-b", "71", "--gs1", "--square", "-d", gs1_b}, gs1_text(gs1_b)},
      {"DataMatrix", {"-b", "71", "--gs1", "-d", gs1_c}, gs1_text(gs1_c)},
  };
  std::vector<ZintSymbol> symbols;
  int index = 0;
  for (const auto& base : bases) {
    ++index;
    for (const int degrees : {0, 90, 180, 270}) {
      auto arguments = base.arguments;
      arguments.push_back("--rotate=" + std::to_string(degrees));
      symbols.push_back({base.format, "zint-" + std::to_string(index) + "-" + std::to_string(degrees),
                         std::move(arguments), base.expected});
    }
  }
  return symbols;
}

}  // namespace recount::testing
