// The policy fuzzer's corpus (tests/fuzz/corpus/policy) as a regression test in the normal build:
// every input through the same checks as policy_fuzz.
#include <doctest/doctest.h>

#include "tests/fuzz/policy_harness.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::fuzz {
namespace {

TEST_CASE("every input of the policy fuzz corpus is refused naming the problem, or encodes back the same") {
  std::size_t inputs = 0;
  for (const auto& file : testing::fuzz_corpus("policy")) {
    CAPTURE(file.filename().string());
    CHECK(policy_problem(testing::read_file(file)) == "");
    ++inputs;
  }
  CHECK(inputs >= 6);
}

}  // namespace
}  // namespace recount::fuzz
