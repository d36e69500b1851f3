// The scan fuzzer's corpus (tests/fuzz/corpus/scan) as a regression test in the normal build: every
// input through the same checks as scan_fuzz, in order, on one device.
#include <doctest/doctest.h>

#include "tests/fuzz/scan_harness.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::fuzz {
namespace {

TEST_CASE(
    "every input of the scan fuzz corpus is framed and handled: refusals record nothing, records are valid events") {
  ScanHarness harness;
  std::size_t inputs = 0;
  for (const auto& file : testing::fuzz_corpus("scan")) {
    CAPTURE(file.filename().string());
    CHECK(harness.problem(testing::read_file(file)) == "");
    ++inputs;
  }
  CHECK(inputs >= 10);
}

}  // namespace
}  // namespace recount::fuzz
