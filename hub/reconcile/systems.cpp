// Systems' roles.
#include "hub/reconcile/systems.hpp"

namespace recount::hub::reconcile {

SystemRole system_role(std::string_view system) {
  if (system == kWarehouseSystem) return SystemRole::kLedger;
  if (system == "shopify") return SystemRole::kAdjustable;
  if (system == "pos") return SystemRole::kMovementsOnly;
  return SystemRole::kReadOnly;
}

bool action_applies(OperatorAction action, const Discrepancy& discrepancy) {
  if (action != OperatorAction::kCorrectSystem) return true;
  return discrepancy.snapshot_id.has_value() && system_role(discrepancy.system) == SystemRole::kAdjustable;
}

std::string_view fba_proposal(std::int64_t variance) { return variance > 0 ? "investigate" : "reimbursement-claim"; }

}  // namespace recount::hub::reconcile
