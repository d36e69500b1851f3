// `recountctl resolve ID [ID...] --action approve|reject|write-off --reason CODE`: an operator's
// decision on one or more discrepancies, through the hub's API, made as the name of the
// operator's token.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hub/cli/commands.hpp"

namespace recount::hub {

// One id: POST /api/v1/discrepancies/{id}/resolve. Exit 0 with the discrepancy's new state (or
// the API's JSON), 2 with the hub's reason when it refused (no such discrepancy, not allowed in
// its state, a bad reason code, a role too low, over the token's approval limit) or cannot be
// reached. More than one: POST /api/v1/discrepancies/resolve, one line per id (its new state, or
// why it was refused), exit 2 when any was refused. `ids` must not be empty. Blocks.
CommandOutput resolve_command(const HubEndpoint& hub, const std::vector<std::int64_t>& ids, const std::string& action,
                              const std::string& reason, OutputFormat format);

}  // namespace recount::hub
