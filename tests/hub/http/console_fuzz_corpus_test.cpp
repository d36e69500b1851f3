// The console fuzzer's corpus (tests/fuzz/corpus/console) as a regression test in the normal
// build: every input through the same checks as console_fuzz.
#include <doctest/doctest.h>

#include <filesystem>

#include "tests/fuzz/console_harness.hpp"
#include "tests/support/process.hpp"

namespace recount::fuzz {
namespace {

TEST_CASE("every input of the console fuzz corpus is parsed or refused as each parser promises") {
  std::size_t inputs = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/fuzz/corpus/console")) {
    CAPTURE(entry.path().filename().string());
    CHECK(console_input_problem(testing::read_file(entry.path())).empty());
    ++inputs;
  }
  CHECK(inputs >= 16);
}

}  // namespace
}  // namespace recount::fuzz
