// libFuzzer target for the protocol codec (protocol_harness.hpp): decoding must not crash or trip a
// sanitizer, whatever decodes must encode and decode again to an equal value, and the codec's JSON
// parser must accept exactly what nlohmann::json accepts; anything else aborts with the reason,
// which libFuzzer reports as a crash with its input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/protocol_harness.hpp"

// libFuzzer calls this by its fixed name.
// NOLINTNEXTLINE(readability-identifier-naming)
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string problem =
      recount::fuzz::protocol_problem(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!problem.empty()) {
    std::fprintf(stderr, "protocol_fuzz: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}
