// The resolve route: a checked body in, one write through the shared write path, the discrepancy out.
#include "hub/http/resolve_routes.hpp"

#include <string>

#include "hub/http/reconcile_routes.hpp"
#include "hub/reconcile/queries.hpp"
#include "shared/domain/event.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

struct Decision {
  std::int64_t id = 0;
  reconcile::OperatorAction action = reconcile::OperatorAction::kReject;
  ReasonCode reason = ReasonCode::kOther;
};

std::string reason_names() {
  std::string names;
  for (const ReasonCode reason : kAllReasonCodes) names += (names.empty() ? "" : ", ") + std::string(to_string(reason));
  return names;
}

// A member of the body that must be a string; absent and empty read as "".
Result<std::string> text_member(const Json& body, const std::string& name) {
  const auto found = body.find(name);
  if (found == body.end() || found->is_null()) return std::string();
  if (!found->is_string()) return invalid(name, "must be a string");
  return found->get<std::string>();
}

Result<Decision> decision_of(const Request& request) {
  Decision decision;
  auto id = request.path_integer("id", "discrepancy id");
  if (!id) return id.error();
  decision.id = *id;

  const Json body = Json::parse(request.body, nullptr, false);
  if (!body.is_object()) return invalid("body", "must be a JSON object {\"action\", \"reason\"}");
  auto action = text_member(body, "action");
  if (!action) return action.error();
  const auto parsed_action = reconcile::parse_operator_action(*action);
  if (!parsed_action) return invalid("action", "must be approve, reject or write-off (got '" + *action + "')");
  decision.action = *parsed_action;
  auto reason = text_member(body, "reason");
  if (!reason) return reason.error();
  const auto parsed_reason = parse_reason_code(*reason);
  if (!parsed_reason) return invalid("reason", "must be one of " + reason_names() + " (got '" + *reason + "')");
  decision.reason = *parsed_reason;
  // The actor is the token's name; an older client may still name it, but never someone else.
  auto login = text_member(body, "operator");
  if (!login) return login.error();
  if (auto ok = check_operator(request, *login); !ok) return ok.error();
  return decision;
}

// 403 when the token may not take this action on this discrepancy: approving and writing off
// need an approver, up to its approval limit; rejecting (closing without adjusting) only needs
// the counter-lead that the route asks for. nullopt when it may.
std::optional<Response> refusal_of(const auth::Principal& principal, const Decision& decision,
                                   reconcile::Queries& queries) {
  if (decision.action == reconcile::OperatorAction::kReject) return std::nullopt;
  const std::string action(reconcile::to_string(decision.action));
  if (!auth::grants(principal.role, auth::Role::kApprover)) {
    return Response::error(403, "forbidden",
                           action + " needs the role approver or higher; the token '" + principal.name +
                               "' has the role " + std::string(auth::to_string(principal.role)));
  }
  const auto limit = principal.effective_approval_limit();
  if (!limit) return std::nullopt;
  auto detail = queries.discrepancy(decision.id);
  if (!detail) return Response::from(detail.error());
  const std::int64_t value = std::llabs(detail->discrepancy.value_cents);
  if (value <= *limit) return std::nullopt;
  return Response::error(403, "over_approval_limit",
                         "discrepancy " + std::to_string(decision.id) + " is worth " + std::to_string(value) +
                             " cents, over the approval limit of " + std::to_string(*limit) + " cents of the token '" +
                             principal.name + "'; ask an approver with a higher limit");
}

}  // namespace

void add_resolve_routes(Router& router, HubWriter& writer, reconcile::Operations& operations,
                        reconcile::Queries& queries) {
  router.add("POST", "/api/v1/discrepancies/{id}/resolve", auth::Role::kCounterLead,
             [&writer, &operations, &queries](const Request& request) {
               auto decision = decision_of(request);
               if (!decision) return Response::from(decision.error());
               if (auto refusal = refusal_of(*request.principal, *decision, queries)) return *refusal;
               auto resolved = writer.write([&](LedgerWrite&, std::int64_t now_ms) {
                 return operations.resolve(decision->id, decision->action, decision->reason, request.principal->name,
                                           now_ms);
               });
               if (!resolved) return Response::from(resolved.error());
               auto detail = queries.discrepancy(decision->id);
               if (!detail) return Response::from(detail.error());
               return Response::json(200, {{"discrepancy", discrepancy_json(detail->discrepancy)}});
             });
}

}  // namespace recount::hub
