// An event's details as both stores keep them: the device's journal and the hub's ledger name and
// order these columns alike, and bind and read them through here, so the two cannot drift apart
// (a field added to Event is stored everywhere or nowhere).
#pragma once

#include <string>
#include <string_view>

#include "shared/core/result.hpp"
#include "shared/domain/event.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::storage {

// The detail columns, in order, for a statement's column or parameter list. "user" is quoted:
// PostgreSQL reads a bare user as the current role's name.
inline constexpr std::string_view kEventDetailColumns =
    "\"user\", location, to_location, sku, lot, expiry, serial, qty, reason, ref, session, task_id, barcode, system";
inline constexpr int kEventDetailCount = 14;

// Binds the details to parameters first .. first + 13; empty text binds as NULL.
Statement& bind_event_details(Statement& statement, int first, const Event& event);

// Reads columns first .. first + 13 into `event`. kCorrupt naming `table`.reason when the stored
// reason is not a reason code this build knows.
Result<void> read_event_details(const Statement& row, int first, Event& event, std::string_view table);

// Reads an event type from `column`; kCorrupt naming `table`.type when this build does not know it.
Result<EventType> read_event_type(const Statement& row, int column, std::string_view table);

// The error for a stored value this build cannot read: `table`.`column` and the value.
Error unknown_value(std::string_view table, std::string_view column, const std::string& value);

}  // namespace recount::storage
