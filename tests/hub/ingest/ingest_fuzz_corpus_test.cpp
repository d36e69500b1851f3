// The ingest fuzzer's corpus (tests/fuzz/corpus/ingest) as a regression test in the normal build:
// every input through the same harness, in order, on one ledger, as ingest_fuzz runs them.
#include <doctest/doctest.h>

#include <filesystem>
#include <vector>

#include "tests/fuzz/ingest_harness.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::fuzz {
namespace {

TEST_CASE("the messages format reads flags, topic and payload, and several messages per input") {
  static constexpr char kInput[] = "\x01recount/v1/s/d/events\n{\"a\":1}\n\x1e\n\x00t\nx\ny";
  const auto messages = messages_of(std::string_view(kInput, sizeof kInput - 1));
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].retained);
  CHECK(messages[0].topic == "recount/v1/s/d/events");
  CHECK(messages[0].payload == "{\"a\":1}");
  CHECK_FALSE(messages[1].retained);
  CHECK(messages[1].topic == "t");
  CHECK(messages[1].payload == "x\ny");
}

TEST_CASE(
    "every input of the ingest fuzz corpus is committed or dead-lettered, the hub's counts add up and its audit chain "
    "holds") {
  const auto files = testing::fuzz_corpus("ingest");
  REQUIRE(files.size() >= 8);
  IngestHarness harness;
  std::uint64_t messages = 0;
  for (const auto& file : files) {
    CAPTURE(file.filename().string());
    const std::string input = testing::read_file(file);
    messages += messages_of(input).size();
    harness.run(input);
    CHECK(harness.counters().messages == messages);
    CHECK(harness.counters().failed_commits == 0);
  }
  // The corpus holds what it is meant to: something stored, refused, retained and conflicting.
  CHECK(harness.counters().batches > 0);
  CHECK(harness.counters().rejected_payloads > 0);
  CHECK(harness.counters().retained_cleared > 0);
  CHECK(harness.counters().conflicts > 0);
  CHECK_FALSE(harness.ledger().events().dead_letters({"", 0, 10}).value().empty());
  CHECK(harness.chain_problem() == "");
}

}  // namespace
TEST_CASE("unknown-barcode reports and applications in a batch are folded once, however often it is resent") {
  IngestHarness harness;
  int announced = 0;
  harness.unknown().on_change([&](const hub::UnknownBarcode&) { ++announced; });
  const std::string input =
      testing::read_file(std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/fuzz/corpus/ingest/13-unknown-barcodes");
  harness.run(input);
  harness.run(input);  // the agent resends it: duplicates, stored and folded once
  const auto entry = harness.unknown().find("S1", "04006381333931").value();
  REQUIRE(entry.has_value());
  CHECK(entry->scans == 1);
  CHECK(entry->applied == 1);
  CHECK(entry->devices == std::vector<std::string>{"d1"});
  CHECK(announced == 1);
}

}  // namespace recount::fuzz
