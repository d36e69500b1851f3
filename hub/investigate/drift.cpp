// DriftFinder: the run of disagreeing counts that lasts to the latest, the events before it, and
// the candidates that explain it, scored as docs/investigation.md documents.
#include "hub/investigate/drift.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <tuple>
#include <utility>

#include "hub/reconcile/projections.hpp"
#include "hub/reconcile/rules.hpp"
#include "shared/domain/event.hpp"

namespace recount::hub::investigate {

enum class DriftFinder::Sql { kDevice, kCount };

namespace {

using reconcile::HistoryEntry;

const std::string kSql[] = {
    // kDevice: the skew a device reported in its last status, and how many of its events the ledger
    // ordered by arrival because their stamps were too far from it.
    "SELECT coalesce(status_skew_ms, 0), clock_flagged FROM devices WHERE device = ?1",
};

constexpr std::size_t kPositionPage = 1000;
constexpr std::string_view kDockClass = "dock";
// The most other halves of a move one drift lists: many positions off by the same units pair
// with each other, and the first few say as much as all of them.
constexpr std::size_t kMaxPairs = 3;

// Candidate scores (docs/investigation.md): exact when the event's quantity is the divergence.
constexpr int kReceiptAtDockExact = 90;
constexpr int kReceiptAtDock = 60;
constexpr int kReceiptElsewhereExact = 80;
constexpr int kReceiptElsewhere = 45;
constexpr int kMoveArrivalExact = 85;
constexpr int kMoveArrival = 45;
constexpr int kMoveNeverLeftExact = 70;
constexpr int kMovePair = 75;
constexpr int kSaleExact = 80;
constexpr int kSale = 40;
constexpr int kPack = 80;
constexpr int kClockExact = 75;
constexpr int kClock = 50;
constexpr int kDuringMovementExact = 82;
constexpr int kDuringMovement = 55;

const std::pair<CandidateKind, std::string_view> kKindNames[] = {
    {CandidateKind::kReceiptNotPutAway, "receipt_not_put_away"},
    {CandidateKind::kMoveWithoutArrival, "move_without_arrival"},
    {CandidateKind::kSaleWithoutPick, "sale_without_pick"},
    {CandidateKind::kPackMultiple, "pack_multiple"},
    {CandidateKind::kClockSkew, "clock_skew"},
    {CandidateKind::kCountDuringMovement, "count_during_movement"},
};

bool is_observation(const HistoryEntry& entry) { return entry.group_id.has_value(); }

bool has_type(const HistoryEntry& entry, EventType type) { return entry.type == to_string(type); }

bool is_move(const HistoryEntry& entry) {
  return has_type(entry, EventType::kMove) || has_type(entry, EventType::kPutaway);
}

// What the books did rather than the floor: an opening balance, or the adjustment that resolved
// a discrepancy.
bool is_correction(const HistoryEntry& entry) {
  return has_type(entry, EventType::kBaseline) ||
         (has_type(entry, EventType::kAdjust) && entry.reference.starts_with(reconcile::kDiscrepancyReferencePrefix));
}

// A movement people or systems made on the floor (not a correction, nor a count).
bool is_physical_movement(const HistoryEntry& entry) {
  return !is_observation(entry) && !is_correction(entry) && entry.delta != 0;
}

// What happened on the floor over a span of a position's history: prefix sums of its physical
// movements' deltas, so each span costs two binary searches.
class FloorMovements {
 public:
  explicit FloorMovements(const std::vector<HistoryEntry>& history) : history_(&history) {
    prefix_.reserve(history.size() + 1);
    prefix_.push_back(0);
    for (const auto& entry : history)
      prefix_.push_back(prefix_.back() + (is_physical_movement(entry) ? entry.delta : 0));
  }

  // The sum of the physical deltas in (after, through].
  std::int64_t between(HlcStamp after, HlcStamp through) const { return upto(through) - upto(after); }

 private:
  std::int64_t upto(HlcStamp stamp) const {
    const auto end = std::upper_bound(history_->begin(), history_->end(), stamp,
                                      [](HlcStamp value, const HistoryEntry& entry) { return value < entry.hlc; });
    return prefix_[static_cast<std::size_t>(end - history_->begin())];
  }

