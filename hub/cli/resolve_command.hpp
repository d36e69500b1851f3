// `recountctl resolve ID --action approve|reject|write-off --reason CODE [--operator LOGIN]`: an
// operator's decision on a discrepancy, through the hub's API.
#pragma once

#include <cstdint>
#include <string>

#include "hub/cli/commands.hpp"
#include "hub/http/address.hpp"

namespace recount::hub {

// The login recountctl records as the operator when --operator is not given: $USER, else
// $LOGNAME; empty when neither is set (the command then asks for --operator).
std::string default_operator();

// POST /api/v1/discrepancies/{id}/resolve. Exit 0 with the discrepancy's new state (or the API's
// JSON), 2 with the hub's reason when it refused (no such discrepancy, not allowed in its state,
// a bad reason code) or cannot be reached. Blocks.
CommandOutput resolve_command(const HostPort& hub, std::int64_t id, const std::string& action,
                              const std::string& reason, const std::string& operator_login, OutputFormat format);

}  // namespace recount::hub
