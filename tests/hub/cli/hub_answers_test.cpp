// recountctl's commands against answers that are not what the hub of this version sends: members
// missing at every level, or of other types. A hub of another version, or something answering in
// its place, must get a table with '-' or an error naming the problem, never a crash.
#include <doctest/doctest.h>

#include "hub/cli/alerts_command.hpp"
#include "hub/cli/claim_command.hpp"
#include "hub/cli/commands.hpp"
#include "hub/cli/corrections_command.hpp"
#include "hub/cli/drift_command.hpp"
#include "hub/cli/metrics_command.hpp"
#include "hub/cli/overview_command.hpp"
#include "hub/cli/plans_command.hpp"
#include "hub/cli/policy_command.hpp"
#include "hub/cli/resolve_command.hpp"
#include "hub/cli/systems_command.hpp"
#include "hub/cli/unknown_command.hpp"
#include "tests/hub/serving_fixtures.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;
using testing::Serving;

// Every list and object member recountctl reads from some answer.
const char* const kLists[] = {
    "alerts",   "around",       "barcodes", "by_age",        "candidates", "claims",      "conflicts", "corrections",
    "counts",   "dead_letters", "devices",  "discrepancies", "drifts",     "entries",     "errors",    "evidence",
    "examples", "groups",       "history",  "notes",         "plans",      "points",      "positions", "results",
    "rows",     "sites",        "systems",  "tasks",         "tolerances", "transitions", "unmapped",  "unmapped_skus"};
const char* const kObjects[] = {"actor",
                                "by_state",
                                "candidate",
                                "current",
                                "cycle_time_ms",
                                "discrepancy",
                                "error",
                                "figures",
                                "fleet",
                                "last_report",
                                "latest",
                                "measures",
                                "open",
                                "origin",
                                "policy",
                                "policy_in_force",
                                "received",
                                "reevaluation",
                                "resolution_time_ms",
                                "stored",
                                "variance_rate",
                                "write_off_by_reason"};

// An object holding every member above, each list with one element, `depth` levels down; the
// innermost objects are `leaf`. No scalar member is anywhere: each read of one finds it missing.
Json hollow(int depth, const Json& leaf) {
  if (depth == 0) return leaf;
  Json body = Json::object();
  for (const char* key : kLists) body[key] = Json::array({hollow(depth - 1, leaf)});
  for (const char* key : kObjects) body[key] = hollow(depth - 1, leaf);
  return body;
}

// A hub answering every GET and POST, at any path, with `body`.
Router answering(const Json& body) {
  Router router;
  std::string pattern;
  for (int depth = 1; depth <= 7; ++depth) {
    pattern += "/{s" + std::to_string(depth) + "}";
    for (const char* method : {"GET", "POST"}) {
      router.add(method, pattern, auth::Role::kViewer, [text = body.dump()](const Request&) {
        return Response{200, text, {}};
      });
    }
  }
  return router;
}

struct Command {
  const char* name;
  std::function<CommandOutput(const HubEndpoint&)> run;
  bool renders_through_show;  // only show() turns a member of another type into an error
};

