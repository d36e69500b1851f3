// libFuzzer target for the POS journal reader (hub/channels/pos): every input is read in each
// encoding, twice, and held to tests/fuzz/channels_harness.hpp; a journal read without errors
// has one movement per key.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "hub/channels/pos/pos_journal.hpp"
#include "tests/fuzz/channels_harness.hpp"

// libFuzzer calls this by its fixed name.
// NOLINTNEXTLINE(readability-identifier-naming)
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace recount::hub::channels::pos;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const auto encoding : {recount::hub::TextEncoding::kAuto, recount::hub::TextEncoding::kUtf8,
                              recount::hub::TextEncoding::kWindows1252}) {
    const PosOptions options{encoding};
    const auto report = read_pos_journal(input, options);
    recount::fuzz::check_report("pos_fuzz", report, read_pos_journal(input, options), "pos", input);
    std::set<std::string> keys;
    for (const auto& movement : report.movements) {
      if (!keys.insert(movement.key).second) recount::fuzz::channel_fail("pos_fuzz", "a key given twice", input);
    }
  }
  return 0;
}
