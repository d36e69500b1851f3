// A correction as a file in Shopify's inventory import layout (the "All quantity types" 2024+
// export with "On hand (new)", the only column Shopify applies on import; docs/corrections.md),
// for `recount-hub --outbox DIR`.
#pragma once

#include <string>

#include "hub/channels/outbox/corrections.hpp"

namespace recount::hub::channels {

// The file's name: "<system>-correction-<id, 10 digits>.csv", so one correction is one file
// whatever happens, and a directory listing sorts them in the order they were queued. Pure.
std::string correction_file_name(const CorrectionRecord& record);

// The file's contents: the header, then one row: the SKU (or, for a variant key, the Handle
// and Option1..3 Value with the SKU empty), the system's location name and the
// correction's on_hand as "On hand (new)"; the columns Shopify does not read back are empty.
// RFC 4180 quoting (fields with commas, quotes or line breaks), LF line ends, UTF-8. Pure.
std::string shopify_inventory_import(const CorrectionRecord& record);

}  // namespace recount::hub::channels
