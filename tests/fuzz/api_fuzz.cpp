// libFuzzer target for the hub's HTTP API (api_harness.hpp): each input is one request, routed as
// the server routes it and sent by an admin, on a real SQLite ledger seeded with discrepancies, a
// conflict and an unknown barcode. No handler may throw, crash or trip a sanitizer, answer 5xx
// (but 503), or send a body that is not JSON or an error that names no problem; anything else
// aborts with the reason, which libFuzzer reports as a crash with its input. The ledger lives for
// the whole run, so later requests meet what earlier ones changed; every 1,000 inputs its audit
// chain must still verify.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/api_harness.hpp"

// libFuzzer calls this by its fixed name.
// NOLINTNEXTLINE(readability-identifier-naming)
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static recount::fuzz::ApiHarness harness;
  static std::uint64_t inputs = 0;
  std::string problem = harness.problem(std::string_view(reinterpret_cast<const char*>(data), size));
  if (problem.empty() && ++inputs % 1'000 == 0) problem = harness.chain_problem();
  if (!problem.empty()) {
    std::fprintf(stderr, "api_fuzz: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}
