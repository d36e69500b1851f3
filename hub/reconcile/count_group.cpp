// Count group roles and causes by the names they have in SQL and the API.
#include "hub/reconcile/count_group.hpp"

#include "hub/reconcile/names.hpp"

namespace recount::hub::reconcile {
namespace {

constexpr NameTable<GroupRole, 3> kRoleNames{{
    {GroupRole::kCount, "count"},
    {GroupRole::kRecount, "recount"},
    {GroupRole::kRefused, "refused"},
}};

constexpr NameTable<CauseKind, 5> kCauseNames{{
    {CauseKind::kCount, "count"},
    {CauseKind::kMovement, "movement"},
    {CauseKind::kClose, "close"},
    {CauseKind::kReevaluation, "reevaluation"},
    {CauseKind::kReport, "report"},
}};

}  // namespace

std::string_view to_string(GroupRole role) { return name_in(kRoleNames, role); }
std::optional<GroupRole> parse_group_role(std::string_view text) { return value_in(kRoleNames, text); }
std::string_view to_string(CauseKind kind) { return name_in(kCauseNames, kind); }
std::optional<CauseKind> parse_cause_kind(std::string_view text) { return value_in(kCauseNames, text); }

}  // namespace recount::hub::reconcile
