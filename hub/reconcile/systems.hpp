// The systems whose quantities reconciliation compares (docs/channels.md): the warehouse (the
// ledger's own counts) and the connected ones, and what each may be told when an operator
// decides a discrepancy. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "hub/reconcile/discrepancy.hpp"

namespace recount::hub::reconcile {

// What a system may be told about its own figures.
enum class SystemRole {
  kLedger,         // the warehouse: recount's ledger itself
  kAdjustable,     // takes corrections (Shopify: an inventory import of On hand)
  kReadOnly,       // never adjusted from here (FBA: Amazon's figures; an operator takes it up with Amazon)
  kMovementsOnly,  // reports movements, never quantities to compare (a POS journal)
};

// The role of a system by name; a system this build does not know is read-only, so nothing is
// ever sent to a system no one decided may take corrections.
SystemRole system_role(std::string_view system);

// Whether `action` is one for this discrepancy at all, whatever its state: correct-system only
// for an adjustable system's, the others for every discrepancy.
bool action_applies(OperatorAction action, const Discrepancy& discrepancy);

// What an operator does with Amazon about an FBA discrepancy, which recount cannot correct:
// Amazon reports more than the ledger holds there → investigate (a receipt or a transfer the
// ledger lacks); fewer → a reimbursement claim for lost or damaged units.
std::string_view fba_proposal(std::int64_t variance);

}  // namespace recount::hub::reconcile
