// recountctl policy, policy set, policy what-if and reconcile verify.
#include "hub/cli/policy_command.hpp"

#include <fstream>
#include <sstream>

#include "hub/http/percent_encoding.hpp"
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
  return "policy version " + text_of(body, "version") + ", set " + utc_time(body.value("set_ms", std::int64_t{0})) +
         " by " + text_of(body, "set_by") + "\n";
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

// The whole file, or kIo naming it.
Result<std::string> read_document(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{ErrorCode::kIo, "", "cannot read " + file.string()};
  std::ostringstream document;
  document << in.rdbuf();
  return document.str();
}

// "3 (12.50)": counts and their value.
std::string tally_text(const Json& tally) {
  return text_of(tally.value("counts", Json(0))) + " (" + money_text(tally.value("value_cents", Json(0))) + ")";
}

// "3 (12.50) -> 1 (2.50)", or one side alone when the candidate changes nothing.
std::string change_text(const Json& current, const Json& candidate) {
  const std::string before = tally_text(current);
  const std::string after = tally_text(candidate);
  return before == after ? before : before + " -> " + after;
}

constexpr const char* kOutcomes[] = {"flagged", "accepted", "recount", "adjusted", "approval"};

std::string render_what_if(const Json& body) {
  const Json site = body.value("site", Json());
  std::string out = "what-if over the last " + text_of(body, "days") + " days (since " +
                    utc_time(body.value("since_ms", std::int64_t{0})) + "), " +
                    (site.is_string() ? "site " + site.get<std::string>() : std::string("every site")) + ": " +
                    text_of(body, "counts") + " counts, " + text_of(body, "changed") +
                    " changed, against policy version " + text_of(member(body, "policy_in_force"), "version") + "\n";
  std::vector<std::vector<std::string>> totals;
  for (const char* outcome : kOutcomes) {
    totals.push_back({outcome, tally_text(member(member(body, "current"), outcome)),
                      tally_text(member(member(body, "candidate"), outcome))});
  }
  out += table({"OUTCOME", "CURRENT", "CANDIDATE"}, totals);
  std::vector<std::vector<std::string>> rows;
  for (const Json& row : body.value("rows", Json::array())) {
    std::vector<std::string> cells{text_of(row, "site"), text_of(row, "item_class"), text_of(row, "counts"),
                                   text_of(row, "changed")};
    for (const char* outcome : kOutcomes)
      cells.push_back(change_text(member(member(row, "current"), outcome), member(member(row, "candidate"), outcome)));
    rows.push_back(std::move(cells));
  }
  if (!rows.empty()) {
    out +=
        "\n" +
        table({"SITE", "CLASS", "COUNTS", "CHANGED", "FLAGGED", "ACCEPTED", "RECOUNT", "ADJUSTED", "APPROVAL"}, rows);
  }
  std::vector<std::vector<std::string>> examples;
  for (const Json& example : body.value("examples", Json::array())) {
    std::string position =
        text_of(example, "site") + "/" + text_of(example, "location") + "/" + text_of(example, "sku");
    if (const std::string lot = example.value("lot", ""); !lot.empty()) position += "/" + lot;
    examples.push_back({position, utc_time(example.value("time_ms", std::int64_t{0})), text_of(example, "counted"),
                        text_of(example, "expected"), text_of(example, "variance"),
                        money_text(member(example, "value_cents")),
                        text_of(example, "verdict_before") + " -> " + text_of(example, "verdict_after"),
                        text_of(example, "before") + " -> " + text_of(example, "after")});
  }
  if (examples.empty()) return out + "\nno count changes its verdict or outcome\n";
  return out + "\n" +
         table({"POSITION", "TIME", "COUNTED", "EXPECTED", "VARIANCE", "VALUE", "VERDICT", "OUTCOME"}, examples);
}

}  // namespace

CommandOutput policy_command(const HubEndpoint& hub, OutputFormat format) {
  return show(hub, "/api/v1/policy", format, render_policy);
}

CommandOutput policy_set_command(const HubEndpoint& hub, const std::filesystem::path& file, Reevaluate reevaluate,
                                 OutputFormat format) {
  auto document = read_document(file);
  if (!document) return failed(document.error().describe());
  const std::string target = std::string("/api/v1/policy") + (reevaluate == Reevaluate::kYes ? "?reevaluate=true" : "");
  auto body = json_answer(hub, target, http_put(hub, target, *document, "application/json"));
  if (!body) return failed(file.string() + ": " + body.error().describe());
  if (format == OutputFormat::kJson) return CommandOutput{0, dump_json(*body) + "\n", ""};
  std::string out = "policy version " + text_of(*body, "version") + " in force, set by " + text_of(*body, "set_by");
  if (const Json reevaluation = body->value("reevaluation", Json()); reevaluation.is_object()) {
    out += "; re-evaluated: " + reevaluation_text(reevaluation);
  }
  return CommandOutput{0, out + "\n", ""};
}

CommandOutput policy_what_if_command(const HubEndpoint& hub, const std::filesystem::path& file,
                                     const WhatIfWindow& window, OutputFormat format) {
  auto document = read_document(file);
  if (!document) return failed(document.error().describe());
  std::string target = "/api/v1/policy/what-if?days=" + std::to_string(window.days);
  if (!window.site.empty()) target += "&site=" + percent_encode(window.site);
  auto body = json_answer(hub, target, http_post(hub, target, *document, "application/json"));
  if (!body) return failed(file.string() + ": " + body.error().describe());
  if (format == OutputFormat::kJson) return CommandOutput{0, dump_json(*body) + "\n", ""};
  return CommandOutput{0, render_what_if(*body), ""};
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
