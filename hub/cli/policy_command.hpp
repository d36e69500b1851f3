// `recountctl policy`, `recountctl policy set FILE.json [--reevaluate]`, `recountctl policy
// what-if FILE.json [--days N] [--site S]` and `recountctl reconcile verify`: the
// reconciliation's tolerance policy and upkeep, through the hub's API.
#pragma once

#include <filesystem>
#include <string>

#include "hub/cli/commands.hpp"

namespace recount::hub {

// Whether putting a policy in force re-judges every count under it at once.
enum class Reevaluate { kNo, kYes };

// GET /api/v1/policy: the policy in force, its version and who set it when; its settings and a
// table of its tolerance rules, or the API's JSON. Exit 0, or 2 when the hub cannot be reached or
// answers an error. Blocks.
CommandOutput policy_command(const HubEndpoint& hub, OutputFormat format);

// PUT /api/v1/policy with the document in `file`, as set by the token's name. Exit 0 with the new
// version (and, with kYes, what re-judging did); 2 when the file cannot be read, or the hub
// refuses the document (its message names the member) or the token, or cannot be reached. Blocks.
CommandOutput policy_set_command(const HubEndpoint& hub, const std::filesystem::path& file, Reevaluate reevaluate,
                                 OutputFormat format);

// Which counts a what-if looks at: the last `days` days, at `site` ("" for every site).
struct WhatIfWindow {
  std::int64_t days = 30;
  std::string site;
};

// POST /api/v1/policy/what-if with the document in `file`: what it would have done to the
// window's counts against the policy in force, per site and item class, and examples of counts
// whose verdict or outcome it changes; or the API's JSON. Changes nothing on the hub. Exit 0;
// 2 when the file cannot be read, or the hub refuses the document (its message names the
// member) or the window, or cannot be reached. Blocks.
CommandOutput policy_what_if_command(const HubEndpoint& hub, const std::filesystem::path& file,
                                     const WhatIfWindow& window, OutputFormat format);

// POST /api/v1/reconcile/verify: recomputes the projections from the movements and repairs what
// differs. Exit 0 whether or not anything needed repair (the repair is done and printed, and the
// hub audits it); 2 when the hub cannot be reached or fails. Blocks.
CommandOutput reconcile_verify_command(const HubEndpoint& hub, OutputFormat format);

}  // namespace recount::hub
