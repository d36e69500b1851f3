// recountctl resolve: the single route for one id, the bulk route for several.
#include "hub/cli/resolve_command.hpp"

#include <nlohmann/json.hpp>

#include "hub/http/client.hpp"
#include "hub/http/router.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// "discrepancy 1: closed (approved); adjusted by -3 (event …)".
std::string outcome_line(std::int64_t id, const Json& discrepancy) {
  std::string out = "discrepancy " + std::to_string(id) + ": " + discrepancy.value("state", std::string("?"));
  if (const auto resolution = discrepancy.value("resolution", std::string());
      !resolution.empty() && resolution != "none") {
    out += " (" + resolution + ")";
  }
  if (const auto qty = discrepancy.value("adjust_qty", std::int64_t{0}); qty != 0) {
    out +=
        "; adjusted by " + std::to_string(qty) + " (event " + discrepancy.value("adjust_event_id", std::string()) + ")";
  }
  return out + "\n";
}

std::string message_of(const Json& error, const std::string& fallback) {
  return error.is_object() ? error.value("message", fallback) : fallback;
}

CommandOutput resolve_one(const HubEndpoint& hub, std::int64_t id, const Json& request, OutputFormat format) {
  const std::string target = "/api/v1/discrepancies/" + std::to_string(id) + "/resolve";
  auto answer = http_post(hub, target, dump_json(request), "application/json");
  if (!answer) return CommandOutput{kExitFailed, "", "recountctl: " + answer.error().describe() + "\n"};
  const auto body = Json::parse(answer->body, nullptr, false);
  if (answer->status != 200) {
    const auto error = body.is_object() ? body.value("error", Json::object()) : Json::object();
    return CommandOutput{kExitFailed, "",
                         "recountctl: the hub refused to resolve discrepancy " + std::to_string(id) + " (" +
                             std::to_string(answer->status) + "): " + message_of(error, answer->body) + "\n"};
  }
  if (format == OutputFormat::kJson) return CommandOutput{0, answer->body + "\n", ""};
  return CommandOutput{0, outcome_line(id, body.is_object() ? body.value("discrepancy", Json::object()) : Json()), ""};
}

CommandOutput resolve_many(const HubEndpoint& hub, const std::vector<std::int64_t>& ids, Json request,
                           OutputFormat format) {
  request["ids"] = ids;
  auto answer = http_post(hub, "/api/v1/discrepancies/resolve", dump_json(request), "application/json");
  if (!answer) return CommandOutput{kExitFailed, "", "recountctl: " + answer.error().describe() + "\n"};
  const auto body = Json::parse(answer->body, nullptr, false);
  if (answer->status != 200 || !member(body, "results").is_array()) {
    const auto error = body.is_object() ? body.value("error", Json::object()) : Json::object();
    return CommandOutput{kExitFailed, "",
                         "recountctl: the hub refused the bulk resolve (" + std::to_string(answer->status) +
                             "): " + message_of(error, answer->body) + "\n"};
  }
  CommandOutput output{0, format == OutputFormat::kJson ? answer->body + "\n" : "", ""};
  for (const Json& result : member(body, "results")) {
    if (!result.is_object()) continue;
    const std::int64_t id = result.value("id", std::int64_t{0});
    if (result.value("ok", false)) {
      if (format != OutputFormat::kJson) output.out += outcome_line(id, result.value("discrepancy", Json::object()));
    } else {
      output.exit_code = kExitFailed;
      output.err += "recountctl: the hub refused to resolve discrepancy " + std::to_string(id) + ": " +
                    message_of(result.value("error", Json::object()), "no reason given") + "\n";
    }
  }
  return output;
}

}  // namespace

CommandOutput resolve_command(const HubEndpoint& hub, const std::vector<std::int64_t>& ids, const std::string& action,
                              const std::string& reason, OutputFormat format) {
  const Json request = {{"action", action}, {"reason", reason}};
  if (ids.size() == 1) return resolve_one(hub, ids.front(), request, format);
  return resolve_many(hub, ids, request, format);
}

}  // namespace recount::hub
