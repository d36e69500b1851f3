// The table fuzzer's corpus (tests/fuzz/corpus/table) as a regression test in the normal build:
// every input read under every delimiter, encoding and quoting, with the same checks as table_fuzz
// (tests/fuzz/table_harness.hpp).
#include <doctest/doctest.h>

#include "tests/fuzz/table_harness.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::fuzz {
namespace {

TEST_CASE("every input of the table fuzz corpus is refused with a message or read as the reader promises") {
  std::size_t with_records = 0;
  for (const auto& file : testing::fuzz_corpus("table")) {
    CAPTURE(file.filename().string());
    const auto input = testing::read_file(file);
    CHECK(table_problem(input) == "");
    with_records += hub::read_table(input, {}).records.size() > 1 ? 1 : 0;
  }
  CHECK(with_records >= 5);  // the checks are not vacuous: part of the corpus reads into rows
}

}  // namespace
}  // namespace recount::fuzz
