// `recountctl overview [--site S] [--json]`: the console's overview in a terminal.
#pragma once

#include <string>

#include "hub/cli/commands.hpp"

namespace recount::hub {

// GET /api/v1/overview[?site=S]: open discrepancies by state and age, value at risk, each
// measure's latest period with a value, and the fleet (one line per device). Exit 2 when the hub
// refuses or cannot be reached. Blocks.
CommandOutput overview_command(const HubEndpoint& hub, OutputFormat format, const std::string& site);

// The text form of an overview answer.
std::string render_overview(const nlohmann::json& body);

}  // namespace recount::hub
