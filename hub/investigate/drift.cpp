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
constexpr int kNotInSystemExact = 85;
constexpr int kNotInSystem = 50;

const std::pair<CandidateKind, std::string_view> kKindNames[] = {
    {CandidateKind::kReceiptNotPutAway, "receipt_not_put_away"},
    {CandidateKind::kMoveWithoutArrival, "move_without_arrival"},
    {CandidateKind::kSaleWithoutPick, "sale_without_pick"},
    {CandidateKind::kPackMultiple, "pack_multiple"},
    {CandidateKind::kClockSkew, "clock_skew"},
    {CandidateKind::kCountDuringMovement, "count_during_movement"},
    {CandidateKind::kMovementNotInSystem, "movement_not_in_system"},
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

// Where the run of disagreeing observations that lasts to the latest starts: none when the
// latest agrees or the books were corrected to it since. A divergence ends at an observation that
// agrees, or when the books are corrected to one (the resolving adjustment, a new baseline).
std::optional<std::size_t> run_start_of(const std::vector<DriftObservation>& observations,
                                        const std::vector<HistoryEntry>& history, const FloorMovements& floor) {
  if (observations.empty() || observations.back().variance == 0) return std::nullopt;
  const std::int64_t balance = history.empty() ? 0 : history.back().balance;
  if (corrected_by(observations.back(), HlcStamp{~std::uint64_t{0}}, balance, floor)) return std::nullopt;
  std::size_t start = observations.size() - 1;
  while (start > 0) {
    const auto& before = observations[start - 1];
    if (before.variance == 0 || corrected_by(before, observations[start].hlc, observations[start].expected, floor))
      break;
    --start;
  }
  return start;
}

// The drift of a run: its known-good observation, origin, latest and length.
PositionDrift drift_of(const reconcile::PositionKey& position, const std::vector<DriftObservation>& observations,
                       std::size_t run_start) {
  PositionDrift drift;
  drift.position = position;
  if (run_start > 0) drift.known_good = observations[run_start - 1];
  drift.origin = observations[run_start];
  drift.latest = observations.back();
  drift.diverged_observations = static_cast<std::int64_t>(observations.size() - run_start);
  return drift;
}

// The events after the known-good observation up to the origin (movements at the origin's stamp
// precede it), with `context` entries on either side, those nearest the origin kept when long.
std::vector<HistoryEntry> around_origin(const PositionDrift& drift, const std::vector<HistoryEntry>& history,
                                        const DriftSettings& settings) {
  const auto after = [](HlcStamp stamp, const HistoryEntry& entry) { return stamp < entry.hlc; };
  const auto from = drift.known_good ? std::upper_bound(history.begin(), history.end(), drift.known_good->hlc, after)
                                     : history.begin();
  const auto to = std::upper_bound(history.begin(), history.end(), drift.origin.hlc, after);
  const auto context = static_cast<std::ptrdiff_t>(settings.context);
  auto first = from - std::min(context, from - history.begin());
  auto last = to + std::min(context, history.end() - to);
  if (last - first > static_cast<std::ptrdiff_t>(kMaxAroundEvents)) {
    first = std::max(first, to - static_cast<std::ptrdiff_t>(kMaxAroundEvents) / 2);
    last = std::min(last, first + static_cast<std::ptrdiff_t>(kMaxAroundEvents));
  }
  return {first, last};
}

// The physical movements after the known-good observation up to the origin.
std::vector<const HistoryEntry*> movements_before_origin(const PositionDrift& drift,
                                                         const std::vector<HistoryEntry>& history) {
  const HlcStamp since = drift.known_good ? drift.known_good->hlc : HlcStamp{};
  std::vector<const HistoryEntry*> window;
  for (const auto& entry : history) {
    if (entry.hlc > since && entry.hlc <= drift.origin.hlc && is_physical_movement(entry)) window.push_back(&entry);
  }
  return window;
}

// A pack size of the item explains the origin's difference.
std::optional<Candidate> pack_candidate(const PositionDrift& drift, const reconcile::CatalogView& catalog,
                                        const std::vector<std::string>& evidence) {
  const auto facts = catalog.item(drift.position.site, drift.position.sku);
  if (!facts) return std::nullopt;
  const auto pack = reconcile::explaining_pack(*facts, drift.origin.expected, drift.origin.counted);
  if (!pack) return std::nullopt;
  const bool reported = drift.system != reconcile::kWarehouseSystem;
  return Candidate{CandidateKind::kPackMultiple, kPack,
                   (reported ? drift.system + " reported " : std::string("counted ")) +
                       std::to_string(drift.origin.counted) + " where the ledger held " +
                       std::to_string(drift.origin.expected) + ": a pack of " + std::to_string(*pack) +
                       (reported ? " reported as units or units as packs" : " counted as units or units as packs"),
                   evidence};
}

// Stock moved within the ambiguity window of the origin: a count may have seen it before or
// after, a system's report may have been taken on either side of it.
std::optional<Candidate> during_movement_candidate(const PositionDrift& drift, const std::vector<HistoryEntry>& history,
                                                   const DriftSettings& settings,
                                                   const std::vector<std::string>& origin_events) {
  Candidate during{CandidateKind::kCountDuringMovement, kDuringMovement, "", {}};
  const std::int64_t variance = drift.origin.variance;
  std::int64_t moved = 0;
  for (const auto& entry : history) {
    if (!is_physical_movement(entry)) continue;
    if (std::llabs(entry.hlc.wall_ms() - drift.origin.hlc.wall_ms()) > settings.ambiguity_window_ms) continue;
    during.evidence.push_back(entry.event_id);
    moved += entry.delta;
    if (std::llabs(entry.delta) == std::llabs(variance)) during.score = kDuringMovementExact;
  }
  if (during.evidence.empty()) return std::nullopt;
  if (std::llabs(moved) == std::llabs(variance)) during.score = kDuringMovementExact;
  const std::string window = std::to_string(settings.ambiguity_window_ms) + " ms";
  during.explanation = sign_text(moved) + " units moved within " + window +
                       (drift.system == reconcile::kWarehouseSystem
                            ? " of the count: the counter may have seen the stock before or after"
                            : " of the report's as-of time: " + drift.system + " may have taken it before or after");
  during.evidence.insert(during.evidence.end(), origin_events.begin(), origin_events.end());
  return during;
}

// Ledger movements since the last report that agreed which the system's figure does not show: it
// reports what it held before them (the ledger moved, the system did not hear of it).
std::optional<Candidate> not_in_system_candidate(const PositionDrift& drift,
                                                 const std::vector<const HistoryEntry*>& window) {
  const std::int64_t variance = drift.origin.variance;
  std::int64_t moved = 0;
  std::vector<std::string> evidence;
  for (const auto* entry : window) {
    if (entry->delta == -variance) {
      return Candidate{CandidateKind::kMovementNotInSystem,
                       kNotInSystemExact,
                       "a " + entry->type + " of " + std::to_string(entry->qty) + " at " + entry->location + " that " +
                           drift.system + "'s report does not reflect",
                       {entry->event_id, drift.origin.event_id}};
    }
    moved += entry->delta;
    evidence.push_back(entry->event_id);
  }
  if (window.empty() || moved != -variance) return std::nullopt;
  evidence.push_back(drift.origin.event_id);
  return Candidate{CandidateKind::kMovementNotInSystem, kNotInSystem,
                   std::to_string(window.size()) + " movements (" + sign_text(moved) + ") since " + drift.system +
                       " last agreed that its report does not reflect",
                   std::move(evidence)};
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

  // Counts one more drifting position; false when no more can be held (the report is truncated).
  bool admit() {
    ++drifting;
    over_memory_cap = over_memory_cap || held.size() >= kMaxHeldDrifts;
    return held.size() < kMaxHeldDrifts;
  }
};

Result<DriftFinder> DriftFinder::prepare(storage::Connection& database, const reconcile::CatalogView& catalog) {
  auto read_model = reconcile::ReadModel::prepare(database);
  if (!read_model) return read_model.error();
  auto snapshots = reconcile::SnapshotStore::prepare(database);
  if (!snapshots) return snapshots.error();
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return DriftFinder(std::move(*read_model), std::move(*snapshots), std::move(*statements), catalog);
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
    observations.push_back(DriftObservation{group.last_hlc, group.id, 0, "", group.first_user, group.expected,
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
  const auto run_start = run_start_of(observations, *history, FloorMovements(*history));
  if (!run_start) return {};
  if (!scan.admit()) return {};

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
  auto drift = drift_of(position.key, observations, *run_start);
  drift.around = around_origin(drift, *history, settings);

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
  const auto window = movements_before_origin(drift, history);
  std::vector<std::string> origin_counts;  // the origin group's count events
  for (const auto& entry : history) {
    if (entry.group_id == drift.origin.group_id && !entry.event_id.empty()) origin_counts.push_back(entry.event_id);
  }
  if (auto pack = pack_candidate(drift, *catalog_, origin_counts)) candidates.push_back(std::move(*pack));
  if (auto during = during_movement_candidate(drift, history, settings, origin_counts)) {
    candidates.push_back(std::move(*during));
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
  if (auto ok = add_clock_candidates(drift, history, settings, scan, candidates); !ok) return ok.error();
  return candidates;
}

// Devices whose clocks were off, near the origin.
Result<void> DriftFinder::add_clock_candidates(const PositionDrift& drift, const std::vector<HistoryEntry>& history,
                                               const DriftSettings& settings, Scan& scan,
                                               std::vector<Candidate>& candidates) {
  const HlcStamp since = drift.known_good ? drift.known_good->hlc : HlcStamp{};
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
                                " ms: its events may stand on the wrong side of the " +
                                (drift.system == reconcile::kWarehouseSystem ? "count" : "report"),
                            {}};
    }
    candidate.evidence.push_back(entry.event_id.empty() ? drift.origin.event_id : entry.event_id);
    if (std::llabs(entry.delta) == std::llabs(drift.origin.variance)) candidate.score = kClockExact;
  }
  for (auto& [device, candidate] : by_device) candidates.push_back(std::move(candidate));
  return {};
}

Result<std::vector<HistoryEntry>> DriftFinder::subject_history(const reconcile::PositionKey& subject) {
  auto positions = snapshots_.positions(subject.site, subject.location, subject.sku);
  if (!positions) return positions.error();
  std::vector<HistoryEntry> merged;
  for (const auto& position : *positions) {
    auto history = read_model_.history(position.key);
    if (!history) return history.error();
    merged.insert(merged.end(), std::make_move_iterator(history->begin()), std::make_move_iterator(history->end()));
  }
  // Each history is in event time already; a stable sort keeps movements before counts at a stamp.
  std::stable_sort(merged.begin(), merged.end(),
                   [](const HistoryEntry& a, const HistoryEntry& b) { return a.hlc < b.hlc; });
  std::int64_t balance = 0;
  for (auto& entry : merged) {
    balance += entry.delta;
    entry.balance = balance;
  }
  return merged;
}

Result<void> DriftFinder::examine_subject(const std::string& system, const reconcile::PositionKey& subject,
                                          const DriftSettings& settings, Scan& scan) {
  ++scan.examined;
  auto snapshots = snapshots_.judged(system, subject);
  if (!snapshots) return snapshots.error();
  if (snapshots->empty() || snapshots->back().variance == 0) return {};
  std::vector<DriftObservation> observations;
  for (const auto& snapshot : *snapshots) {
    observations.push_back(DriftObservation{snapshot.hlc, 0, snapshot.id, snapshot.event_id, system,
                                            snapshot.expected.value_or(0), snapshot.reported, snapshot.variance});
  }
  auto history = subject_history(subject);
  if (!history) return history.error();
  const auto run_start = run_start_of(observations, *history, FloorMovements(*history));
  if (!run_start) return {};
  if (!scan.admit()) return {};
  auto drift = drift_of(subject, observations, *run_start);
  drift.system = system;
  drift.around = around_origin(drift, *history, settings);

  std::vector<Candidate> candidates;
  const std::vector<std::string> origin_report{drift.origin.event_id};
  if (auto pack = pack_candidate(drift, *catalog_, origin_report)) candidates.push_back(std::move(*pack));
  if (auto during = during_movement_candidate(drift, *history, settings, origin_report)) {
    candidates.push_back(std::move(*during));
  }
  if (auto missed = not_in_system_candidate(drift, movements_before_origin(drift, *history))) {
    candidates.push_back(std::move(*missed));
  }
  if (auto ok = add_clock_candidates(drift, *history, settings, scan, candidates); !ok) return ok.error();
  drift.candidates = std::move(candidates);
  scan.held.push_back(Scan::Held{std::move(drift), false});
  return {};
}

// The query's drifts, each one's candidates best first, earliest origin first.
DriftReport DriftFinder::report_of(const DriftQuery& query, Scan& scan) {
  DriftReport report;
  report.positions_examined = scan.examined;
  report.positions_drifting = scan.drifting;
  for (auto& held : scan.held) {
    if (query.scope == DriftScope::kPosition && held.drift.position != query.position) continue;
    std::stable_sort(held.drift.candidates.begin(), held.drift.candidates.end(),
                     [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    report.drifts.push_back(std::move(held.drift));
  }
  std::stable_sort(report.drifts.begin(), report.drifts.end(),
                   [](const PositionDrift& a, const PositionDrift& b) { return a.origin.hlc < b.origin.hlc; });
  const std::size_t limit = query.scope == DriftScope::kPosition ? 1 : query.limit;
  report.truncated = scan.over_memory_cap || report.drifts.size() > limit;
  if (report.drifts.size() > limit) report.drifts.resize(limit);
  return report;
}

Result<DriftReport> DriftFinder::find(const DriftQuery& query, const DriftSettings& settings) {
  return query.system == reconcile::kWarehouseSystem ? find_counted(query, settings) : find_reported(query, settings);
}

Result<DriftReport> DriftFinder::find_reported(const DriftQuery& query, const DriftSettings& settings) {
  Scan scan;
  const std::string sku = query.scope == DriftScope::kSite ? std::string() : query.position.sku;
  bool requested_seen = query.scope != DriftScope::kPosition;
  reconcile::PositionKey after;
  while (true) {
    auto page = snapshots_.subjects(query.system, query.position.site, sku, after, kPositionPage);
    if (!page) return page.error();
    for (const auto& subject : *page) {
      if (query.scope == DriftScope::kPosition && subject != query.position) continue;
      requested_seen = true;
      if (auto ok = examine_subject(query.system, subject, settings, scan); !ok) return ok.error();
    }
    if (page->size() < kPositionPage) break;
    after = page->back();
  }
  if (!requested_seen) {
    return Error{ErrorCode::kNotFound, "position",
                 query.system + " never reported " + position_name(query.position) + " at site " + query.position.site};
  }
  return report_of(query, scan);
}

Result<DriftReport> DriftFinder::find_counted(const DriftQuery& query, const DriftSettings& settings) {
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
  }
  return report_of(query, scan);
}

}  // namespace recount::hub::investigate
