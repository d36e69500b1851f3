// `recountctl drift SITE/LOCATION/SKU[/LOT] | --site S [--sku K] [--system S] [--json]`: when and
// where the ledger and the counts (or a connected system's reports) began to disagree for good,
// and the explanations that fit, best first.
#pragma once

#include <string>

#include "hub/cli/commands.hpp"

namespace recount::hub {

// What a drift question names: a position in its text form, or a site with an optional SKU.
struct DriftSubject {
  std::string position;  // SITE/LOCATION/SKU[/LOT]; "" when asking about a site
  std::string site;
  std::string sku;
  int limit = 50;      // most positions listed for a site or SKU (1 to 1000)
  std::string system;  // "" for the floor's counts, else a connected system's reports
};

// GET /api/v1/drift. A position prints its origin, the last count that agreed, the candidates
// with their evidence and the events around the origin; a site or SKU prints one row per
// drifting position, earliest origin first. Or the API's JSON. Exit 0 (also when nothing
// drifts); 2 naming the argument for a position and --site together or neither, --sku without
// --site, a bad position, site, SKU or system, or when the hub cannot be reached or answers an error.
// Blocks.
CommandOutput drift_command(const HubEndpoint& hub, OutputFormat format, const DriftSubject& subject);

}  // namespace recount::hub
