// The floor's work modes, and a register's (a POS that runs recount-agent: sale, return, damage),
// and the one rule for what a scanned item records in each: the event type, the context the mode
// needs, and the sign of the quantity. Used by the live scan session and by the later resolution
// of scans the catalog did not know.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shared/domain/event.hpp"

namespace recount::agent {

enum class WorkMode { kCount, kReceive, kPutaway, kMove, kAdjust, kSale, kReturn, kDamage };
std::string_view to_string(WorkMode mode);
std::optional<WorkMode> parse_work_mode(std::string_view text);
// Every mode's name, comma-separated, for messages that list them.
std::string work_mode_names();

// The context an item was scanned in that some modes put on its event.
struct ModeContext {
  std::string to_location;           // putaway and move: the destination
  std::string reference;             // receive: the PO or ASN
  std::optional<ReasonCode> reason;  // adjust: why; damage: why, when it is not damage
};

// Whether an adjustment with `reason` adds stock (found, return); every other reason, and none,
// takes it away.
bool adds_stock(std::optional<ReasonCode> reason);

// `item` (user, location, sku, lot, ...) as the event `mode` records for `units` of it (units ≥ 0):
// the mode's event type, the context members that mode uses (the destination for putaway and move,
// the reference for receive, the reason for adjust; `item`'s own are left for the others), and
// qty = units, negated for an adjustment that does not add stock (adds_stock). A register's modes
// record as a POS journal's rows do (docs/channels-formats.md): sale → kSale of units; return →
// kAdjust +units, reason return; damage → kAdjust −units, reason damage (or the context's). Pure.
Event item_event(WorkMode mode, const ModeContext& context, std::int64_t units, Event item);

}  // namespace recount::agent
