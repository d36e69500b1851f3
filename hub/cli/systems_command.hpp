// `recountctl systems`: each connected system per site, its newest report, the SKUs compared,
// its open discrepancies and the SKUs waiting to be mapped (docs/channels.md).
#pragma once

#include <string>
#include <vector>

#include "hub/cli/commands.hpp"

namespace recount::hub {

// GET /api/v1/systems[?site=S]: a table, or the API's JSON. Exit 0, or 2 when the hub cannot be
// reached or refuses. Blocks.
CommandOutput systems_command(const HubEndpoint& hub, OutputFormat format, const std::string& site);

// POST /api/v1/systems/{system}/aliases: maps a system's SKU to a catalog SKU. Exit 0, or 2 with
// the hub's message. Blocks.
CommandOutput map_system_sku_command(const HubEndpoint& hub, OutputFormat format, const std::string& system,
                                     const std::string& system_sku, const std::string& sku);

// The same for a Shopify variant without SKU, named by its Handle and option values (the hub
// builds its variant key, docs/channels.md). Exit 0, or 2 with the hub's message. Blocks.
CommandOutput map_variant_command(const HubEndpoint& hub, OutputFormat format, const std::string& system,
                                  const std::string& handle, const std::vector<std::string>& options,
                                  const std::string& sku);

}  // namespace recount::hub
