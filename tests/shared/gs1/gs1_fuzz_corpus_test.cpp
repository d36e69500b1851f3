// The GS1 fuzzer's corpus (tests/fuzz/corpus/gs1) as a regression test in the normal build: every
// input through the same checks as gs1_fuzz (tests/fuzz/gs1_harness.hpp).
#include <doctest/doctest.h>

#include "tests/fuzz/gs1_harness.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::fuzz {
namespace {

TEST_CASE("every input of the GS1 fuzz corpus is refused with a message or parses back to itself") {
  std::size_t parsed = 0;
  for (const auto& file : testing::fuzz_corpus("gs1")) {
    CAPTURE(file.filename().string());
    const auto input = testing::read_file(file);
    CHECK(gs1_problem(input) == "");
    parsed += gs1::parse(input, {}).has_value() ? 1 : 0;
  }
  CHECK(parsed >= 20);  // the round trips are not vacuous: part of the corpus parses
}

}  // namespace
}  // namespace recount::fuzz
