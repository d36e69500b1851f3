// libFuzzer target for the hub's whole MQTT path: each input is one or more messages (topic,
// payload, retained flag; format in ingest_harness.hpp) handed to Ingest as if from the broker,
// and committed or dead-lettered on a real SQLite ledger. Nothing may crash or trip a sanitizer,
// every message must be answered for, and every 1,000 inputs the audit chain must still verify;
// the harness aborts with the reason otherwise. The ledger lives for the whole run, so later
// inputs meet what earlier ones stored: duplicates, conflicts, gaps, quotas.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/ingest_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static recount::fuzz::IngestHarness harness;
  static std::uint64_t inputs = 0;
  harness.run(std::string_view(reinterpret_cast<const char*>(data), size));
  if (++inputs % 1'000 == 0) {
    if (const std::string problem = harness.chain_problem(); !problem.empty()) {
      std::fprintf(stderr, "ingest_fuzz: %s\n", problem.c_str());
      std::abort();
    }
  }
  return 0;
}
