// The API fuzzer's corpus (tests/fuzz/corpus/api) as a regression test in the normal build: every
// request through the same checks as api_fuzz, in order, on one seeded hub, and its audit chain
// verified after the last.
#include <doctest/doctest.h>

#include "tests/fuzz/api_harness.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::fuzz {
namespace {

TEST_CASE(
    "every request of the API fuzz corpus is answered without a 5xx, as JSON, errors naming the problem, and the audit "
    "chain holds") {
  ApiHarness harness;
  std::size_t inputs = 0;
  for (const auto& file : testing::fuzz_corpus("api")) {
    CAPTURE(file.filename().string());
    CHECK(harness.problem(testing::read_file(file)) == "");
    ++inputs;
  }
  CHECK(harness.chain_problem() == "");
  CHECK(inputs >= 20);
}

}  // namespace
}  // namespace recount::fuzz
