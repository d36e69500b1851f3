// Operators' roles (DESIGN §9, docs/api.md "Authentication"): what each may do through the HTTP
// API, and how much an approver may approve.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace recount::hub::auth {

// Ordered: each role may do everything the roles before it may. viewer reads; counter-lead also
// rejects discrepancies (closes them without adjusting, e.g. as a count error); approver also
// approves and writes off, up to its approval limit; admin also imports, sets the policy and
// reconciles.
enum class Role { kViewer, kCounterLead, kApprover, kAdmin };

std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);
// "viewer, counter-lead, approver, admin": for error messages.
std::string role_names();

// Whether a token of role `held` may use a route that needs `needed`.
bool grants(Role held, Role needed);

// The largest discrepancy value (cents, absolute) an approver may approve or write off when its
// token sets no --approval-limit: 1,000.00. An admin has no limit unless its token sets one.
inline constexpr std::int64_t kDefaultApproverLimitCents = 100'000;

// Who a request comes from: the token's name, its role and its own approval limit, if any.
struct Principal {
  std::string name;
  Role role = Role::kViewer;
  std::optional<std::int64_t> approval_limit_cents;  // set per token at creation

  // The limit that applies: the token's own, else the role's (kDefaultApproverLimitCents for an
  // approver, none for an admin). nullopt: no limit. Only meaningful for approver and admin.
  std::optional<std::int64_t> effective_approval_limit() const;
};

}  // namespace recount::hub::auth
