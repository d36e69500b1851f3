// The image fuzzer's corpus (tests/fuzz/corpus/image) as a regression test in the normal build:
// every input through the same checks as image_fuzz.
#include <doctest/doctest.h>

#include <cstdint>
#include <span>

#include "tests/fuzz/image_harness.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::fuzz {
namespace {

TEST_CASE("every input of the image fuzz corpus is refused with a reason or decodes to pixels of its size") {
  std::size_t inputs = 0;
  std::size_t decoded = 0;
  for (const auto& file : testing::fuzz_corpus("image")) {
    CAPTURE(file.filename().string());
    const std::string bytes = testing::read_file(file);
    const std::span<const std::uint8_t> input(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    CHECK(image_problem(input) == "");
    if (agent::decode_image(input)) ++decoded;
    ++inputs;
  }
  CHECK(inputs >= 20);
  // The seeds are real PNG and JPEG files of every colour type and kind a decoder meets.
  CHECK(decoded >= 20);
}

}  // namespace
}  // namespace recount::fuzz
