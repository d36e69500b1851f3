// Judging counts: tolerance, ambiguity and pack-size patterns.
#include "hub/reconcile/rules.hpp"

#include <limits>

#include "hub/reconcile/names.hpp"

namespace recount::hub::reconcile {
namespace {

constexpr NameTable<Verdict, 5> kVerdictNames{{
    {Verdict::kAccepted, "accepted"},
    {Verdict::kOutOfTolerance, "out_of_tolerance"},
    {Verdict::kUomError, "uom_error"},
    {Verdict::kAmbiguous, "ambiguous"},
    {Verdict::kVoid, "void"},
}};

// Whether value × factor == target for a non-zero value, without overflowing.
bool scales_to(std::int64_t value, std::int64_t factor, std::int64_t target) {
  std::int64_t product = 0;
  return value != 0 && !__builtin_mul_overflow(value, factor, &product) && product == target;
}

}  // namespace

std::string_view to_string(Verdict verdict) { return name_in(kVerdictNames, verdict); }
std::optional<Verdict> parse_verdict(std::string_view text) { return value_in(kVerdictNames, text); }

std::int64_t value_of(std::int64_t units, std::int64_t unit_cost_cents) {
  std::int64_t product = 0;
  if (!__builtin_mul_overflow(units, unit_cost_cents, &product)) return product;
  return (units < 0) != (unit_cost_cents < 0) ? std::numeric_limits<std::int64_t>::min()
                                              : std::numeric_limits<std::int64_t>::max();
}

std::optional<std::int64_t> explaining_pack(const ItemFacts& facts, std::int64_t expected, std::int64_t counted) {
  const std::int64_t variance = counted - expected;
  if (variance == 0) return std::nullopt;
  std::optional<std::int64_t> best;
  for (const std::int64_t pack : facts.pack_quantities) {
    if (pack <= 1) continue;
    const bool whole_packs = variance % pack == 0;
    const bool counted_packs_as_units = scales_to(counted, pack, expected);
    const bool counted_units_as_packs = scales_to(expected, pack, counted);
    if ((whole_packs || counted_packs_as_units || counted_units_as_packs) && (!best || pack > *best)) best = pack;
  }
  return best;
}

Judgement judge(const Policy& policy, const Subject& subject, const ItemFacts* facts, const Observation& observation) {
  const std::int64_t unit_cost = facts != nullptr ? facts->unit_cost_cents : 0;
  Judgement judgement;
  judgement.variance = observation.counted - observation.expected;
  judgement.value_cents = value_of(judgement.variance, unit_cost);
  if (policy.within_tolerance(subject, judgement.variance, observation.expected, unit_cost)) return judgement;
  if (observation.ambiguous) {
    judgement.verdict = Verdict::kAmbiguous;
    return judgement;
  }
  if (facts != nullptr) {
    if (const auto pack = explaining_pack(*facts, observation.expected, observation.counted)) {
      judgement.verdict = Verdict::kUomError;
      judgement.pack_qty = *pack;
      return judgement;
    }
  }
  judgement.verdict = Verdict::kOutOfTolerance;
  return judgement;
}

}  // namespace recount::hub::reconcile
