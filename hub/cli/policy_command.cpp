// recountctl policy, policy set and reconcile verify.
#include "hub/cli/policy_command.hpp"

#include <fstream>
#include <sstream>

#include "hub/http/router.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// "units 1, percent 2.5"; "any" for a side without limits, which accepts every variance.
std::string limits_text(const Json& limits) {
  std::string text;
  if (limits.is_object()) {
    for (const auto& [name, value] : limits.items()) text += (text.empty() ? "" : ", ") + name + " " + text_of(value);
  }
  return text.empty() ? "any" : text;
}

// "site=store-0042 sku=SKU-1"; "(global)" for a rule that matches everything.
std::string scope_text(const Json& scope) {
  std::string text;
  if (scope.is_object()) {
    for (const auto& [name, value] : scope.items()) text += (text.empty() ? "" : " ") + name + "=" + text_of(value);
  }
  return text.empty() ? "(global)" : text;
}

std::string origin_line(const Json& body) {
  if (body.value("version", std::int64_t{0}) == 0) return "policy: the built-in default (none has been set)\n";
  return "policy version " + text_of(body["version"]) + ", set " + utc_time(body.value("set_ms", std::int64_t{0})) +
         " by " + text_of(body["set_by"]) + "\n";
}

std::string render_policy(const Json& body) {
  const Json policy = body.value("policy", Json::object());
  std::string out = origin_line(body);
  std::vector<std::vector<std::string>> settings;
  for (const char* name : {"ambiguity_window_ms", "settle_delay_ms", "max_recount_rounds", "approval_limit_cents"}) {
    settings.push_back({name, text_of(policy.value(name, Json()))});
  }
  out += table({"SETTING", "VALUE"}, settings);
  std::vector<std::vector<std::string>> rules;
  for (const Json& rule : policy.value("tolerances", Json::array())) {
    rules.push_back({scope_text(rule.value("scope", Json())), limits_text(rule.value("shortage", Json())),
                     limits_text(rule.value("overage", Json()))});
  }
  if (rules.empty()) return out + "no tolerance rules: any variance is out of tolerance\n";
  return out + table({"SCOPE", "SHORTAGE", "OVERAGE"}, rules);
}

// "1 on-hand and 2 expected quantities repaired, 2 counts re-judged".
std::string reevaluation_text(const Json& reevaluation) {
  return text_of(reevaluation.value("positions_repaired", Json(0))) + " on-hand and " +
         text_of(reevaluation.value("groups_repaired", Json(0))) + " expected quantities repaired, " +
         text_of(reevaluation.value("groups_rejudged", Json(0))) + " counts re-judged";
}

}  // namespace

CommandOutput policy_command(const HubEndpoint& hub, OutputFormat format) {
  return show(hub, "/api/v1/policy", format, render_policy);
}

CommandOutput policy_set_command(const HubEndpoint& hub, const std::filesystem::path& file, Reevaluate reevaluate,
                                 OutputFormat format) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return failed("cannot read " + file.string());
  std::ostringstream document;
  document << in.rdbuf();
  const std::string target = std::string("/api/v1/policy") + (reevaluate == Reevaluate::kYes ? "?reevaluate=true" : "");
  auto body = json_answer(hub, target, http_put(hub, target, document.str(), "application/json"));
  if (!body) return failed(file.string() + ": " + body.error().describe());
  if (format == OutputFormat::kJson) return CommandOutput{0, dump_json(*body) + "\n", ""};
  std::string out = "policy version " + text_of((*body)["version"]) + " in force, set by " + text_of((*body)["set_by"]);
  if (const Json reevaluation = body->value("reevaluation", Json()); reevaluation.is_object()) {
    out += "; re-evaluated: " + reevaluation_text(reevaluation);
  }
  return CommandOutput{0, out + "\n", ""};
}

CommandOutput reconcile_verify_command(const HubEndpoint& hub, OutputFormat format) {
  const std::string target = "/api/v1/reconcile/verify";
  auto body = json_answer(hub, target, http_post(hub, target, "", "application/json"));
  if (!body) return failed(body.error().describe());
  if (format == OutputFormat::kJson) return CommandOutput{0, dump_json(*body) + "\n", ""};
  const Json reevaluation = body->value("reevaluation", Json::object());
  const bool repaired = reevaluation.value("positions_repaired", 0) > 0 || reevaluation.value("groups_repaired", 0) > 0;
  if (!repaired) return CommandOutput{0, "projections verified: nothing needed repair\n", ""};
  return CommandOutput{0, "projections repaired: " + reevaluation_text(reevaluation) + "\n", ""};
}

}  // namespace recount::hub
