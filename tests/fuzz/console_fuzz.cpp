// libFuzzer target for what the console's browser sends that the hub parses (console_harness.hpp):
// parsing must not crash, throw or trip a sanitizer, and each parser must keep its promises;
// anything else aborts with the reason, which libFuzzer reports as a crash with its input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/console_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string problem =
      recount::fuzz::console_input_problem(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!problem.empty()) {
    std::fprintf(stderr, "console_fuzz: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}
