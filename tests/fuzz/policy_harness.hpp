// The checks of policy_fuzz, shared with its corpus's regression test in the normal build: the
// reconciliation policy document (hub/reconcile/policy.*, with its alert rules), which an
// operator's file or a PUT /api/v1/policy body provides.
#pragma once

#include <string>
#include <string_view>

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
  return {};
}

}  // namespace recount::fuzz
