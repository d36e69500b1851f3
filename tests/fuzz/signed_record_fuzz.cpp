// libFuzzer target for what a hub reads that a hub signed (signed_record_harness.hpp): reading must
// not crash, throw or trip a sanitizer, nothing unsigned may verify, refusals name the field, and
// what reads must sign again into the same; anything else aborts with the reason, which libFuzzer
// reports as a crash with its input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/signed_record_harness.hpp"

// libFuzzer calls this by its fixed name.
// NOLINTNEXTLINE(readability-identifier-naming)
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string problem =
      recount::fuzz::signed_record_problem(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!problem.empty()) {
    std::fprintf(stderr, "signed_record_fuzz: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}
