// libFuzzer target for the Shopify inventory export reader (hub/channels/shopify): every input is
// read in each encoding, twice, and held to tests/fuzz/channels_harness.hpp.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hub/channels/shopify/shopify_export.hpp"
#include "tests/fuzz/channels_harness.hpp"

// libFuzzer calls this by its fixed name.
// NOLINTNEXTLINE(readability-identifier-naming)
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace recount::hub::channels::shopify;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const auto encoding : {recount::hub::TextEncoding::kAuto, recount::hub::TextEncoding::kUtf8,
                              recount::hub::TextEncoding::kWindows1252}) {
    const ShopifyOptions options{encoding};
    recount::fuzz::check_report("shopify_fuzz", read_shopify_export(input, options),
                                read_shopify_export(input, options), "shopify", input);
  }
  return 0;
}
