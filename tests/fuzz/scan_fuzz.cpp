// libFuzzer target for the floor's input path (scan_harness.hpp): a scanner's byte stream framed
// into lines and each handled by a scan session on a real journal and catalog cache. Nothing may
// crash, throw or trip a sanitizer; a refused line must record nothing and say why; every event
// recorded must be valid and survive the protocol's encoding; anything else aborts with the
// reason, which libFuzzer reports as a crash with its input. The journal and the session live for
// the whole run, so later inputs meet the person, location and mode earlier ones set.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/scan_harness.hpp"

// libFuzzer calls this by its fixed name.
// NOLINTNEXTLINE(readability-identifier-naming)
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static recount::fuzz::ScanHarness harness;
  const std::string problem = harness.problem(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!problem.empty()) {
    std::fprintf(stderr, "scan_fuzz: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}
