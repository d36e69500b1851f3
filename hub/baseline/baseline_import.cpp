// Baseline imports: validation, idempotent storage and the reconciler.
#include "hub/baseline/baseline_import.hpp"

#include <optional>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>

#include "shared/core/hlc.hpp"
#include "shared/core/iso_time.hpp"
#include "shared/crypto/hashed_uuid.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

const std::vector<std::string_view> kBaselineColumns{"site", "location", "sku", "lot", "quantity", "as_of"};

struct Row {
  std::size_t line = 0;
  reconcile::PositionKey position;
  std::int64_t quantity = 0;
  std::int64_t as_of_ms = 0;
  std::string as_of;  // as the file wrote it
};

// The row of `record` when it is valid on its own; else nullopt, each problem added to `errors`.
std::optional<Row> valid_row(const CsvRecord& record, const CsvColumns& columns, std::int64_t now_ms,
                             ImportErrors& errors) {
  const auto fields = pick(record, columns);
  const auto& [site, location, sku, lot, quantity_text, as_of_text] =
      std::tie(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
  const auto errors_before = errors.count();
  const auto add = [&](const Error& error) { errors.add(ImportError{record.line, error.field, error.message}); };
  if (auto ok = validate_identifier("site", site); !ok) add(ok.error());
  if (auto ok = validate_code("location", location, limits::kMaxCode); !ok) add(ok.error());
  if (auto ok = validate_code("sku", sku, limits::kMaxCode); !ok) add(ok.error());
  if (auto ok = validate_code("lot", lot, limits::kMaxCode, Presence::kOptional); !ok) add(ok.error());
  const auto quantity = parse_integer(quantity_text);
  if (!quantity || *quantity < 0 || *quantity > limits::kMaxQuantity) {
    add(invalid("quantity", "must be a whole number from 0 to " + std::to_string(limits::kMaxQuantity) + " (got '" +
                                quantity_text + "')"));
  }
  const auto as_of = parse_iso8601_ms("as_of", as_of_text);
  if (!as_of) {
    add(as_of.error());
  } else if (*as_of > now_ms) {
    add(invalid("as_of", "'" + as_of_text + "' is in the future (an opening balance states what was there)"));
  }
  if (errors.count() != errors_before) return std::nullopt;
  return Row{record.line, reconcile::PositionKey{site, location, sku, lot}, *quantity, *as_of, as_of_text};
}

Event baseline_event(const Row& row) {
  Event event;
  event.event_id = baseline_event_id(row.position, row.as_of_ms);
  event.type = EventType::kBaseline;
  event.wall_ms = row.as_of_ms;
  event.hlc = baseline_stamp(row.as_of_ms);
  event.location = row.position.location;
  event.sku = row.position.sku;
  event.lot = row.position.lot;
  event.qty = row.quantity;
  return event;
}

}  // namespace

std::string baseline_event_id(const reconcile::PositionKey& position, std::int64_t as_of_ms) {
  // A JSON array keeps the parts apart whatever characters they hold.
  return hashed_uuid(Json{"baseline", position.site, position.location, position.sku, position.lot, as_of_ms}.dump());
}

HlcStamp baseline_stamp(std::int64_t as_of_ms) { return HlcStamp::from_parts(as_of_ms, 0); }

