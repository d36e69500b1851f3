// `recount-agent gs1` as a process: parsed element strings as JSON, errors on stderr.
#include "agent/cli/gs1_command.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

using nlohmann::json;

testing::CommandResult gs1(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), {RECOUNT_AGENT_BIN, "gs1", "--today", "2026-01-01"});
  return testing::run_command(arguments);
}

}  // namespace

TEST_CASE("gs1 prints elements with titles, hri, raw form, dates and typed fields") {
  const auto result =
      gs1({"]d2010357466145194721118165795226\x1d"
           "17210300"
           "10LOT-1\x1d"
           "3103001250"});
  CHECK(result.exit_code == 0);
  CHECK(result.err.empty());
  CHECK(json::parse(result.out) == json::parse(R"json({
    "symbology_identifier": "]d2",
    "elements": [{"ai": "01", "title": "GTIN", "value": "03574661451947"},
                 {"ai": "21", "title": "SERIAL", "value": "118165795226"},
                 {"ai": "17", "title": "USE BY OR EXPIRY", "value": "210300"},
                 {"ai": "10", "title": "BATCH/LOT", "value": "LOT-1"},
                 {"ai": "3103", "title": "NET WEIGHT (kg)", "value": "001250", "decimal": "1.250"}],
    "hri": "(01)03574661451947(21)118165795226(17)210300(10)LOT-1(3103)001250",
    "raw": "010357466145194721118165795226\u001d1721030010LOT-1\u001d3103001250",
    "dates": {"17": "2021-03-31"}, "fnc1": "first_position",
    "gtin": "03574661451947", "lot": "LOT-1", "serial": "118165795226", "expiry": "2021-03-31"})json"));
}

TEST_CASE("gs1 reads the bracketed form and Digital Link URIs") {
  const auto hri = gs1({"(00)106141412345678908(02)00614141123452(37)25"});
  CHECK(hri.exit_code == 0);
  const auto parsed = json::parse(hri.out);
  CHECK(parsed["sscc"] == "106141412345678908");
  CHECK(parsed["content_gtin"] == "00614141123452");
  CHECK(parsed["count"] == 25);
  const auto link = gs1({"https://example.com/01/09506000134352/10/ABC?17=261231"});
  CHECK(link.exit_code == 0);
  CHECK(json::parse(link.out)["hri"] == "(01)09506000134352(10)ABC(17)261231");
}

TEST_CASE("gs1 says when raw data came without FNC1 in first position, and when FNC1 does not apply") {
  const auto bare = gs1({"0109504000059101"});
  CHECK(bare.exit_code == 0);
  CHECK(json::parse(bare.out)["fnc1"] == "missing");
  const auto marked =
      gs1({"\x1d"
           "0109504000059101"});
  CHECK(json::parse(marked.out)["fnc1"] == "first_position");
  const auto plain = gs1({"]E05901234123457"});
  CHECK(json::parse(plain.out)["fnc1"] == "not_applicable");
  CHECK(json::parse(plain.out)["gtin"] == "05901234123457");
}

TEST_CASE("gs1 exits 1 with a message naming the AI and the rule") {
  const auto result = gs1({"0105901234123458"});
  CHECK(result.exit_code == 1);
  CHECK(result.out.empty());
  CHECK(result.err == "recount-agent gs1: (01): check digit is 8, expected 7 (the value starts at character 3)\n");
}

TEST_CASE("gs1 options set separators, the identifier policy and pairing rules") {
  CHECK(gs1({"10AB|21CD"}).exit_code == 1);
  CHECK(gs1({"--separator", "|", "10AB|21CD"}).exit_code == 0);
  CHECK(gs1({"0109504000059101"}).exit_code == 0);
  CHECK(gs1({"--require-identifier", "0109504000059101"}).exit_code == 1);
  CHECK(gs1({"(21)X"}).exit_code == 0);
  const auto paired = gs1({"--pairing", "(21)X"});
  CHECK(paired.exit_code == 1);
  CHECK(paired.err == "recount-agent gs1: (21): requires one of (01), (8006)\n");
}

TEST_CASE("gs1 refuses a malformed --today with a usage error") {
  const auto result = testing::run_command({RECOUNT_AGENT_BIN, "gs1", "--today", "2026-02-30", "17261231"});
  CHECK(result.exit_code == 2);
  CHECK(result.err.find("--today") != std::string::npos);
}

}  // namespace recount::agent
