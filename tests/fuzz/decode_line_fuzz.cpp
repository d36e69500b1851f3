// libFuzzer target for what the agent reads from a frame's decoder process
// (decode_line_harness.hpp): reading must not crash or trip a sanitizer, and must keep its
// promises; anything else aborts with the reason, which libFuzzer reports as a crash with its input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/decode_line_harness.hpp"

// libFuzzer calls this by its fixed name.
// NOLINTNEXTLINE(readability-identifier-naming)
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string problem = recount::fuzz::decode_line_problem(input);
  if (!problem.empty()) {
    std::fprintf(stderr, "decode_line_fuzz: %s (input of %zu bytes)\n", problem.c_str(), input.size());
    std::abort();
  }
  return 0;
}
