// The signed-record fuzzer's corpus (tests/fuzz/corpus/signed_record) as a regression test in the
// normal build: every input through the same checks as signed_record_fuzz.
#include <doctest/doctest.h>

#include "tests/fuzz/signed_record_harness.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::fuzz {
namespace {

TEST_CASE("every input of the signed-record fuzz corpus is refused naming the field, or signs again the same") {
  std::size_t inputs = 0;
  for (const auto& file : testing::fuzz_corpus("signed_record")) {
    CAPTURE(file.filename().string());
    CHECK(signed_record_problem(testing::read_file(file)) == "");
    ++inputs;
  }
  CHECK(inputs >= 10);
}

}  // namespace
}  // namespace recount::fuzz
