// The policy and verify routes: checked input in, one write through the shared write path, the
// outcome out.
#include "hub/http/policy_routes.hpp"

#include <optional>
#include <string>

#include "hub/reconcile/queries.hpp"
#include "shared/protocol/json_writer.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;
using protocol::JsonWriter;

Json reevaluation_json(const reconcile::Reevaluation& reevaluation) {
  return {{"positions_repaired", reevaluation.positions_repaired},
          {"groups_repaired", reevaluation.groups_repaired},
          {"groups_rejudged", reevaluation.groups_rejudged}};
}

// The policy in force as GET shows it, the document embedded as encode_policy() wrote it; PUT
// adds the reevaluation it ran with add_members(JsonWriter&).
template <typename AddMembers>
Response policy_answer(reconcile::Queries& queries, AddMembers add_members) {
  auto in_force = queries.policy_in_force();
  if (!in_force) return Response::from(in_force.error());
  const bool stored = in_force->version > 0;
  JsonWriter out;
  out.begin_object();
  out.field("version", in_force->version);
  out.key("set_ms");
  out.integer_or_null(stored ? std::optional(in_force->set_ms) : std::nullopt);
  out.key("set_by");
  out.string_or_null(stored ? std::optional<std::string_view>(in_force->actor) : std::nullopt);
  out.key("policy");
  out.raw(reconcile::encode_policy(in_force->policy));
  add_members(out);
  out.end_object();
  return Response::encoded(200, std::move(out).finish());
}

struct PolicyChange {
  reconcile::Policy policy;
  std::string actor;
  bool reevaluate = false;
};

Result<PolicyChange> change_of(const Request& request) {
  PolicyChange change;
  if (const auto login = request.query.find("operator"); login != request.query.end()) {
    if (auto ok = check_operator(request, login->second); !ok) return ok.error();
  }
  change.actor = "operator " + request.principal->name;
  if (const auto found = request.query.find("reevaluate"); found != request.query.end()) {
    if (found->second != "true" && found->second != "false") {
      return invalid("reevaluate", "must be true or false (got '" + found->second + "')");
    }
    change.reevaluate = found->second == "true";
  }
  auto policy = policy_in_body(request);
  if (!policy) return policy.error();
  change.policy = std::move(*policy);
  return change;
}

}  // namespace

Result<reconcile::Policy> policy_in_body(const Request& request) {
  auto policy = reconcile::parse_policy(request.body);
  if (!policy) {
    Error error = policy.error();
    // The document as a whole (not JSON, not an object) is the body.
    if (error.field.empty()) error.field = "body";
    return error;
  }
  return policy;
}

void add_policy_routes(Router& router, HubWriter& writer, reconcile::Operations& operations,
                       reconcile::Queries& queries) {
  router.add("GET", "/api/v1/policy", auth::Role::kViewer,
             [&queries](const Request&) { return policy_answer(queries, [](JsonWriter&) {}); });
  router.add("PUT", "/api/v1/policy", auth::Role::kAdmin, [&writer, &operations, &queries](const Request& request) {
    auto change = change_of(request);
    if (!change) return Response::from(change.error());
    std::optional<reconcile::Reevaluation> reevaluation;
    auto written = writer.write([&](LedgerWrite& write, std::int64_t now_ms) -> Result<reconcile::Effects> {
      auto set = operations.set_policy(change->policy, change->actor, now_ms);
      if (!set || !change->reevaluate) return set;
      // The change is audited before the transitions the re-judging causes.
      if (auto ok = record_effects(write, *set, now_ms); !ok) return ok.error();
      auto rejudged = operations.reevaluate_all(now_ms);
      if (!rejudged) return rejudged.error();
      reevaluation = std::move(*rejudged);
      return std::move(reevaluation->effects);
    });
    if (!written) return Response::from(written.error());
    return policy_answer(queries, [&](JsonWriter& out) {
      out.key("reevaluation");
      if (reevaluation) {
        out.raw(dump_json(reevaluation_json(*reevaluation)));
      } else {
        out.null();
      }
    });
  });
  router.add("POST", "/api/v1/reconcile/verify", auth::Role::kAdmin, [&writer, &operations](const Request&) {
    reconcile::Reevaluation verified;
    auto written = writer.write([&](LedgerWrite& write, std::int64_t now_ms) -> Result<reconcile::Effects> {
      auto repaired = operations.verify_projections(now_ms);
      if (!repaired) return repaired.error();
      verified = std::move(*repaired);
      // Projections that needed repair mean something went wrong or someone edited the tables:
      // that belongs in the audit trail.
      if (verified.positions_repaired > 0 || verified.groups_repaired > 0) {
        if (auto ok = write.audit("reconcile.verify", "projections", dump_json(reevaluation_json(verified))); !ok) {
          return ok.error();
        }
      }
      return std::move(verified.effects);
    });
    if (!written) return Response::from(written.error());
    return Response::json(200, {{"reevaluation", reevaluation_json(verified)}});
  });
}

}  // namespace recount::hub