std::vector<Command> table_commands() {
  const auto table = OutputFormat::kTable;
  DiscrepancyFilters filters;
  DriftSubject site;
  site.site = "S1";
  DriftSubject position;
  position.position = "S1/A-01/SKU-1";
  return {
      {"stats", [=](const HubEndpoint& hub) { return stats_command(hub, table); }, true},
      {"dead-letters", [=](const HubEndpoint& hub) { return dead_letters_command(hub, table, "", 10); }, true},
      {"conflicts", [=](const HubEndpoint& hub) { return conflicts_command(hub, table, "", 10); }, true},
      {"tasks", [=](const HubEndpoint& hub) { return tasks_command(hub, table, ""); }, true},
      {"discrepancies", [=](const HubEndpoint& hub) { return discrepancies_command(hub, table, filters); }, true},
      {"discrepancy", [=](const HubEndpoint& hub) { return discrepancy_command(hub, table, 1); }, true},
      {"positions", [=](const HubEndpoint& hub) { return positions_command(hub, table, "S1", "", 10); }, true},
      {"history",
       [=](const HubEndpoint& hub) {
         return history_command(hub, table, {"S1", "A-01", "SKU-1", ""});
       },
       true},
      {"overview", [=](const HubEndpoint& hub) { return overview_command(hub, table, ""); }, true},
      {"plans", [=](const HubEndpoint& hub) { return plans_command(hub, table, ""); }, true},
      {"due", [=](const HubEndpoint& hub) { return due_command(hub, table, "S1", ""); }, true},
      {"policy", [=](const HubEndpoint& hub) { return policy_command(hub, table); }, true},
      {"systems", [=](const HubEndpoint& hub) { return systems_command(hub, table, ""); }, true},
      {"unknown", [=](const HubEndpoint& hub) { return unknown_barcodes_command(hub, table, "", ""); }, true},
      {"alerts", [=](const HubEndpoint& hub) { return alerts_command(hub, table, "", ""); }, true},
      {"corrections", [=](const HubEndpoint& hub) { return corrections_command(hub, table, "", ""); }, true},
      {"metrics", [=](const HubEndpoint& hub) { return metrics_command(hub, table, "", "", ""); }, true},
      {"drift (site)", [=](const HubEndpoint& hub) { return drift_command(hub, table, site); }, true},
      {"drift (position)", [=](const HubEndpoint& hub) { return drift_command(hub, table, position); }, true},
      {"reconcile verify", [=](const HubEndpoint& hub) { return reconcile_verify_command(hub, table); }, false},
      {"claim",
       [=](const HubEndpoint& hub) {
         return claim_command(hub, table, {1, "CASE-1", "filed", ""});
       },
       false},
      {"resolve",
       [=](const HubEndpoint& hub) {
         return resolve_command(hub, {1, 2}, "approve", "", table);
       },
       false},
      {"alerts ack", [=](const HubEndpoint& hub) { return ack_alert_command(hub, table, 1); }, false},
      {"corrections retry", [=](const HubEndpoint& hub) { return retry_correction_command(hub, table, 1); }, false},
      {"map barcode",
       [=](const HubEndpoint& hub) { return map_barcode_command(hub, table, "S1", "4006381333931", "SKU-1", 1); },
       false},
      {"map system sku",
       [=](const HubEndpoint& hub) { return map_system_sku_command(hub, table, "fba", "X001", "SKU-1"); }, false},
  };
}

TEST_CASE("every command given answers with members missing at every level prints '-' for them, or says what failed") {
  for (int depth = 1; depth <= 2; ++depth) {
    const Router router = answering(hollow(depth, Json::object()));
    Serving serving(router);
    for (const auto& command : table_commands()) {
      CAPTURE(command.name);
      CAPTURE(depth);
      const auto output = command.run(serving.hub());
      CHECK((output.exit_code == 0 || output.exit_code == kExitFailed));
      if (output.exit_code == 0)
        CHECK(output.err.empty());
      else
        CHECK(output.err.starts_with("recountctl: "));
    }
  }
}

TEST_CASE("members of other types than this recountctl knows are named as the answer's shape, not printed in part") {
  // Every list's element and every innermost object is a number where an object is read.
  const Router router = answering(hollow(2, Json(7)));
  Serving serving(router);
  for (const auto& command : table_commands()) {
    if (!command.renders_through_show) continue;
    CAPTURE(command.name);
    const CommandOutput output = [&] {
      try {
        return command.run(serving.hub());
      } catch (const std::exception& error) {
        FAIL("threw: " << error.what());
        return CommandOutput{};
      }
    }();
    if (output.exit_code == 0) continue;  // read nothing of another type
    CHECK(output.exit_code == kExitFailed);
    CHECK(output.out.empty());
    CHECK(output.err.find("in a shape this recountctl cannot read") != std::string::npos);
  }
}

TEST_CASE("the overview of an answer whose device has no members prints a row of '-'") {
  const std::string text =
      render_overview(Json{{"open", {{"by_state", {{"open", 2}}}}}, {"fleet", {{"devices", {Json::object()}}}}});
  CHECK(text.starts_with("open: open 2\n"));
  CHECK(text.find("SITE  DEVICE  STATE  BACKLOG  LAST_SEEN  SKEW_MS\n-     -       -      -        -          -\n") !=
        std::string::npos);
}

}  // namespace
}  // namespace recount::hub
