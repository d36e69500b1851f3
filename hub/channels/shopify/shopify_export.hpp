// Shopify's inventory CSV export (Products → Inventory → Export) read into a channels::Report
// (docs/channels-formats.md): the wide "Only Available quantities" layout (one column per
// location) and the long "All quantity types" layouts of 2023 and 2024+.
#pragma once

#include <string_view>

#include "hub/channels/report.hpp"

namespace recount::hub::channels::shopify {

struct ShopifyOptions {
  TextEncoding encoding = TextEncoding::kAuto;  // kAuto: UTF-8 when the bytes are valid UTF-8, else windows-1252
};

// Reads one export (RFC 4180 CSV: quoted fields with commas, doubled quotes and line breaks) into
// a Report with system "shopify" and kind "shopify-available-wide", "shopify-all-2023" or
// "shopify-all-2024". One ReportedQuantity per variant and location (`system_location`, Shopify's
// location name): the long layouts compare On hand (Incoming, Unavailable, Committed and
// Available go to `details`), the wide layout has only Available and compares that. `not stocked`
// is no quantity (skipped, not zero); negative quantities are kept. Every quantity carries
// `item_ref` = Handle plus option values ("mug (Color: Blue)"), shown when it is listed for
// mapping; a variant without SKU has its variant key (variant_key.hpp: "handle:mug/Blue") as
// `sku`, so it is mapped and compared like a SKU. Rows of one SKU at one location are summed,
// with a note, also when they are different variants sharing the SKU (recount counts the SKU,
// not the variant); likewise a SKU-less variant listed twice. Problems are `errors` (line,
// column, the value); Shopify's identity Unavailable + Committed + Available = On hand that does
// not hold is a note. The export has no as-of time. Pure; never throws.
Report read_shopify_export(std::string_view bytes, const ShopifyOptions& options = {});

}  // namespace recount::hub::channels::shopify
