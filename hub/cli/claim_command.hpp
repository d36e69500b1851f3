// `recountctl claim ID --case CASE [--state filed|reimbursed|denied] [--note TEXT]`: records what
// an operator took up with a read-only system (FBA) about its discrepancy (docs/channels.md).
#pragma once

#include <cstdint>
#include <string>

#include "hub/cli/commands.hpp"

namespace recount::hub {

struct ClaimStep {
  std::int64_t id = 0;
  std::string case_id;
  std::string state = "filed";
  std::string note;
};

// POST /api/v1/discrepancies/{id}/claim: a sentence of where the case and the discrepancy stand,
// or the API's JSON. Exit 0, or 2 with the hub's message. Blocks.
CommandOutput claim_command(const HubEndpoint& hub, OutputFormat format, const ClaimStep& step);

}  // namespace recount::hub