  const std::vector<HistoryEntry>* history_;
  std::vector<std::int64_t> prefix_;
};

// Whether the books were set to what `observation` counted by `until`, when they held `balance`:
// the balance is what was counted, moved by what happened on the floor since.
bool corrected_by(const DriftObservation& observation, HlcStamp until, std::int64_t balance,
                  const FloorMovements& floor) {
  return balance == observation.counted + floor.between(observation.hlc, until);
}

std::string sign_text(std::int64_t units) { return (units > 0 ? "+" : "") + std::to_string(units); }

std::string position_name(const reconcile::PositionKey& key) {
  return key.location + "/" + key.sku + (key.lot.empty() ? "" : "/" + key.lot);
}

// A receipt at a dock that no move or put-away has taken out since, received before now − put_away_ms.
struct StaleReceipt {
  reconcile::PositionKey position;
  std::string event_id;
  std::int64_t qty = 0;
  HlcStamp hlc;
};

// The stale receipts of a dock position's history: the newest receipts whose units the balance
// still holds, with no move out after them.
std::vector<StaleReceipt> stale_receipts(const reconcile::PositionKey& position,
                                         const std::vector<HistoryEntry>& history, const DriftSettings& settings) {
  std::vector<StaleReceipt> stale;
  if (history.empty()) return stale;
  std::int64_t unclaimed = history.back().balance;
  for (auto entry = history.rbegin(); entry != history.rend() && unclaimed > 0; ++entry) {
    if (is_move(*entry) && entry->delta < 0) break;  // what was received before was put away
    if (!has_type(*entry, EventType::kReceive)) continue;
    unclaimed -= entry->qty;
    if (settings.now_ms - entry->hlc.wall_ms() > settings.put_away_ms) {
      stale.push_back(StaleReceipt{position, entry->event_id, entry->qty, entry->hlc});
    }
  }
  return stale;
}

}  // namespace

std::string_view to_string(CandidateKind kind) {
  for (const auto& [known, name] : kKindNames) {
    if (known == kind) return name;
  }
  std::abort();  // every enumerator is named above
}

// What a query gathers while it reads positions one at a time.
struct DriftFinder::Scan {
  struct Held {
    PositionDrift drift;
    bool dock = false;
  };
  std::vector<Held> held;
  // Per (SKU, lot): stale dock receipts, at most kMaxDockReceipts.
  std::map<std::pair<std::string, std::string>, std::vector<StaleReceipt>> receipts;
  std::map<std::string, bool> suspect_devices;
  std::int64_t examined = 0;
  std::int64_t drifting = 0;
  bool over_memory_cap = false;
};

Result<DriftFinder> DriftFinder::prepare(storage::Database& database, const reconcile::CatalogView& catalog) {
  auto read_model = reconcile::ReadModel::prepare(database);
  if (!read_model) return read_model.error();
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return DriftFinder(std::move(*read_model), std::move(*statements), catalog);
}

Result<bool> DriftFinder::clock_suspect(const std::string& device, const DriftSettings& settings) {
  auto& lookup = statements_[Sql::kDevice];
  lookup.bind(1, device);
  auto row = lookup.step();
  if (!row) {
    lookup.reset();
    return row.error();
  }
  const bool suspect =
      *row && (std::llabs(lookup.column_int(0)) > settings.clock_skew_limit_ms || lookup.column_int(1) > 0);
  lookup.reset();
  return suspect;
}

Result<void> DriftFinder::examine(const reconcile::PositionView& position, const DriftSettings& settings, Scan& scan) {
  ++scan.examined;
  auto groups = read_model_.groups_at(position.id);
  if (!groups) return groups.error();
  std::vector<DriftObservation> observations;
  for (const auto& group : *groups) {
    if (group.is_void()) continue;
    observations.push_back(DriftObservation{group.last_hlc, group.id, "", group.first_user, group.expected,
                                            group.counted, group.counted - group.expected});
  }
  const bool dock = catalog_->location_class(position.key.site, position.key.location) == kDockClass;
  // Only a position whose latest count disagrees, or a dock that may hold stale receipts, has its
  // history read.
  const bool latest_disagrees = !observations.empty() && observations.back().variance != 0;
  if (!latest_disagrees && !(dock && position.on_hand > 0)) return {};

  auto history = read_model_.history(position.key);
  if (!history) return history.error();
  if (dock) {
    auto& known = scan.receipts[{position.key.sku, position.key.lot}];
    for (auto& receipt : stale_receipts(position.key, *history, settings)) {
      if (known.size() < kMaxDockReceipts) known.push_back(std::move(receipt));
    }
  }
  if (!latest_disagrees) return {};
  // A divergence ends at a count that agrees, or when the books are corrected to a count (the
  // resolving adjustment, a new baseline): the run that lasts starts after the last such end.
  const FloorMovements floor(*history);
  if (corrected_by(observations.back(), HlcStamp{~std::uint64_t{0}}, history->back().balance, floor)) return {};
  auto run_start = std::prev(observations.end());
  while (run_start != observations.begin()) {
    const auto& before = *std::prev(run_start);
    if (before.variance == 0 || corrected_by(before, run_start->hlc, run_start->expected, floor)) break;
    --run_start;
  }
  ++scan.drifting;
  if (scan.held.size() >= kMaxHeldDrifts) {
    scan.over_memory_cap = true;
    return {};
  }

  // A group's first count names the observation (one pass: a position may have many counts).
  std::map<std::int64_t, const std::string*> first_counts;
  for (const auto& entry : *history) {
    if (entry.group_id && !entry.event_id.empty()) first_counts.emplace(*entry.group_id, &entry.event_id);
  }
  for (auto& observation : observations) {
    if (const auto first = first_counts.find(observation.group_id); first != first_counts.end()) {
      observation.event_id = *first->second;
    }
  }
  PositionDrift drift;
  drift.position = position.key;
  if (run_start != observations.begin()) drift.known_good = *std::prev(run_start);
  drift.origin = *run_start;
  drift.latest = observations.back();
  drift.diverged_observations = observations.end() - run_start;

  // The window: after the known-good count up to the origin (movements at the origin's stamp
  // precede it), with `context` entries on either side.
  const auto from = drift.known_good
                        ? std::upper_bound(history->begin(), history->end(), drift.known_good->hlc,
                                           [](HlcStamp stamp, const HistoryEntry& entry) { return stamp < entry.hlc; })
                        : history->begin();
  const auto to = std::upper_bound(history->begin(), history->end(), drift.origin.hlc,
                                   [](HlcStamp stamp, const HistoryEntry& entry) { return stamp < entry.hlc; });
  const auto context = static_cast<std::ptrdiff_t>(settings.context);
  auto first = from - std::min(context, from - history->begin());
  auto last = to + std::min(context, history->end() - to);
  // Keep the entries nearest the origin when the window is long.
  if (last - first > static_cast<std::ptrdiff_t>(kMaxAroundEvents)) {
    first = std::max(first, to - static_cast<std::ptrdiff_t>(kMaxAroundEvents) / 2);
    last = std::min(last, first + static_cast<std::ptrdiff_t>(kMaxAroundEvents));
  }
  drift.around.assign(first, last);

  auto candidates = explain(drift, *history, settings, scan);
  if (!candidates) return candidates.error();
  drift.candidates = std::move(*candidates);
  scan.held.push_back(Scan::Held{std::move(drift), dock});
  return {};
}

Result<std::vector<Candidate>> DriftFinder::explain(const PositionDrift& drift,
                                                    const std::vector<HistoryEntry>& history,
                                                    const DriftSettings& settings, Scan& scan) {
  std::vector<Candidate> candidates;
  const std::int64_t variance = drift.origin.variance;
  const HlcStamp since = drift.known_good ? drift.known_good->hlc : HlcStamp{};
  std::vector<const HistoryEntry*> window;  // movements after the known-good count up to the origin
  std::vector<std::string> origin_counts;   // the origin group's count events
  for (const auto& entry : history) {
    if (entry.group_id == drift.origin.group_id && !entry.event_id.empty()) origin_counts.push_back(entry.event_id);
    if (entry.hlc > since && entry.hlc <= drift.origin.hlc && is_physical_movement(entry)) window.push_back(&entry);
  }

  // Units counted where a pack size explains the difference.
  if (const auto facts = catalog_->item(drift.position.site, drift.position.sku)) {
    if (const auto pack = reconcile::explaining_pack(*facts, drift.origin.expected, drift.origin.counted)) {
      candidates.push_back(Candidate{CandidateKind::kPackMultiple, kPack,
                                     "counted " + std::to_string(drift.origin.counted) + " where the ledger held " +
                                         std::to_string(drift.origin.expected) + ": a pack of " +
                                         std::to_string(*pack) + " counted as units or units as packs",
                                     origin_counts});
    }
  }

  // Stock moved within the ambiguity window of the origin's count.
  {
    Candidate during{CandidateKind::kCountDuringMovement, kDuringMovement, "", {}};
    std::int64_t moved = 0;
    for (const auto& entry : history) {
      if (!is_physical_movement(entry)) continue;
      if (std::llabs(entry.hlc.wall_ms() - drift.origin.hlc.wall_ms()) > settings.ambiguity_window_ms) continue;
      during.evidence.push_back(entry.event_id);
      moved += entry.delta;
      if (std::llabs(entry.delta) == std::llabs(variance)) during.score = kDuringMovementExact;
    }
    if (!during.evidence.empty()) {
      if (std::llabs(moved) == std::llabs(variance)) during.score = kDuringMovementExact;
      during.explanation = sign_text(moved) + " units moved within " + std::to_string(settings.ambiguity_window_ms) +
                           " ms of the count: the counter may have seen the stock before or after";
      during.evidence.insert(during.evidence.end(), origin_counts.begin(), origin_counts.end());
      candidates.push_back(std::move(during));
    }
  }

  // Sales and shipments booked while the units stayed: counted more than the ledger holds.
  if (variance > 0) {
    Candidate sale{CandidateKind::kSaleWithoutPick, kSale, "", {}};
    std::int64_t sold = 0;
    for (const auto* entry : window) {
      if (!has_type(*entry, EventType::kSale) && !has_type(*entry, EventType::kShip)) continue;
      sale.evidence.push_back(entry->event_id);
      sold += entry->qty;
      if (entry->qty == variance) sale.score = kSaleExact;
    }
    if (!sale.evidence.empty()) {
      if (sold == variance) sale.score = kSaleExact;
      sale.explanation = std::to_string(sold) + " units sold or shipped from here since the last agreeing count, and " +
                         std::to_string(variance) + " more counted than the ledger holds: never picked";
      candidates.push_back(std::move(sale));
    }
  }

  // Moves: stock booked in that the count did not find, or booked out that stayed.
  for (const auto* entry : window) {
    if (!is_move(*entry)) continue;
    if (entry->delta > 0 && variance < 0) {
      const bool exact = entry->qty == -variance;
      candidates.push_back(Candidate{
          CandidateKind::kMoveWithoutArrival,
          exact ? kMoveArrivalExact : kMoveArrival,
          "a " + entry->type + " of " + std::to_string(entry->qty) + " into this location that the count did not find",
          {entry->event_id}});
    } else if (entry->delta < 0 && entry->qty == variance) {
      candidates.push_back(Candidate{CandidateKind::kMoveWithoutArrival,
                                     kMoveNeverLeftExact,
                                     "a " + entry->type + " of " + std::to_string(entry->qty) +
                                         " out of this location whose units were still counted here",
                                     {entry->event_id}});
    }
  }

  // Devices whose clocks were off, near the origin.
  {
    std::map<std::string, Candidate> by_device;
    for (const auto& entry : history) {
      if (entry.device.empty() || entry.hlc <= since) continue;
      const bool near_origin = entry.hlc <= drift.origin.hlc ||
                               entry.hlc.wall_ms() - drift.origin.hlc.wall_ms() <= settings.ambiguity_window_ms;
      if (!near_origin) continue;
      auto found = scan.suspect_devices.find(entry.device);
      if (found == scan.suspect_devices.end()) {
        auto suspect = clock_suspect(entry.device, settings);
        if (!suspect) return suspect.error();
        found = scan.suspect_devices.emplace(entry.device, *suspect).first;
      }
      const bool device_suspect = found->second;
      const bool stamp_off = std::llabs(entry.hlc.wall_ms() - entry.wall_ms) > settings.clock_skew_limit_ms;
      if (!device_suspect && !stamp_off) continue;
      auto& candidate = by_device[entry.device];
      if (candidate.evidence.empty()) {
        candidate = Candidate{CandidateKind::kClockSkew,
                              kClock,
                              "device " + entry.device + " had a clock off by more than " +
                                  std::to_string(settings.clock_skew_limit_ms) +
                                  " ms: its events may stand on the wrong side of the count",
                              {}};
      }
      candidate.evidence.push_back(entry.event_id.empty() ? drift.origin.event_id : entry.event_id);
      if (std::llabs(entry.delta) == std::llabs(variance)) candidate.score = kClockExact;
    }
    for (auto& [device, candidate] : by_device) candidates.push_back(std::move(candidate));
  }
  return candidates;
}

Result<DriftReport> DriftFinder::find(const DriftQuery& query, const DriftSettings& settings) {
  Scan scan;
  // A position is explained by its SKU's other locations too, so a position query reads them.
  const std::string sku = query.scope == DriftScope::kSite ? std::string() : query.position.sku;
  bool requested_seen = query.scope != DriftScope::kPosition;
  std::int64_t after = 0;
  while (true) {
    auto page = read_model_.positions(reconcile::PositionQuery{query.position.site, sku, after, kPositionPage});
    if (!page) return page.error();
    for (const auto& position : *page) {
      if (position.key == query.position) requested_seen = true;
      if (auto ok = examine(position, settings, scan); !ok) return ok.error();
    }
    if (page->size() < kPositionPage) break;
    after = page->back().id;
  }
  if (!requested_seen) {
    return Error{ErrorCode::kNotFound, "position",
                 "no position " + position_name(query.position) + " at site " + query.position.site + " in the ledger"};
  }

  // Explanations across locations: a stale dock receipt, and the other half of a move (found
  // through the drifts of each SKU, lot and divergence, so pairing stays linear).
  std::map<std::tuple<std::string, std::string, std::int64_t>, std::vector<std::size_t>> by_divergence;
  for (std::size_t i = 0; i < scan.held.size(); ++i) {
    const auto& held = scan.held[i].drift;
    by_divergence[{held.position.sku, held.position.lot, held.origin.variance}].push_back(i);
  }
  for (auto& held : scan.held) {
    auto& drift = held.drift;
    const std::int64_t variance = drift.origin.variance;
    const auto receipts = scan.receipts.find({drift.position.sku, drift.position.lot});
    if (receipts != scan.receipts.end()) {
      for (const auto& receipt : receipts->second) {
        const bool here = receipt.position == drift.position;
        if (here && variance < 0) {
          drift.candidates.push_back(Candidate{CandidateKind::kReceiptNotPutAway,
                                               receipt.qty == -variance ? kReceiptAtDockExact : kReceiptAtDock,
                                               "received " + std::to_string(receipt.qty) +
                                                   " here and never put away: the ledger still holds them at the dock",
                                               {receipt.event_id}});
        } else if (!here && variance > 0 && !held.dock && receipt.hlc <= drift.origin.hlc) {
          drift.candidates.push_back(Candidate{CandidateKind::kReceiptNotPutAway,
                                               receipt.qty == variance ? kReceiptElsewhereExact : kReceiptElsewhere,
                                               "received " + std::to_string(receipt.qty) + " at " +
                                                   receipt.position.location +
                                                   " with no put-away since: put away here without a scan",
                                               {receipt.event_id}});
        }
      }
    }
    const auto others = by_divergence.find({drift.position.sku, drift.position.lot, -variance});
    const std::size_t pairs = others == by_divergence.end() ? 0 : std::min(others->second.size(), kMaxPairs);
    for (std::size_t k = 0; k < pairs; ++k) {
      const auto& other = scan.held[others->second[k]].drift;
      drift.candidates.push_back(
          Candidate{CandidateKind::kMoveWithoutArrival,
                    kMovePair,
                    std::to_string(std::llabs(variance)) +
                        (variance < 0 ? " units missing here were found at " : " units found here are missing at ") +
                        other.position.location + ": a move with no scan",
                    {drift.origin.event_id, other.origin.event_id}});
    }
    std::stable_sort(drift.candidates.begin(), drift.candidates.end(),
                     [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  }

  DriftReport report;
  report.positions_examined = scan.examined;
  report.positions_drifting = scan.drifting;
  for (auto& held : scan.held) {
    if (query.scope == DriftScope::kPosition && held.drift.position != query.position) continue;
    report.drifts.push_back(std::move(held.drift));
  }
  std::stable_sort(report.drifts.begin(), report.drifts.end(),
                   [](const PositionDrift& a, const PositionDrift& b) { return a.origin.hlc < b.origin.hlc; });
  const std::size_t limit = query.scope == DriftScope::kPosition ? 1 : query.limit;
  report.truncated = scan.over_memory_cap || report.drifts.size() > limit;
  if (report.drifts.size() > limit) report.drifts.resize(limit);
  return report;
}

}  // namespace recount::hub::investigate
