// libFuzzer target for the Amazon FBA report reader (hub/channels/fba): every input is read in
// each encoding and as each report kind, twice, and held to tests/fuzz/channels_harness.hpp.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hub/channels/fba/fba_report.hpp"
#include "tests/fuzz/channels_harness.hpp"

// libFuzzer calls this by its fixed name.
// NOLINTNEXTLINE(readability-identifier-naming)
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace recount::hub::channels::fba;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const auto kind : {FbaReportKind::kDetect, FbaReportKind::kManageInventory, FbaReportKind::kAfnInventory,
                          FbaReportKind::kLedger, FbaReportKind::kAdjustments}) {
    for (const auto encoding : {recount::hub::TextEncoding::kAuto, recount::hub::TextEncoding::kUtf8,
                                recount::hub::TextEncoding::kWindows1252}) {
      const FbaOptions options{kind, encoding};
      recount::fuzz::check_report("fba_fuzz", read_fba_report(input, options), read_fba_report(input, options), "fba",
                                  input);
    }
  }
  return 0;
}