Result<BaselineReport> import_baselines(HubWriter& writer, Ledger& ledger, std::string_view csv,
                                        const TableOptions& options) {
  BaselineReport report;
  ImportTable table(csv, kBaselineColumns, options);
  report.delimiter = table.delimiter;
  report.encoding = table.encoding;

  auto written = writer.write([&](LedgerWrite& write, std::int64_t now_ms) -> Result<reconcile::Effects> {
    storage::Connection& database = write.database();
    // First pass: every row checked on its own, against the others (import_keys holds the
    // (position, as_of) seen, as the event id they make) and against what earlier imports stored,
    // before anything is stored. The conflicts with earlier imports follow the rows' own problems.
    ImportErrors errors;
    ImportErrors conflicts;
    if (!table.errors.empty()) errors.replace_all(table.errors.front());
    // The staging table is the baseline import's own (the hub may run without a catalog store);
    // created in the write, it is empty whenever a write commits.
    if (auto ok = database.execute("CREATE TABLE IF NOT EXISTS import_keys (key TEXT PRIMARY KEY, line INTEGER "
                                   "NOT NULL); DELETE FROM import_keys");
        !ok) {
      return ok.error();
    }
    auto seen = database.prepare("INSERT INTO import_keys(key, line) VALUES(?, ?) ON CONFLICT(key) DO NOTHING");
    auto first_line = database.prepare("SELECT line FROM import_keys WHERE key = ?");
    if (!seen) return seen.error();
    if (!first_line) return first_line.error();
    std::size_t fresh = 0;
    CsvRecord record;
    while (table.next(record)) {
      const auto row = valid_row(record, table.columns, now_ms, errors);
      if (!row) continue;
      const auto event_id = baseline_event_id(row->position, row->as_of_ms);
      auto added = seen->bind(1, event_id).bind(2, static_cast<std::int64_t>(row->line)).run_counted();
      if (!added) return added.error();
      if (*added == 0) {
        auto line = storage::first_int(first_line->bind(1, event_id));
        if (!line) return line.error();
        errors.add(
            ImportError{row->line, "as_of",
                        "the same position and as_of already appear on line " + std::to_string(line->value_or(0))});
        continue;
      }
      auto stored = ledger.events().find(event_id);
      if (!stored) return stored.error();
      if (!*stored) {
        ++fresh;
      } else if ((*stored)->event.qty == row->quantity) {
        ++report.unchanged;
      } else {
        conflicts.add(ImportError{row->line, "quantity",
                                  "an earlier import set this position to " + std::to_string((*stored)->event.qty) +
                                      " as of " + row->as_of +
                                      "; a stored baseline is never rewritten: correct it with a later as_of"});
      }
    }
    report.rows = table.rows();
    if (table.errors.empty()) {
      for (auto& conflict : conflicts.listed) errors.add(std::move(conflict));
      errors.unlisted += conflicts.unlisted;
    } else {
      errors.replace_all(table.errors.front());
    }
    if (auto ok = database.execute("DELETE FROM import_keys"); !ok) return ok.error();
    const Json size = {{"sha256", import_sha256(csv, options)}, {"bytes", csv.size()}};
    if (!errors.empty()) {
      report.unchanged = 0;
      report.errors = std::move(errors.listed);
      report.unlisted_errors = errors.unlisted;
      const auto& first = report.errors.front();
      Json detail = {{"errors", report.errors.size() + report.unlisted_errors},
                     {"first_error", {{"line", first.line}, {"field", first.field}, {"message", first.message}}}};
      detail.update(size);
      if (auto ok = write.audit("baseline.import_rejected", "baseline", detail.dump()); !ok) return ok.error();
      return reconcile::Effects{};
    }
    // Second pass, the file without a problem: each new row stored.
    ImportTable again(csv, kBaselineColumns, options);
    ImportErrors none;
    while (again.next(record)) {
      const auto row = valid_row(record, again.columns, now_ms, none);
      if (!row) continue;
      const Event event = baseline_event(*row);
      auto stored = ledger.events().find(event.event_id);
      if (!stored) return stored.error();
      if (*stored) continue;
      if (auto recorded = write.record_hub_event(row->position.site, event, now_ms); !recorded) {
        return recorded.error();
      }
    }
    report.stored = fresh;
    Json detail = {{"rows", report.rows}, {"stored", report.stored}, {"unchanged", report.unchanged}};
    detail.update(size);
    if (auto ok = write.audit("baseline.import", "baseline", detail.dump()); !ok) return ok.error();
    return reconcile::Effects{};
  });
  if (!written) return written.error();
  return report;
}

}  // namespace recount::hub
