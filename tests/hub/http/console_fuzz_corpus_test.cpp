// The console fuzzer's corpus (tests/fuzz/corpus/console) as a regression test in the normal
// build: every input through the same checks as console_fuzz.
#include <doctest/doctest.h>

#include "tests/fuzz/console_harness.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::fuzz {
namespace {

TEST_CASE("every input of the console fuzz corpus is parsed or refused as each parser promises") {
  std::size_t inputs = 0;
  for (const auto& file : testing::fuzz_corpus("console")) {
    CAPTURE(file.filename().string());
    CHECK(console_input_problem(testing::read_file(file)) == "");
    ++inputs;
  }
  CHECK(inputs >= 16);
}

}  // namespace
}  // namespace recount::fuzz
