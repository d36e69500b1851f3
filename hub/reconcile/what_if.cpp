// Threshold what-if: the outcome of one count under a policy, and the tallies and examples.
#include "hub/reconcile/what_if.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "hub/reconcile/discrepancy.hpp"
#include "hub/reconcile/names.hpp"

namespace recount::hub::reconcile {
namespace {

constexpr NameTable<Outcome, 4> kOutcomeNames{{{Outcome::kAccepted, "accepted"},
                                               {Outcome::kRecount, "recount"},
                                               {Outcome::kAdjusted, "adjusted"},
                                               {Outcome::kApproval, "approval"}}};

// |value|, saturating: the most negative value has no positive counterpart.
std::int64_t magnitude(std::int64_t value) {
  return value == std::numeric_limits<std::int64_t>::min() ? std::numeric_limits<std::int64_t>::max() : std::abs(value);
}

std::int64_t saturating_add(std::int64_t total, std::int64_t more) {
  return total > std::numeric_limits<std::int64_t>::max() - more ? std::numeric_limits<std::int64_t>::max()
                                                                 : total + more;
}

void add_to(OutcomeTally& tally, std::int64_t value_cents) {
  ++tally.counts;
  tally.value_cents = saturating_add(tally.value_cents, magnitude(value_cents));
}

void add_up(OutcomeTally& total, const OutcomeTally& more) {
  total.counts += more.counts;
  total.value_cents = saturating_add(total.value_cents, more.value_cents);
}

void add_up(OutcomeFigures& total, const OutcomeFigures& more) {
  add_up(total.flagged, more.flagged);
  add_up(total.accepted, more.accepted);
  add_up(total.recount, more.recount);
  add_up(total.adjusted, more.adjusted);
  add_up(total.approval, more.approval);
}

// Larger |value| first, then older groups: the examples most worth a look.
bool shown_before(const WhatIfExample& left, const WhatIfExample& right) {
  const std::int64_t left_value = magnitude(left.value_cents);
  const std::int64_t right_value = magnitude(right.value_cents);
  if (left_value != right_value) return left_value > right_value;
  return left.group_id < right.group_id;
}

}  // namespace

std::string_view to_string(Outcome outcome) { return name_in(kOutcomeNames, outcome); }

Outcome count_outcome(const Policy& policy, Verdict verdict) {
  if (!classify(verdict)) return Outcome::kAccepted;
  // open_discrepancy(): without recount rounds every discrepancy goes straight to an operator.
  return policy.max_recount_rounds == 0 ? Outcome::kApproval : Outcome::kRecount;
}

Outcome recount_outcome(const Policy& policy, const Judgement& judgement, bool agrees_with_previous,
                        std::uint32_t round) {
  switch (decide_recount(judgement.verdict, agrees_with_previous, round, policy.max_recount_rounds)) {
    case RecountOutcome::kCountError: return Outcome::kAccepted;
    case RecountOutcome::kNextRound: return Outcome::kRecount;
    case RecountOutcome::kToOperator: return Outcome::kApproval;
    case RecountOutcome::kConfirmed: {
      // Confirmed means flagged, so the verdict has a classification.
      const Classification classification = classify(judgement.verdict).value_or(Classification::kVariance);
      return adjusts_automatically(classification, judgement.value_cents, policy.approval_limit_cents)
                 ? Outcome::kAdjusted
                 : Outcome::kApproval;
    }
  }
  return Outcome::kApproval;
}

void OutcomeFigures::add(Outcome outcome, std::int64_t value_cents) {
  switch (outcome) {
    case Outcome::kAccepted: add_to(accepted, value_cents); return;
    case Outcome::kRecount: add_to(recount, value_cents); break;
    case Outcome::kAdjusted: add_to(adjusted, value_cents); break;
    case Outcome::kApproval: add_to(approval, value_cents); break;
  }
  add_to(flagged, value_cents);
}

void WhatIfTally::add(std::string_view item_class, WhatIfExample example, const Fate& current, const Fate& candidate) {
  WhatIfRow& row = rows_[{example.position.site, std::string(item_class)}];
  ++row.counts;
  row.current.add(current.outcome, current.judgement.value_cents);
  row.candidate.add(candidate.outcome, candidate.judgement.value_cents);
  const bool changed = current.judgement.verdict != candidate.judgement.verdict || current.outcome != candidate.outcome;
  if (!changed) return;
  ++row.changed;
  if (query_.examples == 0) return;
  example.variance = candidate.judgement.variance;
  example.value_cents = candidate.judgement.value_cents;
  example.verdict_before = current.judgement.verdict;
  example.verdict_after = candidate.judgement.verdict;
  example.before = current.outcome;
  example.after = candidate.outcome;
  // Keep the best few per pair of outcomes: insert in order, drop the one that falls off.
  auto& kept = examples_[{current.outcome, candidate.outcome}];
  kept.insert(std::upper_bound(kept.begin(), kept.end(), example, shown_before), std::move(example));
  if (kept.size() > query_.examples) kept.pop_back();
}

WhatIf WhatIfTally::finish() && {
  result_.since_ms = query_.since_ms;
  for (auto& [key, row] : rows_) {
    row.site = key.first;
    row.item_class = key.second;
    result_.counts += row.counts;
    result_.changed += row.changed;
    add_up(result_.current, row.current);
    add_up(result_.candidate, row.candidate);
    result_.rows.push_back(std::move(row));
  }
  for (auto& [pair, kept] : examples_) {
    for (WhatIfExample& example : kept) result_.examples.push_back(std::move(example));
  }
  return std::move(result_);
}

}  // namespace recount::hub::reconcile
