// recountctl plans and due.
#include "hub/cli/plans_command.hpp"

#include "hub/http/position_text.hpp"
#include "shared/domain/identifiers.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

std::string joined(const Json& values) {
  std::string text;
  for (const Json& value : values) text += (text.empty() ? "" : ",") + value.get<std::string>();
  return text.empty() ? "any" : text;
}

std::string render_plans(const Json& body) {
  const Json plans = body.value("plans", Json::array());
  if (plans.empty()) return "no count plans in the policy in force\n";
  std::vector<std::vector<std::string>> rows;
  for (const Json& plan : plans) {
    rows.push_back({text_of(plan, "name"), joined(member(plan, "sites")), joined(member(plan, "abc")),
                    joined(member(plan, "location_classes")), text_of(plan, "every_days"), text_of(plan, "owner"),
                    utc_time(plan.value("start_ms", std::int64_t{0})).substr(0, 10), text_of(plan, "positions"),
                    text_of(plan, "due"), text_of(plan, "overdue"), text_of(plan, "done")});
  }
  return table({"PLAN", "SITES", "ABC", "LOCATION_CLASSES", "EVERY_DAYS", "OWNER", "START", "POSITIONS", "DUE",
                "OVERDUE", "DONE"},
               rows);
}

std::string render_due(const Json& body) {
  const Json counts = body.value("counts", Json::array());
  if (counts.empty()) return "no planned counts match\n";
  std::vector<std::vector<std::string>> rows;
  for (const Json& count : counts) {
    const Json counted = count.value("counted_ms", Json());
    rows.push_back({position_text({count.value("site", ""), count.value("location", ""), count.value("sku", ""),
                                   count.value("lot", "")}),
                    text_of(count, "plan"), text_of(count, "owner"), text_of(count, "abc"),
                    utc_time(count.value("due_ms", std::int64_t{0})),
                    count.value("overdue", false) ? "OVERDUE" : text_of(count, "state"),
                    counted.is_number_integer() ? utc_time(counted.get<std::int64_t>()) : "-"});
  }
  std::string out = table({"POSITION", "PLAN", "OWNER", "ABC", "DUE", "STATE", "COUNTED"}, rows);
  if (body.value("truncated", false))
    out += text_of(body, "total") + " in all; the first " + std::to_string(counts.size()) + " are listed\n";
  return out;
}

// "?site=S" or "" for every site; the error names --site.
Result<std::string> site_query(const std::string& site) {
  if (site.empty()) return std::string();
  if (auto valid = validate_identifier("--site", site); !valid) return valid.error();
  return "site=" + site;
}

}  // namespace

CommandOutput plans_command(const HubEndpoint& hub, OutputFormat format, const std::string& site) {
  auto query = site_query(site);
  if (!query) return failed(query.error().describe());
  return show(hub, "/api/v1/plans" + (query->empty() ? "" : "?" + *query), format, render_plans);
}

CommandOutput due_command(const HubEndpoint& hub, OutputFormat format, const std::string& site,
                          const std::string& state) {
  auto query = site_query(site);
  if (!query) return failed(query.error().describe());
  if (!state.empty() && state != "open" && state != "due" && state != "overdue" && state != "done") {
    return failed("--state: must be open, due, overdue or done");
  }
  std::string target = "/api/v1/due?" + *query;
  if (!state.empty()) target += (query->empty() ? "" : "&") + std::string("state=") + state;
  return show(hub, target, format, render_due);
}

}  // namespace recount::hub
