// What a reconciliation write asks of its caller: adjustments to store as hub events and audit
// notes to append in the same transaction, and task lists to publish after the commit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "shared/domain/event.hpp"

namespace recount::hub::reconcile {

// An adjustment the engine made to resolve a discrepancy. It is already in the projections; the
// caller stores the event in the ledger as a hub event (seq is 0: the caller numbers it in the
// hub's own journal epoch). Its hlc is the stamp of the count it corrects, so it takes effect
// as of that count; wall_ms is when it was made.
struct Adjustment {
  std::string site;
  Event event;
  std::int64_t discrepancy_id = 0;
  std::int64_t value_cents = 0;  // qty × unit cost
};

// What a connected system must be told after a decision (docs/channels.md): hold `quantity`
// (the ledger's quantity now) of `sku` at `location` ("" for the whole site) of `site`. The
// outbox (hub/outbox) stores it in the same transaction and delivers it in the system's own
// format; snapshot_event_id is the system's latest report of it, whose names (the system's SKU and
// location) the correction uses.
struct Correction {
  std::string system;
  std::string site;
  std::string location;
  std::string sku;
  std::int64_t quantity = 0;
  std::int64_t reported = 0;  // what the system's latest report said
  std::int64_t discrepancy_id = 0;
  std::string snapshot_event_id;
  std::string cause;  // "correct-system", or how the discrepancy was resolved ("approved", …)

  bool operator==(const Correction&) const = default;
};

// An entry for the hub's audit log (hub/ledger/audit_log.hpp): a discrepancy transition, a
// refused recount or a policy change. detail is a JSON object.
struct AuditNote {
  std::string kind;
  std::string subject;
  std::string detail;
};

// What a call asks of its caller, in the same transaction (adjustments, audit) and after the
// commit (task lists to publish).
struct Effects {
  std::vector<Adjustment> adjustments;
  std::vector<Correction> corrections;  // for the outbox, in the same transaction
  std::vector<std::string> task_sites;  // sorted, no repeats
  std::vector<AuditNote> audit;
  // Discrepancies opened or moved to another state, for the console's live feed after the
  // commit; in the order they changed, with repeats.
  std::vector<std::int64_t> discrepancies;
};

struct Reevaluation {
  std::size_t positions_repaired = 0;  // on-hand differed from the sum of movements
  std::size_t groups_repaired = 0;     // expected differed from the balance as of the count
  std::size_t groups_rejudged = 0;     // marked to be judged again and settled
  Effects effects;
};

}  // namespace recount::hub::reconcile
