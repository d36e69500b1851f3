// `recount-agent decode` as a process: one JSON line per image, exit code by loadability.
#include "agent/cli/decode_command.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/agent/scan/zint_images.hpp"
#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

using nlohmann::json;

std::vector<json> json_lines(const std::string& text) {
  std::vector<json> lines;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) lines.push_back(json::parse(line));
  return lines;
}

}  // namespace

TEST_CASE("decode prints text, format, identifier and corners for every image, in order") {
  testing::TempDir dir;
  const auto ean = testing::make_zint_image(dir.path(), "ean", {"-b", "13", "-d", "5901234123457"});
  const auto gs1 =
      testing::make_zint_image(dir.path(), "gs1", {"-b", "16", "-d", "[01]09504000059101[10]AB[17]261231"});
  const auto result = testing::run_command({RECOUNT_AGENT_BIN, "decode", ean.string(), gs1.string()});
  CHECK(result.exit_code == 0);
  const auto lines = json_lines(result.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].dump() ==
        json::parse(R"({"file":")" + ean.string() +
                    R"(","results":[{"text":"5901234123457","format":"EAN-13",)"
                    R"("symbology_identifier":"]E0","position":[[22,0],[211,0],[211,99],[22,99]]}]})")
            .dump());
  CHECK(lines[1]["results"][0]["text"] ==
        "010950400005910110AB\x1d"
        "17261231");
  CHECK(lines[1]["results"][0]["format"] == "Code128");
  CHECK(lines[1]["results"][0]["symbology_identifier"] == "]C1");
}

TEST_CASE("an image without barcode says so and still exits 0") {
  testing::TempDir dir;
  // A blank white picture: a QR code image with its colours made all white.
  const auto blank = testing::make_zint_image(dir.path(), "blank", {"-b", "58", "--fg=FFFFFF", "-d", "x"});
  const auto result = testing::run_command({RECOUNT_AGENT_BIN, "decode", blank.string()});
  CHECK(result.exit_code == 0);
  CHECK(json::parse(result.out) ==
        json::parse(R"({"file":")" + blank.string() + R"(","results":[],"error":"no barcode found"})"));
}

TEST_CASE("an image that cannot be loaded gets an error line and a non-zero exit") {
  testing::TempDir dir;
  const auto ean = testing::make_zint_image(dir.path(), "ean", {"-b", "13", "-d", "5901234123457"});
  const auto fixtures = std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/data/scan";
  const auto result = testing::run_command({RECOUNT_AGENT_BIN, "decode", (dir / "missing.png").string(),
                                            (fixtures / "truncated.png").string(), ean.string()});
  CHECK(result.exit_code == 1);
  const auto lines = json_lines(result.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0]["error"] == "cannot read: No such file or directory");
  CHECK(lines[0]["results"] == json::array());
  CHECK(lines[1]["error"].get<std::string>().starts_with("unreadable image: "));
  CHECK(lines[2]["results"][0]["text"] == "5901234123457");
  CHECK(result.err.find("missing.png") != std::string::npos);
}

TEST_CASE("decode without images is a usage error") {
  const auto result = testing::run_command({RECOUNT_AGENT_BIN, "decode"});
  CHECK(result.exit_code != 0);
  CHECK(result.out.empty());
}

TEST_CASE("decode under a memory limit refuses an image that needs more and goes on with the next") {
  testing::TempDir dir;
  // 4,200 x 4,200 pixels in a PNG of a few KB: about 70 MiB to decode.
  const auto large = testing::make_zint_image(dir.path(), "large", {"-b", "58", "--scale", "100", "-d", "LARGE"});
  const auto ean = testing::make_zint_image(dir.path(), "ean", {"-b", "13", "-d", "5901234123457"});
  const auto too_low = testing::run_command({RECOUNT_AGENT_BIN, "decode", "--memory-limit-mib", "8", ean.string()});
  CHECK(too_low.exit_code != 0);
  CHECK(too_low.err.find("--memory-limit-mib") != std::string::npos);

  if (!testing::data_limits_enforced()) return;
  const auto result =
      testing::run_command({RECOUNT_AGENT_BIN, "decode", "--memory-limit-mib", "32", large.string(), ean.string()});
  CHECK(result.exit_code == 1);
  const auto lines = json_lines(result.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["error"] == "needs more memory than the decoder's limit of 32 MiB");
  CHECK(lines[1]["results"][0]["text"] == "5901234123457");
  CHECK(result.err.find("large.png: needs more memory") != std::string::npos);

  // A progressive JPEG: libjpeg holds all its coefficients (16 MiB here) and fails on its own.
  const auto progressive = std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/data/scan/progressive-2048x4096.jpg";
  const auto libjpeg =
      testing::run_command({RECOUNT_AGENT_BIN, "decode", "--memory-limit-mib", "16", progressive.string()});
  CHECK(libjpeg.exit_code == 1);
  CHECK(json_lines(libjpeg.out).at(0)["error"] == "needs more memory than the decoder's limit of 16 MiB");
  const auto roomy =
      testing::run_command({RECOUNT_AGENT_BIN, "decode", "--memory-limit-mib", "128", progressive.string()});
  CHECK(json_lines(roomy.out).at(0)["error"] == "no barcode found");
}

TEST_CASE("a decoded text that is not UTF-8 is printed with its bytes in text_hex") {
  testing::TempDir dir;
  // A UTF-16 QR code whose data is a lone surrogate: ZXing gives its bytes, which are no UTF-8.
  const auto lone = testing::make_zint_image(dir.path(), "lone",
                                             {"-b", "58", "--binary", "--eci=25", "--esc", "-d", "\\xD8\\x00\\x00A"});
  const auto result = testing::run_command({RECOUNT_AGENT_BIN, "decode", lone.string()});
  CHECK(result.exit_code == 0);
  const auto lines = json_lines(result.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["results"][0]["text"] ==
        "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
        "A");
  CHECK(lines[0]["results"][0]["text_hex"] == "eda08041");
}

}  // namespace recount::agent
