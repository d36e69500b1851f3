// What an operator took up with a read-only system about its discrepancy (docs/channels.md):
// POST /api/v1/discrepancies/{id}/claim, and the claims in the discrepancy's detail.
#pragma once

#include <nlohmann/json.hpp>

#include "hub/channels/channel_store.hpp"
#include "hub/http/router.hpp"
#include "hub/reconcile/operations.hpp"
#include "hub/reconcile/queries.hpp"
#include "hub/writes/hub_writer.hpp"

namespace recount::hub {

// Adds POST /api/v1/discrepancies/{id}/claim (approver) with {"case_id", "state": "filed" |
// "reimbursed" | "denied" (default filed), "note"}: records the step of the case with Amazon and
// audits it ("channels.claim"), in one transaction with what it closes: reimbursed resolves the
// discrepancy as approve (the ledger takes Amazon's figure: the units are gone and Amazon paid
// for them), denied as write-off (Amazon's figure stands and the loss is the seller's), both with
// reason shrinkage; only a reimbursement claim (Amazon reports fewer than the ledger) can be
// reimbursed. Answers 200 {"discrepancy", "claims"}; 400 naming the member for a bad body; 403
// when the role or the approval limit does not allow the closing action; 404 for no such
// discrepancy; 409 for a discrepancy that is not a read-only system's, one that is closed, or
// reimbursed for an investigation. `writer`, `channels`, `operations` and `queries` must outlive
// the router; handlers run on the caller's (the io_context's) thread.
void add_claim_routes(Router& router, HubWriter& writer, channels::ChannelStore& channels,
                      reconcile::Operations& operations, reconcile::Queries& queries, const WallClock& wall);

// Adds the discrepancy's claims, oldest first, to its detail as `claims` ([] when none), each
// {"case_id", "state", "note", "actor", "at_ms"}. Errors: SQLite's. Blocks.
Result<void> add_claims(channels::ChannelStore& channels, const reconcile::DiscrepancyDetail& detail,
                        nlohmann::json& body);

// Adds to a read-only system's discrepancy, as a listing shows it, `claim`: its newest step
// {"case_id", "state", "note", "actor", "at_ms"}, or null when none was recorded. Others are left
// as they are. Errors: SQLite's. Blocks.
Result<void> add_latest_claim(channels::ChannelStore& channels, const reconcile::Discrepancy& discrepancy,
                              nlohmann::json& body);

}  // namespace recount::hub
