// `recountctl metrics [--site S] [--from TIME] [--to TIME]`: per site, how often counts disagree
// with the ledger, what was written off and how long discrepancies took to resolve.
#pragma once

#include <string>

#include "hub/cli/commands.hpp"

namespace recount::hub {

// GET /api/v1/metrics over [from, to), each an ISO-8601 time with an offset or "" for open-ended,
// for `site` or every site when it is empty. A table (variance rate in percent, money in currency
// units from cents, durations in d/h/m/s) or the API's JSON. Exit 0; 2 for a bad --site, --from
// or --to (named) or when the hub cannot be reached or answers an error. Blocks.
CommandOutput metrics_command(const HubEndpoint& hub, OutputFormat format, const std::string& site,
                              const std::string& from, const std::string& to);

// "1h05m", "42.0s", "350ms": a duration for people.
std::string duration_text(std::int64_t ms);

}  // namespace recount::hub
