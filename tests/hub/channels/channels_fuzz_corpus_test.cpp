// The channel fuzzers' corpora (tests/fuzz/corpus/{fba,shopify,pos}) as a regression test in the
// normal build: every input is held to the same promises as in fba_fuzz, shopify_fuzz and pos_fuzz
// (tests/fuzz/channels_harness.hpp), so an input a fuzzer once found keeps being checked.
#include <doctest/doctest.h>

#include <string>

#include "hub/channels/fba/fba_report.hpp"
#include "hub/channels/pos/pos_journal.hpp"
#include "hub/channels/shopify/shopify_export.hpp"
#include "tests/fuzz/channels_harness.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::hub::channels {
namespace {

// Calls `check` with the bytes of every file of tests/fuzz/corpus/`name`; returns how many.
template <typename Check>
int for_each_seed(const std::string& name, Check check) {
  int seeds = 0;
  for (const auto& file : testing::fuzz_corpus(name)) {
    const auto bytes = testing::read_file(file);
    CAPTURE(file.filename().string());
    check(std::string_view(bytes));
    ++seeds;
  }
  return seeds;
}

}  // namespace

TEST_CASE("every seed of the channel fuzzers keeps the readers' promises") {
  CHECK(for_each_seed("fba", [](std::string_view input) {
          fuzz::check_report("fba", fba::read_fba_report(input), fba::read_fba_report(input), "fba", input);
        }) > 0);
  CHECK(for_each_seed("shopify", [](std::string_view input) {
          fuzz::check_report("shopify", shopify::read_shopify_export(input), shopify::read_shopify_export(input),
                             "shopify", input);
        }) > 0);
  CHECK(for_each_seed("pos", [](std::string_view input) {
          fuzz::check_report("pos", pos::read_pos_journal(input), pos::read_pos_journal(input), "pos", input);
        }) > 0);
}

}  // namespace recount::hub::channels
