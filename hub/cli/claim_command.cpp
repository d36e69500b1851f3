// recountctl claim.
#include "hub/cli/claim_command.hpp"

#include <nlohmann/json.hpp>

#include "hub/http/client.hpp"

namespace recount::hub {

CommandOutput claim_command(const HubEndpoint& hub, OutputFormat format, const ClaimStep& step) {
  using Json = nlohmann::json;
  const Json request = {{"case_id", step.case_id}, {"state", step.state}, {"note", step.note}};
  const std::string target = "/api/v1/discrepancies/" + std::to_string(step.id) + "/claim";
  auto body = json_answer(hub, target, http_post(hub, target, request.dump(), "application/json"));
  if (!body) return failed(body.error().describe());
  if (format == OutputFormat::kJson) return CommandOutput{0, body->dump() + "\n", ""};
  const Json& discrepancy = member(*body, "discrepancy");
  return CommandOutput{0,
                       "discrepancy " + std::to_string(step.id) + ": case " + step.case_id + " " + step.state +
                           "; the discrepancy is " + text_of(discrepancy, "state") + " (resolution " +
                           text_of(discrepancy, "resolution") + ")\n",
                       ""};
}

}  // namespace recount::hub
