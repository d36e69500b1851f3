// `recountctl unknown-barcodes` and `recountctl map-barcode`: the barcodes the floor's devices
// could not resolve, and an operator's mapping of one to an item (docs/catalog.md §8).
#pragma once

#include <cstdint>
#include <string>

#include "hub/cli/commands.hpp"

namespace recount::hub {

// GET /api/v1/unknown-barcodes: of `site` (every site when empty) in `state` (open, mapped or all;
// the hub checks). A table of site, barcode, scans, devices, first and last seen, state, SKU and
// pack size, applied; or the API's JSON. Blocks.
CommandOutput unknown_barcodes_command(const HubEndpoint& hub, OutputFormat format, const std::string& site,
                                       const std::string& state);

// POST /api/v1/unknown-barcodes/map as the token's owner. Exit 0 with "SITE BARCODE -> SKU (pack
// of N): catalog republished" (or the API's JSON); 2 with the hub's reason when it refused (no
// such report, an unknown SKU, a barcode another item has, pack_qty < 1, not an admin) or cannot
// be reached. Blocks.
CommandOutput map_barcode_command(const HubEndpoint& hub, OutputFormat format, const std::string& site,
                                  const std::string& barcode, const std::string& sku, std::int64_t pack_qty);

}  // namespace recount::hub
