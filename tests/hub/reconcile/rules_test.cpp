// The automatic rules: tolerance first, then ambiguity, then pack-size patterns.
#include "hub/reconcile/rules.hpp"

#include <doctest/doctest.h>

#include <limits>

namespace recount::hub::reconcile {
namespace {

TEST_CASE("reconcile rules: a count is judged by tolerance, then ambiguity, then pack size") {
  Policy policy;
  policy.tolerances.push_back(ToleranceRule{Scope{"", "", "", "SKU-T", ""}, Limits{2, {}, {}}, Limits{2, {}, {}}});
  const ItemFacts cases_of_12{250, "grocery", {1, 12}};
  const ItemFacts eaches{250, "grocery", {1}};
  struct Case {
    const char* name;
    std::string sku;
    const ItemFacts* facts;
    Observation observation;
    Verdict verdict;
    std::int64_t variance;
    std::int64_t value;
    std::int64_t pack;
  };
  const Case cases[] = {
      {"zero variance is accepted", "SKU-A", &cases_of_12, {10, 10, false}, Verdict::kAccepted, 0, 0, 0},
      {"zero variance while stock moved is accepted",
       "SKU-A",
       &cases_of_12,
       {10, 10, true},
       Verdict::kAccepted,
       0,
       0,
       0},
      {"a variance within the rule is accepted", "SKU-T", &eaches, {10, 8, false}, Verdict::kAccepted, -2, -500, 0},
      {"within the rule, stock moving changes nothing",
       "SKU-T",
       &eaches,
       {10, 12, true},
       Verdict::kAccepted,
       2,
       500,
       0},
      {"outside tolerance is a variance", "SKU-A", &eaches, {10, 7, false}, Verdict::kOutOfTolerance, -3, -750, 0},
      {"outside tolerance while stock moved is ambiguous",
       "SKU-A",
       &eaches,
       {10, 7, true},
       Verdict::kAmbiguous,
       -3,
       -750,
       0},
      {"counting cases as eaches is a UoM error",
       "SKU-A",
       &cases_of_12,
       {5, 60, false},
       Verdict::kUomError,
       55,
       13750,
       12},
      {"counting eaches as cases is a UoM error",
       "SKU-A",
       &cases_of_12,
       {24, 2, false},
       Verdict::kUomError,
       -22,
       -5500,
       12},
      {"one case short is a UoM error", "SKU-A", &cases_of_12, {30, 18, false}, Verdict::kUomError, -12, -3000, 12},
      {"ambiguity wins over a pack pattern", "SKU-A", &cases_of_12, {30, 18, true}, Verdict::kAmbiguous, -12, -3000, 0},
      {"a variance no pack explains is a variance",
       "SKU-A",
       &cases_of_12,
       {30, 17, false},
       Verdict::kOutOfTolerance,
       -13,
       -3250,
       0},
      {"an unknown item has no value and no packs",
       "SKU-Q",
       nullptr,
       {5, 60, false},
       Verdict::kOutOfTolerance,
       55,
       0,
       0},
  };
  for (const Case& test : cases) {
    CAPTURE(test.name);
    const Judgement judgement =
        judge(policy, Subject{"s1", "shelf", "grocery", test.sku}, test.facts, test.observation);
    CHECK(judgement.verdict == test.verdict);
    CHECK(judgement.variance == test.variance);
    CHECK(judgement.value_cents == test.value);
    CHECK(judgement.pack_qty == test.pack);
  }
}

TEST_CASE("reconcile rules: the largest pack that explains a variance is named") {
  struct Case {
    std::vector<std::int64_t> packs;
    std::int64_t expected;
    std::int64_t counted;
    std::optional<std::int64_t> pack;
  };
  const Case cases[] = {
      {{1, 6, 24}, 48, 0, 24},  // 48 short: 2 × 24 (and 8 × 6); the larger names it
      {{1, 6, 24}, 10, 4, 6},
      {{1, 6, 24}, 10, 60, 6},  // 10 each counted as 10 packs of 6
      {{1, 6, 24}, 10, 9, std::nullopt},
      {{1}, 10, 0, std::nullopt},  // eaches explain nothing
      {{12}, 10, 10, std::nullopt},
      {{12}, 0, 12, 12},
      {{12}, std::numeric_limits<std::int64_t>::max() / 2, 1, std::nullopt},  // no overflow
  };
  for (const Case& test : cases) {
    CAPTURE(test.expected);
    CAPTURE(test.counted);
    CHECK(explaining_pack(ItemFacts{1, "", test.packs}, test.expected, test.counted) == test.pack);
  }
}

TEST_CASE("reconcile rules: values saturate instead of overflowing, and verdict names parse back") {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  CHECK(value_of(-3, 250) == -750);
  CHECK(value_of(kMax / 2, 3) == kMax);
  CHECK(value_of(-(kMax / 2), 3) == std::numeric_limits<std::int64_t>::min());
  for (const Verdict verdict :
       {Verdict::kAccepted, Verdict::kOutOfTolerance, Verdict::kUomError, Verdict::kAmbiguous, Verdict::kVoid}) {
    CHECK(parse_verdict(to_string(verdict)) == verdict);
  }
  CHECK_FALSE(parse_verdict("Accepted"));
}

}  // namespace
}  // namespace recount::hub::reconcile
