// Threshold what-if: what a candidate policy would have done to the counts of the last days,
// beside what the policy in force does to them, per site and item class, with examples. The
// outcome rules here are the lifecycle's own (discrepancy.hpp), applied to one count at a time;
// the Reconciler judges the counts (docs/investigation.md, "Threshold what-if").
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/reconcile/policy.hpp"
#include "hub/reconcile/position.hpp"
#include "hub/reconcile/rules.hpp"
#include "shared/core/result.hpp"

namespace recount::hub::reconcile {

// What judging one count leads to under a policy.
enum class Outcome {
  kAccepted,  // within tolerance (a recount within tolerance of the ledger included): nothing to do
  kRecount,   // flagged, and a blind recount is asked for
  kAdjusted,  // a recount confirmed the variance and it is adjusted without an operator
  kApproval,  // flagged, and it waits for an operator (approval or review)
};

std::string_view to_string(Outcome outcome);

// An ordinary count (not a recount): accepted, or flagged and then recounted, or sent straight
// to an operator when the policy has no recount rounds.
Outcome count_outcome(const Policy& policy, Verdict verdict);

// A recount answering round `round` of a discrepancy: the step decide_recount() takes, a
// confirmed variance adjusted as adjusts_automatically() allows. `agrees_with_previous`: within
// tolerance of the count before it.
Outcome recount_outcome(const Policy& policy, const Judgement& judgement, bool agrees_with_previous,
                        std::uint32_t round);

// Counts and their value (the sum of |variance × unit cost|, as value at risk is reckoned).
struct OutcomeTally {
  std::int64_t counts = 0;
  std::int64_t value_cents = 0;

  bool operator==(const OutcomeTally&) const = default;
};

// Counts by outcome under one policy; `flagged` is every count not accepted.
struct OutcomeFigures {
  OutcomeTally flagged;
  OutcomeTally accepted;
  OutcomeTally recount;
  OutcomeTally adjusted;
  OutcomeTally approval;

  void add(Outcome outcome, std::int64_t value_cents);
  bool operator==(const OutcomeFigures&) const = default;
};

// The counts of one site and item class ("" for items without a class or unknown to the catalog).
struct WhatIfRow {
  std::string site;
  std::string item_class;
  std::int64_t counts = 0;
  std::int64_t changed = 0;  // counts whose verdict or outcome the candidate changes
  OutcomeFigures current;
  OutcomeFigures candidate;
};

// One count whose verdict or outcome the candidate changes. Variance and value do not depend on
// the policy: only the verdict and what follows from it do.
struct WhatIfExample {
  std::int64_t group_id = 0;
  PositionKey position;
  std::int64_t time_ms = 0;  // the count's event time (its group's latest stamp)
  std::int64_t counted = 0;
  std::int64_t expected = 0;
  std::int64_t variance = 0;
  std::int64_t value_cents = 0;
  Verdict verdict_before = Verdict::kAccepted;
  Verdict verdict_after = Verdict::kAccepted;
  Outcome before = Outcome::kAccepted;
  Outcome after = Outcome::kAccepted;
};

struct WhatIfQuery {
  std::int64_t since_ms = 0;  // counts whose event time is at or after this
  std::string site;           // "" for every site
  std::size_t examples = 3;   // at most this many examples per pair of outcomes (before, after)
};

struct WhatIf {
  std::int64_t since_ms = 0;
  std::int64_t counts = 0;   // counts judged (void zeros and refused recounts are not counts)
  std::int64_t changed = 0;  // of them, those whose verdict or outcome the candidate changes
  OutcomeFigures current;    // every row added up
  OutcomeFigures candidate;
  std::vector<WhatIfRow> rows;          // by site, then item class
  std::vector<WhatIfExample> examples;  // by (before, after), then |value| largest first, then group id
};

// How one count fares under one policy.
struct Fate {
  Judgement judgement;
  Outcome outcome = Outcome::kAccepted;
};

// Adds counts up into a WhatIf. A value; not thread-safe.
class WhatIfTally {
 public:
  explicit WhatIfTally(WhatIfQuery query) : query_(std::move(query)) {}

  // One count in the query's window and site; `example` describes it (its verdicts and outcomes
  // are taken from the fates).
  void add(std::string_view item_class, WhatIfExample example, const Fate& current, const Fate& candidate);
  WhatIf finish() &&;

 private:
  WhatIfQuery query_;
  WhatIf result_;
  std::map<std::pair<std::string, std::string>, WhatIfRow> rows_;
  std::map<std::pair<Outcome, Outcome>, std::vector<WhatIfExample>> examples_;
};

// What answers a what-if: the engine, which judges counts by its own rules. Reads only.
class PolicyPreview {
 public:
  virtual ~PolicyPreview() = default;

  // What `candidate` would have done to the counts matching `query`, against the policy in
  // force. Reads the count groups once (movements only for counts whose ambiguity window the
  // policy changes); writes nothing. Blocks; errors kIo (kCorrupt when stored data no longer
  // reads). Call on the thread that runs the writes.
  virtual Result<WhatIf> what_if(const Policy& candidate, const WhatIfQuery& query) = 0;

 protected:
  PolicyPreview() = default;
  PolicyPreview(const PolicyPreview&) = default;
  PolicyPreview(PolicyPreview&&) = default;
  PolicyPreview& operator=(const PolicyPreview&) = default;
  PolicyPreview& operator=(PolicyPreview&&) = default;
};

}  // namespace recount::hub::reconcile
