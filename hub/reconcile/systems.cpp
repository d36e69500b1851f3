// Systems' roles.
#include "hub/reconcile/systems.hpp"

#include <cstdint>

#include "hub/reconcile/discrepancy.hpp"

namespace recount::hub::reconcile {

SystemRole system_role(std::string_view system) {
  if (system == kWarehouseSystem) return SystemRole::kLedger;
  if (system == "shopify") return SystemRole::kAdjustable;
  if (system == "pos") return SystemRole::kMovementsOnly;
  return SystemRole::kReadOnly;
}

std::string_view fba_proposal(std::int64_t variance) { return variance > 0 ? "investigate" : "reimbursement-claim"; }

}  // namespace recount::hub::reconcile
