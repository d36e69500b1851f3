// The resolve route: a checked body in, one write through the shared write path, the discrepancy out.
#include "hub/http/resolve_routes.hpp"

#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include "hub/http/reconcile_routes.hpp"
#include "hub/reconcile/queries.hpp"
#include "hub/reconcile/systems.hpp"
#include "shared/domain/event.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// The most ids one bulk resolve decides.
constexpr std::size_t kMaxBulkIds = 500;

constexpr reconcile::OperatorAction kAllActions[] = {
    reconcile::OperatorAction::kApprove, reconcile::OperatorAction::kWriteOff, reconcile::OperatorAction::kReject,
    reconcile::OperatorAction::kCorrectSystem};

struct Decision {
  std::int64_t id = 0;
  reconcile::OperatorAction action = reconcile::OperatorAction::kReject;
  ReasonCode reason = ReasonCode::kOther;
};

// A bulk decision: the same action and reason for each id, in the order given.
struct BulkDecision {
  std::vector<std::int64_t> ids;
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

// The action, reason and (optional) operator members every resolve body has.
Result<void> read_action(const Request& request, const Json& body, reconcile::OperatorAction& action,
                         ReasonCode& reason) {
  auto action_text = text_member(body, "action");
  if (!action_text) return action_text.error();
  const auto parsed_action = reconcile::parse_operator_action(*action_text);
  if (!parsed_action)
    return invalid("action", "must be approve, reject, write-off or correct-system (got '" + *action_text + "')");
  action = *parsed_action;
  auto reason_text = text_member(body, "reason");
  if (!reason_text) return reason_text.error();
  const auto parsed_reason = parse_reason_code(*reason_text);
  if (!parsed_reason) return invalid("reason", "must be one of " + reason_names() + " (got '" + *reason_text + "')");
  reason = *parsed_reason;
  // The actor is the token's name; an older client may still name it, but never someone else.
  auto login = text_member(body, "operator");
  if (!login) return login.error();
  return check_operator(request, *login);
}

Result<Decision> decision_of(const Request& request) {
  Decision decision;
  auto id = request.path_integer("id", "a discrepancy id");
  if (!id) return id.error();
  decision.id = *id;
  const Json body = Json::parse(request.body, nullptr, false);
  if (!body.is_object()) return invalid("body", "must be a JSON object {\"action\", \"reason\"}");
  if (auto ok = read_action(request, body, decision.action, decision.reason); !ok) return ok.error();
  return decision;
}

Result<BulkDecision> bulk_decision_of(const Request& request) {
  BulkDecision decision;
  const Json body = Json::parse(request.body, nullptr, false);
  if (!body.is_object()) return invalid("body", "must be a JSON object {\"ids\", \"action\", \"reason\"}");
  const auto ids = body.find("ids");
  if (ids == body.end() || !ids->is_array() || ids->empty()) {
    return invalid("ids", "must be a non-empty array of discrepancy ids");
  }
  if (ids->size() > kMaxBulkIds) {
    return invalid("ids", "holds " + std::to_string(ids->size()) + " ids; at most " + std::to_string(kMaxBulkIds) +
                              " may be resolved at once");
  }
  for (std::size_t i = 0; i < ids->size(); ++i) {
    const Json& id = (*ids)[i];
    if (!id.is_number_integer() || id.get<std::int64_t>() <= 0) {
      return invalid("ids[" + std::to_string(i) + "]", "must be a discrepancy id (a positive integer)");
    }
    decision.ids.push_back(id.get<std::int64_t>());
  }
  if (auto ok = read_action(request, body, decision.action, decision.reason); !ok) return ok.error();
  return decision;
}

// 403 when the token may not take `action` on `discrepancy`: approving and writing off need an
// approver, up to its approval limit; rejecting (closing without adjusting) only needs the
// counter-lead that the routes ask for. nullopt when it may.
std::optional<Response> refusal_of(const auth::Principal& principal, reconcile::OperatorAction action,
                                   const reconcile::Discrepancy& discrepancy) {
  if (action == reconcile::OperatorAction::kReject) {
    if (auth::grants(principal.role, auth::Role::kCounterLead)) return std::nullopt;
    return Response::error(403, "forbidden",
                           "reject needs the role counter-lead or higher; the token '" + principal.name +
                               "' has the role " + std::string(auth::to_string(principal.role)));
  }
  const std::string name(reconcile::to_string(action));
  if (!auth::grants(principal.role, auth::Role::kApprover)) {
    return Response::error(403, "forbidden",
                           name + " needs the role approver or higher; the token '" + principal.name +
                               "' has the role " + std::string(auth::to_string(principal.role)));
  }
  const auto limit = principal.effective_approval_limit();
  const std::int64_t value = std::llabs(discrepancy.value_cents);
  if (!limit || value <= *limit) return std::nullopt;
  return Response::error(403, "over_approval_limit",
                         "discrepancy " + std::to_string(discrepancy.id) + " is worth " + std::to_string(value) +
                             " cents, over the approval limit of " + std::to_string(*limit) + " cents of the token '" +
                             principal.name + "'; ask an approver with a higher limit");
}

// Decides one id as the single route does: the role and limit checked against the discrepancy
// as it stands, then the action in its own transaction. Returns the discrepancy afterwards, or
// the response that refuses it.
std::variant<reconcile::Discrepancy, Response> resolve_one(HubWriter& writer, reconcile::Operations& operations,
                                                           reconcile::Queries& queries,
                                                           const auth::Principal& principal, const Decision& decision) {
  auto before = queries.discrepancy(decision.id);
  if (!before && before.error().code == ErrorCode::kNotFound) {
    return Response::error(404, "not_found", "no discrepancy " + std::to_string(decision.id));
  }
  if (!before) return Response::from(before.error());
  if (auto refusal = refusal_of(principal, decision.action, before->discrepancy)) return *refusal;
  auto resolved = writer.write([&](LedgerWrite&, std::int64_t now_ms) {
    return operations.resolve(decision.id, decision.action, decision.reason, principal.name, now_ms);
  });
  if (!resolved) return Response::from(resolved.error());
  auto after = queries.discrepancy(decision.id);
  if (!after) return Response::from(after.error());
  return std::move(after->discrepancy);
}

}  // namespace

