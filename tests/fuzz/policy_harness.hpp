// The checks of policy_fuzz, shared with its corpus's regression test in the normal build: the
// reconciliation policy document (hub/reconcile/policy.*, with its alert rules and count plans),
// which an operator's file or a PUT /api/v1/policy body provides. A policy's plans must evaluate
// over a few positions whatever their start and frequency.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/reconcile/count_plan.hpp"
#include "hub/reconcile/policy.hpp"

namespace recount::fuzz {

// "" when `text` is refused with an error naming what is wrong, or parses into a policy whose
// encoding parses back into the same policy; else what broke.
inline std::string policy_problem(std::string_view text) {
  const auto policy = hub::reconcile::parse_policy(text);
  if (!policy) {
    if (policy.error().code != ErrorCode::kInvalidInput) return "a refusal that is not kInvalidInput";
    if (policy.error().message.empty()) return "a refusal without a message";
    return {};
  }
  const std::string encoded = hub::reconcile::encode_policy(*policy);
  const auto again = hub::reconcile::parse_policy(encoded);
  if (!again) return "its encoding is refused: " + again.error().describe();
  if (!(*again == *policy)) return "its encoding parses into another policy";
  std::vector<hub::reconcile::PlanPosition> positions(3);
  const char* const classes[] = {"pick", "shelf", ""};
  for (std::size_t i = 0; i < positions.size(); ++i) {
    positions[i].key = hub::reconcile::PositionKey{"s1", "L" + std::to_string(i), "SKU-" + std::to_string(i % 2), ""};
    positions[i].on_hand = static_cast<std::int64_t>(i) * 7 - 3;
    positions[i].unit_cost_cents = 125;
    positions[i].location_class = classes[i];
    if (i > 0) positions[i].last_count_ms = 1'790'000'000'000 - static_cast<std::int64_t>(i) * 86'400'000;
  }
  for (const std::int64_t now_ms :
       {std::int64_t{0}, std::int64_t{1'790'000'000'000}, std::int64_t{253'402'300'799'000}}) {
    for (const auto& count : hub::reconcile::evaluate_plans(*policy, "s1", positions, now_ms)) {
      if (count.due_ms <= count.opened_ms) return "a due count due before it opened";
      if (count.state != hub::reconcile::DueState::kDone && count.opened_ms > now_ms) {
        return "an open count not opened yet";
      }
    }
  }
  return {};
}

}  // namespace recount::fuzz
