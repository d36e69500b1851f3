// Connected systems' imports: snapshots, movements, aliases, the unmapped list and the audit.
#include "hub/channels/channel_import.hpp"

#include <map>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>

#include "hub/channels/outbox/corrections.hpp"
#include "shared/core/hlc.hpp"
#include "shared/crypto/hashed_uuid.hpp"
#include "shared/crypto/sha256.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"

namespace recount::hub::channels {
namespace {

using Json = nlohmann::json;

// One snapshot to store: a (location, SKU) with the rows that make it up.
struct Aggregate {
  std::size_t line = 0;  // the first row's
  std::int64_t quantity = 0;
  std::string system_sku;
  std::string system_location;
  std::string item_ref;
  std::map<std::string, std::int64_t> details;
};

Json audit_detail(const ImportOutcome& outcome, const ImportRequest& request, std::string_view bytes) {
  return {{"system", outcome.system},       {"kind", outcome.kind},          {"site", request.site},
          {"actor", request.actor},         {"sha256", sha256_hex(bytes)},   {"bytes", bytes.size()},
          {"as_of_ms", outcome.as_of_ms},   {"rows", outcome.rows},          {"stored", outcome.stored},
          {"unchanged", outcome.unchanged}, {"notes", outcome.notes.size()}, {"unmapped", outcome.unmapped.size()}};
}

}  // namespace

std::string snapshot_event_id(std::string_view system, std::string_view site, std::string_view location,
                              std::string_view sku, std::int64_t as_of_ms) {
  return hashed_uuid(Json{"snapshot", system, site, location, sku, as_of_ms}.dump());
}

std::string movement_event_id(std::string_view system, std::string_view key) {
  return hashed_uuid(Json{"movement", system, key}.dump());
}

Result<ImportOutcome> import_report(HubWriter& writer, Ledger& ledger, CatalogStore& catalog, ChannelStore& channels,
                                    const Report& report, std::string_view bytes, const ImportRequest& request) {
  ImportOutcome outcome;
  outcome.system = report.system;
  outcome.kind = report.kind;
  outcome.rows = report.quantities.size() + report.movements.size();
  outcome.errors = report.errors;
  outcome.notes = report.notes;
  if (auto ok = validate_identifier("site", request.site); !ok) {
    outcome.errors.push_back(ImportError{0, "site", ok.error().message});
  }
  if (!request.location.empty()) {
    if (auto ok = validate_code("location", request.location, limits::kMaxCode); !ok) {
      outcome.errors.push_back(ImportError{0, "location", ok.error().message});
    }
  }
  const std::int64_t now_ms = writer.now_ms();
  const std::string sha256 = sha256_hex(bytes);
  auto earlier = channels.earlier_import(report.system, request.site, sha256);
  if (!earlier) return earlier.error();
  // A file without its own time takes its first import's again, so importing it twice is a no-op.
  outcome.as_of_ms = request.as_of_ms  ? *request.as_of_ms
                     : report.as_of_ms ? *report.as_of_ms
                     : *earlier        ? (*earlier)->as_of_ms
                                       : now_ms;
  if (outcome.as_of_ms > now_ms) {
    outcome.errors.push_back(ImportError{0, "as_of", "is in the future (a report states what a system held)"});
  }
  // The catalog is asked a row at a time, never read whole: its items may be hundreds of
  // thousands, the report's a few.
  auto known = catalog.lookup();
  if (!known) return known.error();

  // The catalog SKU a system's SKU stands for, or nullopt (then listed as unmapped).
  const auto resolve = [&](const std::string& system_sku) -> Result<std::optional<std::string>> {
    auto alias = channels.alias(report.system, system_sku);
    if (!alias) return alias.error();
    if (*alias) return *alias;
    auto item = known->has_item(system_sku);
    if (!item) return item.error();
    if (*item) return std::optional<std::string>(system_sku);
    return std::optional<std::string>();
  };
  const auto unmapped = [&](std::string system_sku, std::string item_ref, std::int64_t quantity) {
    outcome.unmapped.push_back(
        UnmappedSku{report.system, request.site, std::move(system_sku), std::move(item_ref), quantity, now_ms});
  };

  std::map<std::pair<std::string, std::string>, Aggregate> snapshots;  // (location, SKU)
  for (const ReportedQuantity& row : report.quantities) {
    std::string location;
    if (!request.locations.empty()) {
      const auto mapped = request.locations.find(row.system_location);
      if (mapped == request.locations.end()) {
        outcome.notes.push_back(
            ImportError{row.line, "location", "'" + row.system_location + "' is not in the location map: left out"});
        continue;
      }
      location = mapped->second;
    }
    auto sku = resolve(row.sku);
    if (!sku) return sku.error();
    if (!*sku) {
      unmapped(row.sku, row.item_ref, row.quantity);
      continue;
    }
    Aggregate& aggregate = snapshots[{location, **sku}];
    if (aggregate.line == 0) {
      aggregate.line = row.line;
      aggregate.system_sku = row.sku;
      aggregate.system_location = row.system_location;
      aggregate.item_ref = row.item_ref;
    }
    aggregate.quantity += row.quantity;
    for (const auto& [name, value] : row.details) aggregate.details[name] += value;
  }

  std::vector<Event> movements;
  std::vector<std::size_t> movement_lines;
  std::string movement_location = request.location;
  if (movement_location.empty() && !report.movements.empty()) {
    auto sales_floor = known->first_location(request.site, std::string(kSalesFloorClass));
    if (!sales_floor) return sales_floor.error();
    movement_location = sales_floor->value_or(std::string(kDefaultSalesFloor));
  }
  for (const ReportedMovement& row : report.movements) {
    std::optional<std::string> sku;
    std::int64_t pack = 1;
    if (!row.sku.empty()) {
      auto resolved = resolve(row.sku);
      if (!resolved) return resolved.error();
      sku = *resolved;
    } else if (auto code = catalog_code(row.barcode); code) {
      auto found = known->barcode(*code);
      if (!found) return found.error();
      if (*found) {
        sku = std::move((*found)->sku);
        pack = (*found)->pack_qty;
      }
    }
    if (!sku) {
      unmapped(row.sku.empty() ? row.barcode : row.sku, row.reference, row.qty);
      continue;
    }
    Event event;
    event.event_id = movement_event_id(report.system, row.key);
    event.type = row.type;
    event.wall_ms = row.time_ms;
    event.hlc = HlcStamp::from_parts(row.time_ms, 0);
    event.location = movement_location;
    event.sku = *sku;
    event.qty = row.qty * pack;
    event.reason = row.reason;
    event.reference = row.reference;
    event.barcode = row.barcode;
    if (auto ok = validate(event, EventStage::kDraft); !ok) {
      outcome.errors.push_back(ImportError{row.line, ok.error().field, ok.error().message});
      continue;
    }
    movements.push_back(std::move(event));
    movement_lines.push_back(row.line);
  }

  auto written = writer.write([&](LedgerWrite& write, std::int64_t at_ms) -> Result<reconcile::Effects> {
    // What earlier imports stored decides what is new; checked before anything is stored.
    std::vector<std::pair<Event, const Aggregate*>> fresh_snapshots;
    std::vector<Event> fresh_movements;
    const auto check = [&](const Event& event, std::size_t line, bool& fresh) -> Result<void> {
      auto stored = ledger.events().find(event.event_id);
      if (!stored) return stored.error();
      fresh = !*stored;
      if (fresh) return {};
      if ((*stored)->event.qty == event.qty) {
        ++outcome.unchanged;
      } else {
        outcome.errors.push_back(ImportError{line, "quantity",
                                             "an earlier import stored " + std::to_string((*stored)->event.qty) +
                                                 " for this row; a stored event "
                                                 "is never rewritten: import a report with a later as-of time"});
      }
      return {};
    };
    for (const auto& [key, aggregate] : snapshots) {
      Event event;
      event.event_id = snapshot_event_id(report.system, request.site, key.first, key.second, outcome.as_of_ms);
      event.type = EventType::kSnapshot;
      event.wall_ms = outcome.as_of_ms;
      event.hlc = HlcStamp::from_parts(outcome.as_of_ms, 0);
      event.location = key.first;
      event.sku = key.second;
      event.qty = aggregate.quantity;
      event.system = report.system;
      event.reference = report.kind;
      event.user = request.actor;
      if (auto ok = validate(event, EventStage::kDraft); !ok) {
        outcome.errors.push_back(ImportError{aggregate.line, ok.error().field, ok.error().message});
        continue;
      }
      bool fresh = false;
      if (auto ok = check(event, aggregate.line, fresh); !ok) return ok.error();
      if (fresh) fresh_snapshots.emplace_back(std::move(event), &aggregate);
    }
    for (std::size_t i = 0; i < movements.size(); ++i) {
      bool fresh = false;
      if (auto ok = check(movements[i], movement_lines[i], fresh); !ok) return ok.error();
      if (fresh) fresh_movements.push_back(movements[i]);
    }
    if (!outcome.errors.empty()) {
      outcome.unchanged = 0;
      const auto& first = outcome.errors.front();
      Json detail = audit_detail(outcome, request, bytes);
      detail["errors"] = outcome.errors.size();
      detail["first_error"] = {{"line", first.line}, {"field", first.field}, {"message", first.message}};
      if (auto ok = write.audit("channels.import_rejected", request.site + "/" + report.system, detail.dump()); !ok) {
        return ok.error();
      }
      return reconcile::Effects{};
    }
    for (const auto& [event, aggregate] : fresh_snapshots) {
      if (auto stored = write.record_hub_event(request.site, event, at_ms); !stored) return stored.error();
      const Json details(aggregate->details);
      if (auto ok = channels.record_facts(SnapshotFacts{
              event.event_id, aggregate->system_sku, aggregate->system_location, aggregate->item_ref, details.dump()});
          !ok) {
        return ok.error();
      }
    }
    for (const Event& event : fresh_movements) {
      if (auto stored = write.record_hub_event(request.site, event, at_ms); !stored) return stored.error();
    }
    // What the report shows of corrections sent to the system before it.
    for (const auto& [key, aggregate] : snapshots) {
      if (auto ok = observe_report(write, report.system, request.site, aggregate.system_location, aggregate.system_sku,
                                   aggregate.quantity, outcome.as_of_ms, at_ms);
          !ok) {
        return ok.error();
      }
    }
    for (const UnmappedSku& each : outcome.unmapped) {
      if (auto ok = channels.note_unmapped(each); !ok) return ok.error();
    }
    outcome.stored = fresh_snapshots.size() + fresh_movements.size();
    if (auto ok =
            channels.record_import(StoredImport{report.system, request.site, report.kind, sha256, outcome.as_of_ms,
                                                request.actor, at_ms, outcome.rows, outcome.stored, outcome.unchanged});
        !ok) {
      return ok.error();
    }
    if (auto ok = write.audit("channels.import", request.site + "/" + report.system,
                              audit_detail(outcome, request, bytes).dump());
        !ok) {
      return ok.error();
    }
    return reconcile::Effects{};
  });
  if (!written) return written.error();
  return outcome;
}

}  // namespace recount::hub::channels
