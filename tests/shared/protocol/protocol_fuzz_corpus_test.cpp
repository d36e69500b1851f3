// The protocol fuzzer's corpus (tests/fuzz/corpus/protocol) as a regression test in the normal
// build: every input through every decoder, with the same checks as protocol_fuzz
// (tests/fuzz/protocol_harness.hpp).
#include <doctest/doctest.h>

#include "tests/fuzz/protocol_harness.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::fuzz {
namespace {

TEST_CASE("every input of the protocol fuzz corpus decodes and round-trips as each decoder promises") {
  std::size_t batches = 0;
  for (const auto& file : testing::fuzz_corpus("protocol")) {
    CAPTURE(file.filename().string());
    const auto input = testing::read_file(file);
    CHECK(protocol_problem(input) == "");
    batches += protocol::decode_event_batch(input).has_value() ? 1 : 0;
  }
  CHECK(batches >= 10);  // the round trips are not vacuous: part of the corpus decodes
}

}  // namespace
}  // namespace recount::fuzz
