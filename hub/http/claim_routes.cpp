// Claims with a read-only system: a checked body in, the step recorded (and what it closes) in one
// transaction, the discrepancy and its claims out.
#include "hub/http/claim_routes.hpp"

#include <algorithm>
#include <string>

#include "hub/http/reconcile_routes.hpp"
#include "hub/http/resolve_routes.hpp"
#include "hub/reconcile/systems.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// The most characters a claim's note keeps.
constexpr std::size_t kMaxNote = 1000;

Json claim_json(const channels::Claim& claim) {
  return {{"case_id", claim.case_id},
          {"state", channels::to_string(claim.state)},
          {"note", claim.note},
          {"actor", claim.actor},
          {"at_ms", claim.at_ms}};
}

Json claims_json(const std::vector<channels::Claim>& claims) {
  Json list = Json::array();
  for (const auto& claim : claims) list.push_back(claim_json(claim));
  return list;
}

// The body's claim: case_id (an identifier-like code), state, note; errors name the member.
Result<channels::Claim> claim_of(const Request& request) {
  const Json body = Json::parse(request.body, nullptr, false);
  if (!body.is_object()) return invalid("body", "must be a JSON object {\"case_id\", \"state\", \"note\"}");
  channels::Claim claim;
  for (const char* member : {"case_id", "state", "note"}) {
    if (body.contains(member) && !body[member].is_string()) return invalid(member, "must be a string");
  }
  claim.case_id = body.value("case_id", "");
  if (auto ok = validate_code("case_id", claim.case_id, limits::kMaxCode); !ok) return ok.error();
  const std::string state = body.value("state", "filed");
  const auto parsed = channels::parse_claim_state(state);
  if (!parsed) return invalid("state", "must be filed, reimbursed or denied (got '" + state + "')");
  claim.state = *parsed;
  claim.note = body.value("note", "");
  if (claim.note.size() > kMaxNote) {
    return invalid("note",
                   "holds " + std::to_string(claim.note.size()) + " characters; at most " + std::to_string(kMaxNote));
  }
  return claim;
}

}  // namespace

Result<void> add_claims(channels::ChannelStore& channels, const reconcile::DiscrepancyDetail& detail, Json& body) {
  auto claims = channels.claims(detail.discrepancy.id);
  if (!claims) return claims.error();
  body["claims"] = claims_json(*claims);
  return {};
}

Result<void> add_latest_claim(channels::ChannelStore& channels, const reconcile::Discrepancy& discrepancy, Json& body) {
  if (!discrepancy.snapshot_id || reconcile::system_role(discrepancy.system) != reconcile::SystemRole::kReadOnly) {
    return {};
  }
  auto claims = channels.claims(discrepancy.id);
  if (!claims) return claims.error();
  body["claim"] = claims->empty() ? Json(nullptr) : claim_json(claims->back());
  return {};
}

void add_claim_routes(Router& router, HubWriter& writer, channels::ChannelStore& channels,
                      reconcile::Operations& operations, reconcile::Queries& queries, const WallClock& wall) {
  router.add("POST", "/api/v1/discrepancies/{id}/claim", auth::Role::kApprover, [&, wall](const Request& request) {
    auto id = request.path_integer("id", "a discrepancy id");
    if (!id) return Response::from(id.error());
    auto claim = claim_of(request);
    if (!claim) return Response::from(claim.error());
    auto before = queries.discrepancy(*id);
    if (!before && before.error().code == ErrorCode::kNotFound) {
      return Response::error(404, "not_found", "no discrepancy " + std::to_string(*id));
    }
    if (!before) return Response::from(before.error());
    const reconcile::Discrepancy& discrepancy = before->discrepancy;
    const std::string name = "discrepancy " + std::to_string(*id);
    if (!discrepancy.snapshot_id || reconcile::system_role(discrepancy.system) != reconcile::SystemRole::kReadOnly) {
      return Response::error(409, "conflict",
                             name + " is " + discrepancy.system +
                                 "'s: a claim is what an operator takes up with a read-only system (FBA)");
    }
    if (discrepancy.state == reconcile::DiscrepancyState::kClosed) {
      return Response::error(409, "conflict", name + " is closed");
    }
    if (claim->state == channels::ClaimState::kReimbursed && discrepancy.variance > 0) {
      return Response::error(409, "conflict",
                             name + " is an investigation (Amazon reports more than the ledger): nothing to reimburse");
    }
    // What the outcome closes it as: the ledger takes Amazon's figure either way.
    std::optional<reconcile::OperatorAction> closing;
    if (claim->state == channels::ClaimState::kReimbursed) closing = reconcile::OperatorAction::kApprove;
    if (claim->state == channels::ClaimState::kDenied) closing = reconcile::OperatorAction::kWriteOff;
    if (closing) {
      const auto allowed = allowed_actions(*request.principal, discrepancy);
      if (std::find(allowed.begin(), allowed.end(), *closing) == allowed.end()) {
        return Response::error(403, "forbidden",
                               std::string(channels::to_string(claim->state)) + " closes " + name + " as " +
                                   std::string(reconcile::to_string(*closing)) + ", which the token '" +
                                   request.principal->name + "' may not take on it as it stands");
      }
    }
    claim->discrepancy_id = *id;
    claim->actor = request.principal->name;
    auto written = writer.write([&](LedgerWrite& write, std::int64_t now_ms) -> Result<reconcile::Effects> {
      claim->at_ms = now_ms;
      if (auto ok = channels.record_claim(*claim); !ok) return ok.error();
      const Json detail = {{"discrepancy", *id},
                           {"case_id", claim->case_id},
                           {"state", to_string(claim->state)},
                           {"note", claim->note},
                           {"actor", claim->actor}};
      if (auto ok = write.audit("channels.claim", discrepancy.system + "/" + std::to_string(*id), detail.dump()); !ok) {
        return ok.error();
      }
      if (!closing) return reconcile::Effects{};
      return operations.resolve(*id, *closing, ReasonCode::kShrinkage, claim->actor, now_ms);
    });
    if (!written) return Response::from(written.error());
    auto after = queries.discrepancy(*id);
    if (!after) return Response::from(after.error());
    auto claims = channels.claims(*id);
    if (!claims) return Response::from(claims.error());
    return Response::json(
        200, {{"discrepancy", discrepancy_json(after->discrepancy, wall())}, {"claims", claims_json(*claims)}});
  });
}

}  // namespace recount::hub
