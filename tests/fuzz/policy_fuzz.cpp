// libFuzzer target for the reconciliation policy document (policy_harness.hpp): parsing must not
// crash, throw or trip a sanitizer, and what parses must encode and parse back the same; anything
// else aborts with the reason, which libFuzzer reports as a crash with its input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/policy_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string problem =
      recount::fuzz::policy_problem(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!problem.empty()) {
    std::fprintf(stderr, "policy_fuzz: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}
