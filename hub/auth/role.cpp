// Role names, their order and approval limits.
#include "hub/auth/role.hpp"

#include <array>
#include <utility>

namespace recount::hub::auth {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 4> kNames = {{
    {Role::kViewer, "viewer"},
    {Role::kCounterLead, "counter-lead"},
    {Role::kApprover, "approver"},
    {Role::kAdmin, "admin"},
}};

}  // namespace

std::string_view to_string(Role role) {
  for (const auto& [known, name] : kNames) {
    if (known == role) return name;
  }
  return "unknown";
}

std::optional<Role> parse_role(std::string_view text) {
  for (const auto& [role, name] : kNames) {
    if (name == text) return role;
  }
  return std::nullopt;
}

std::string role_names() {
  std::string names;
  for (const auto& [role, name] : kNames) names += (names.empty() ? "" : ", ") + std::string(name);
  return names;
}

bool grants(Role held, Role needed) { return static_cast<int>(held) >= static_cast<int>(needed); }

std::optional<std::int64_t> Principal::effective_approval_limit() const {
  if (approval_limit_cents) return approval_limit_cents;
  if (role == Role::kAdmin) return std::nullopt;
  return kDefaultApproverLimitCents;
}

}  // namespace recount::hub::auth
