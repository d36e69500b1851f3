// `recountctl alerts` and `recountctl alerts ack ID`: the alerts the policy's rules raised, and a
// person acknowledging one (docs/investigation.md, "Alerts").
#pragma once

#include <cstdint>
#include <string>

#include "hub/cli/commands.hpp"

namespace recount::hub {

// GET /api/v1/alerts in `state` (every state when empty; the hub checks the name) of `site`
// (every site when empty). A table of id, state, rule, site, raised, acknowledged by and summary;
// or the API's JSON. Blocks.
CommandOutput alerts_command(const HubEndpoint& hub, OutputFormat format, const std::string& state,
                             const std::string& site);

// POST /api/v1/alerts/ID/ack as the token's owner. Exit 0 with "alert ID acknowledged" (or the
// API's JSON); 2 with the hub's reason when it refused (no such alert, acknowledged already, not a
// counter lead) or cannot be reached. Blocks.
CommandOutput ack_alert_command(const HubEndpoint& hub, OutputFormat format, std::int64_t id);

}  // namespace recount::hub
