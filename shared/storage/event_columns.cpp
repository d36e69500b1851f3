// Binding and reading an event's detail columns.
#include "shared/storage/event_columns.hpp"

namespace recount::storage {

Statement& bind_event_details(Statement& statement, int first, const Event& event) {
  return statement.bind_optional(first, event.user)
      .bind_optional(first + 1, event.location)
      .bind_optional(first + 2, event.to_location)
      .bind_optional(first + 3, event.sku)
      .bind_optional(first + 4, event.lot)
      .bind_optional(first + 5, event.expiry)
      .bind_optional(first + 6, event.serial)
      .bind(first + 7, event.qty)
      .bind_optional(first + 8, event.reason ? to_string(*event.reason) : std::string_view())
      .bind_optional(first + 9, event.reference)
      .bind_optional(first + 10, event.session)
      .bind_optional(first + 11, event.task_id)
      .bind_optional(first + 12, event.barcode)
      .bind_optional(first + 13, event.system);
}

Result<void> read_event_details(const Statement& row, int first, Event& event, std::string_view table) {
  event.user = row.column_text(first);
  event.location = row.column_text(first + 1);
  event.to_location = row.column_text(first + 2);
  event.sku = row.column_text(first + 3);
  event.lot = row.column_text(first + 4);
  event.expiry = row.column_text(first + 5);
  event.serial = row.column_text(first + 6);
  event.qty = row.column_int(first + 7);
  event.reason.reset();
  if (!row.column_is_null(first + 8)) {
    event.reason = parse_reason_code(row.column_text(first + 8));
    if (!event.reason) return unknown_value(table, "reason", row.column_text(first + 8));
  }
  event.reference = row.column_text(first + 9);
  event.session = row.column_text(first + 10);
  event.task_id = row.column_text(first + 11);
  event.barcode = row.column_text(first + 12);
  event.system = row.column_text(first + 13);
  return {};
}

Result<EventType> read_event_type(const Statement& row, int column, std::string_view table) {
  const auto type = parse_event_type(row.column_text(column));
  if (!type) return unknown_value(table, "type", row.column_text(column));
  return *type;
}

Error unknown_value(std::string_view table, std::string_view column, const std::string& value) {
  return Error{ErrorCode::kCorrupt, "",
               std::string(table) + "." + std::string(column) + " holds an unknown value '" + value + "'"};
}

}  // namespace recount::storage