std::vector<reconcile::OperatorAction> allowed_actions(const auth::Principal& principal,
                                                       const reconcile::Discrepancy& discrepancy) {
  std::vector<reconcile::OperatorAction> allowed;
  for (const auto action : kAllActions) {
    if (reconcile::action_allowed(action, discrepancy.state) && reconcile::action_applies(action, discrepancy) &&
        !refusal_of(principal, action, discrepancy)) {
      allowed.push_back(action);
    }
  }
  return allowed;
}

void add_resolve_routes(Router& router, HubWriter& writer, reconcile::Operations& operations,
                        reconcile::Queries& queries, const WallClock& wall) {
  router.add("POST", "/api/v1/discrepancies/{id}/resolve", auth::Role::kCounterLead,
             [&writer, &operations, &queries, wall](const Request& request) {
               auto decision = decision_of(request);
               if (!decision) return Response::from(decision.error());
               auto outcome = resolve_one(writer, operations, queries, *request.principal, *decision);
               if (auto* refusal = std::get_if<Response>(&outcome)) return std::move(*refusal);
               return Response::json(200, {{"discrepancy", discrepancy_json(std::get<0>(outcome), wall())}});
             });
  router.add(
      "POST", "/api/v1/discrepancies/resolve", auth::Role::kCounterLead,
      [&writer, &operations, &queries, wall](const Request& request) {
        auto bulk = bulk_decision_of(request);
        if (!bulk) return Response::from(bulk.error());
        Json results = Json::array();
        for (const std::int64_t id : bulk->ids) {
          auto outcome = resolve_one(writer, operations, queries, *request.principal, {id, bulk->action, bulk->reason});
          if (const auto* refusal = std::get_if<Response>(&outcome)) {
            // The error the single route would have answered, as this id's result.
            Json error = Json::parse(refusal->body, nullptr, false);
            results.push_back({{"id", id}, {"ok", false}, {"error", std::move(error["error"])}});
          } else {
            results.push_back(
                {{"id", id}, {"ok", true}, {"discrepancy", discrepancy_json(std::get<0>(outcome), wall())}});
          }
        }
        return Response::json(200, {{"results", std::move(results)}});
      });
}

}  // namespace recount::hub
