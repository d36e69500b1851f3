// The writes an operator makes to reconciliation through the API or recountctl: decide a
// discrepancy, put a policy in force, re-judge every count, verify the projections. The
// Reconciler implements them; a storage backend other than SQLite would too.
#pragma once

#include <cstdint>
#include <string>

#include "hub/reconcile/discrepancy.hpp"
#include "hub/reconcile/effects.hpp"
#include "hub/reconcile/policy.hpp"
#include "shared/core/result.hpp"
#include "shared/domain/event.hpp"

namespace recount::hub::reconcile {

// Every call must run inside a write transaction on the hub's database (the ledger's
// LedgerWrite), and what it returns in Effects must be carried out in that same transaction.
// Calls block on storage; errors are kIo unless stated. Not thread-safe.
class Operations {
 public:
  virtual ~Operations() = default;

  // An operator's decision on a discrepancy. approve: adjust the ledger to the count (awaiting
  // approval or review); write-off: adjust now, skipping further recounts; reject: close without
  // adjusting. `reason` is the adjustment's reason code (recorded for a reject too). kNotFound:
  // no such discrepancy; kConflict: the action is not allowed in its state, or there is nothing
  // to adjust; kInvalidInput: empty operator login.
  virtual Result<Effects> resolve(std::int64_t discrepancy_id, OperatorAction action, ReasonCode reason,
                                  const std::string& operator_login, std::int64_t now_ms) = 0;

  // Puts a policy in force from now on and audits the change; judgements already made stay
  // (reevaluate_all() re-judges). kInvalidInput: empty actor.
  virtual Result<Effects> set_policy(const Policy& policy, const std::string& actor, std::int64_t now_ms) = 0;

  // The full re-evaluation: re-judges every count under the current policy from its expected
  // quantity (kept current as events arrive), probing movements again only for counts judged
  // under another ambiguity window; marks those whose verdict differs and settles them. One pass
  // over the count groups; the movements are not read.
  virtual Result<Reevaluation> reevaluate_all(std::int64_t now_ms) = 0;

  // Recomputes every position's on-hand and every count's expected quantity from the movements
  // in one ordered pass, repairs what differs (nothing, unless something went wrong or someone
  // edited the tables), and settles the counts it repaired. Reads every movement: a check, not
  // a routine step.
  virtual Result<Reevaluation> verify_projections(std::int64_t now_ms) = 0;

 protected:
  Operations() = default;
  Operations(const Operations&) = default;
  Operations(Operations&&) = default;
  Operations& operator=(const Operations&) = default;
  Operations& operator=(Operations&&) = default;
};

}  // namespace recount::hub::reconcile
