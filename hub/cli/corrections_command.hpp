// `recountctl corrections` and `recountctl corrections retry ID`: what the hub told, or must
// still tell, each connected system after a resolution, and how far its delivery got
// (docs/corrections.md).
#pragma once

#include <cstdint>
#include <string>

#include "hub/cli/commands.hpp"

namespace recount::hub {

// GET /api/v1/corrections of `system` (every system when empty) in `state` (every state when
// empty; the hub checks the name). A table of id, system, site, location, SKU, on hand,
// discrepancy, state, attempts, created, last change and last error; or the API's JSON. Blocks.
CommandOutput corrections_command(const HubEndpoint& hub, OutputFormat format, const std::string& system,
                                  const std::string& state);

// POST /api/v1/corrections/ID/retry as the token's owner. Exit 0 with "correction ID queued
// again" (or the API's JSON); 2 with the hub's reason when it refused (no such correction, not
// failed, not a counter lead) or cannot be reached. Blocks.
CommandOutput retry_correction_command(const HubEndpoint& hub, OutputFormat format, std::int64_t id);

}  // namespace recount::hub
