// What the alerts' tests share: a policy alert rule with nothing but its name set.
#pragma once

#include <string>

#include "hub/reconcile/policy.hpp"

namespace recount::testing {

// A discrepancy rule named `name` with no filters and no channels.
inline hub::reconcile::AlertRule rule_named(std::string name) {
  hub::reconcile::AlertRule rule;
  rule.name = std::move(name);
  return rule;
}

}  // namespace recount::testing
