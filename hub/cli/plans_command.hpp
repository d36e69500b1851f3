// `recountctl plans [--site S] [--json]` and `recountctl due [--site S] [--state STATE] [--json]`:
// the count plans in force with how their positions stand, and the counts they ask for.
#pragma once

#include <string>

#include "hub/cli/commands.hpp"

namespace recount::hub {

// GET /api/v1/plans: one row per plan (selection, every N days, owner, start, positions, due,
// overdue, done in the period), or the API's JSON. Exit 0; 2 naming the argument for a bad site,
// or when the hub cannot be reached or answers an error. Blocks.
CommandOutput plans_command(const HubEndpoint& hub, OutputFormat format, const std::string& site);

// GET /api/v1/due: the open (or `state`: due, overdue, done) planned counts, most overdue first,
// with plan, owner and due date, overdue flagged; or the API's JSON. Exit 0 (also when nothing
// is due); 2 naming the argument for a bad site or state, or when the hub cannot be reached or
// answers an error. Blocks.
CommandOutput due_command(const HubEndpoint& hub, OutputFormat format, const std::string& site,
                          const std::string& state);

}  // namespace recount::hub
