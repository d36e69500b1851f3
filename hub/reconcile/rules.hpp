// The automatic rules that judge a count against the ledger: tolerance, ambiguity (stock moved
// around the count time) and unit-of-measure mistakes (a variance explained by a pack size).
// Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "hub/reconcile/catalog_view.hpp"
#include "hub/reconcile/policy.hpp"

namespace recount::hub::reconcile {

enum class Verdict {
  kAccepted,        // within tolerance (zero variance included): recorded, nothing to do
  kOutOfTolerance,  // a variance the policy does not accept: a discrepancy opens
  kUomError,        // outside tolerance, and a pack size explains it: recount with a hint
  kAmbiguous,       // outside tolerance, but stock moved around the count: recount, no variance
  kVoid,            // a location_closed zero where nothing was expected: not a count at all
};

std::string_view to_string(Verdict verdict);
std::optional<Verdict> parse_verdict(std::string_view text);

// One counted quantity set against the ledger at the count's time.
struct Observation {
  std::int64_t expected = 0;
  std::int64_t counted = 0;
  bool ambiguous = false;  // a physical movement lies within the ambiguity window
};

struct Judgement {
  Verdict verdict = Verdict::kAccepted;
  std::int64_t variance = 0;     // counted − expected
  std::int64_t value_cents = 0;  // variance × unit cost, signed, saturating
  std::int64_t pack_qty = 0;     // for kUomError: the pack size that explains the variance
};

// Judges an observation. Tolerance comes first: a variance the policy accepts is accepted even
// when stock moved nearby, since the count agrees with the ledger at its time. Outside
// tolerance, ambiguity wins over a pack pattern (timing is the more basic doubt). Never returns
// kVoid, which only the reconciler can tell. `facts` is null for an item the catalog lacks.
Judgement judge(const Policy& policy, const Subject& subject, const ItemFacts* facts, const Observation& observation);

// The pack size above 1 that explains counting `counted` where `expected` stood: the variance
// is a whole number of packs, or one quantity is the other times the pack size (a case scanned
// as an each, or each units scanned as cases). The largest such pack, or nullopt.
std::optional<std::int64_t> explaining_pack(const ItemFacts& facts, std::int64_t expected, std::int64_t counted);

// units × unit cost, saturating at the int64 limits.
std::int64_t value_of(std::int64_t units, std::int64_t unit_cost_cents);

}  // namespace recount::hub::reconcile
