// Baseline imports: validation, idempotent storage and the reconciler.
#include "hub/baseline/baseline_import.hpp"

#include <map>
#include <optional>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>

#include "shared/core/hlc.hpp"
#include "shared/core/iso_time.hpp"
#include "shared/crypto/hashed_uuid.hpp"
#include "shared/crypto/sha256.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"

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

// Every row checked on its own and against the others; `errors` gets each problem.
std::vector<Row> valid_rows(const ImportTable& table, std::int64_t now_ms, std::vector<ImportError>& errors) {
  std::vector<Row> rows;
  std::map<std::pair<reconcile::PositionKey, std::int64_t>, std::size_t> seen;  // (position, as_of) → line
  for (const auto& record : table.rows) {
    const auto fields = pick(record, table.columns);
    const auto& [site, location, sku, lot, quantity_text, as_of_text] =
        std::tie(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
    const auto errors_before = errors.size();
    const auto add = [&](const Error& error) {
      errors.push_back(ImportError{record.line, error.field, error.message});
    };
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
    if (errors.size() != errors_before) continue;
    Row row{record.line, reconcile::PositionKey{site, location, sku, lot}, *quantity, *as_of, as_of_text};
    if (auto [at, fresh] = seen.emplace(std::pair{row.position, row.as_of_ms}, row.line); !fresh) {
      add(invalid("as_of", "the same position and as_of already appear on line " + std::to_string(at->second)));
      continue;
    }
    rows.push_back(std::move(row));
  }
  return rows;
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
  auto table = read_import_table(csv, kBaselineColumns, options);
  report.delimiter = table.delimiter;
  report.encoding = table.encoding;
  report.errors = std::move(table.errors);
  report.rows = table.rows.size();
  const auto rows = valid_rows(table, writer.now_ms(), report.errors);

  auto written = writer.write([&](LedgerWrite& write, std::int64_t now_ms) -> Result<reconcile::Effects> {
    // What earlier imports stored decides which rows are new; checked before anything is stored.
    std::vector<const Row*> fresh;
    for (const Row& row : rows) {
      auto stored = ledger.events().find(baseline_event_id(row.position, row.as_of_ms));
      if (!stored) return stored.error();
      if (!*stored) {
        fresh.push_back(&row);
      } else if ((*stored)->event.qty == row.quantity) {
        ++report.unchanged;
      } else {
        report.errors.push_back(
            ImportError{row.line, "quantity",
                        "an earlier import set this position to " + std::to_string((*stored)->event.qty) + " as of " +
                            row.as_of + "; a stored baseline is never rewritten: correct it with a later as_of"});
      }
    }
    const Json size = {{"sha256", sha256_hex(csv)}, {"bytes", csv.size()}};
    if (!report.errors.empty()) {
      report.unchanged = 0;
      const auto& first = report.errors.front();
      Json detail = {{"errors", report.errors.size()},
                     {"first_error", {{"line", first.line}, {"field", first.field}, {"message", first.message}}}};
      detail.update(size);
      if (auto ok = write.audit("baseline.import_rejected", "baseline", detail.dump()); !ok) return ok.error();
      return reconcile::Effects{};
    }
    for (const Row* row : fresh) {
      if (auto stored = write.record_hub_event(row->position.site, baseline_event(*row), now_ms); !stored) {
        return stored.error();
      }
    }
    report.stored = fresh.size();
    Json detail = {{"rows", report.rows}, {"stored", report.stored}, {"unchanged", report.unchanged}};
    detail.update(size);
    if (auto ok = write.audit("baseline.import", "baseline", detail.dump()); !ok) return ok.error();
    return reconcile::Effects{};
  });
  if (!written) return written.error();
  return report;
}

}  // namespace recount::hub
