// recountctl overview: the overview's JSON as a few short tables.
#include "hub/cli/overview_command.hpp"

#include <cstdio>

#include "hub/http/percent_encoding.hpp"
#include "shared/domain/identifiers.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// The latest point of a measure that has a value, as "value (period from …)"; "-" when none has.
std::string latest(const Json& measure, const std::function<std::string(const Json&)>& format) {
  const Json points = measure.value("points", Json::array());
  for (auto point = points.rbegin(); point != points.rend(); ++point) {
    if (!point->is_object()) continue;
    const Json value = point->contains("by_reason") ? (*point)["by_reason"] : point->value("value", Json());
    if (value.is_null() || (value.is_object() && value.empty())) continue;
    return format(value) + "  (" + measure.value("period", std::string("period")) + " from " +
           utc_time(point->value("from_ms", std::int64_t{0})) + ")";
  }
  return "-";
}

std::string hours(const Json& value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f h", value.get<double>() / 3'600'000.0);
  return text;
}

std::string percent(const Json& value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", value.get<double>() * 100.0);
  return text;
}

std::string by_reason(const Json& value) {
  std::string out;
  for (const auto& [reason, cents] : value.items()) out += (out.empty() ? "" : ", ") + reason + " " + text_of(cents);
  return out + " cents";
}

}  // namespace

std::string render_overview(const Json& body) {
  const Json open = body.value("open", Json::object());
  std::string out = "open:";
  // Named: items() refers to its object, and a temporary in a range-for's initializer dies before
  // the loop runs.
  const Json by_state = open.value("by_state", Json::object());
  for (const auto& [state, count] : by_state.items()) {
    out += " " + state + " " + text_of(count);
  }
  out += "\nby age:";
  for (const Json& bucket : open.value("by_age", Json::array())) {
    out += " " + bucket.value("label", std::string("?")) + " " + text_of(bucket.value("count", Json()));
  }
  out += "\nvalue at risk: " + text_of(body.value("value_at_risk_cents", Json())) + " cents\n";
  const Json measures = body.value("measures", Json::object());
  out += table({"MEASURE", "LATEST"},
               {{"variance_rate", latest(measures.value("variance_rate", Json::object()), percent)},
                {"cycle_time", latest(measures.value("cycle_time_ms", Json::object()), hours)},
                {"resolution_time", latest(measures.value("resolution_time_ms", Json::object()), hours)},
                {"write_off_by_reason", latest(measures.value("write_off_by_reason", Json::object()), by_reason)}});
  const Json fleet = body.value("fleet", Json::object());
  out += "fleet: " + text_of(fleet.value("online", Json())) + " online, " + text_of(fleet.value("offline", Json())) +
         " offline, " + text_of(fleet.value("dead_letters", Json())) + " dead letters, ingest lag " +
         text_of(fleet.value("ingest_lag_ms", Json())) + " ms\n";
  std::vector<std::vector<std::string>> rows;
  for (const Json& device : fleet.value("devices", Json::array())) {
    rows.push_back({text_of(device, "site"), text_of(device, "device"), text_of(device, "state"),
                    text_of(device, "backlog"), utc_time(device.value("last_seen_ms", std::int64_t{0})),
                    text_of(device, "skew_ms")});
  }
  if (!rows.empty()) out += table({"SITE", "DEVICE", "STATE", "BACKLOG", "LAST_SEEN", "SKEW_MS"}, rows);
  return out;
}

CommandOutput overview_command(const HubEndpoint& hub, OutputFormat format, const std::string& site) {
  std::string target = "/api/v1/overview";
  if (!site.empty()) {
    if (auto valid = validate_identifier("--site", site); !valid) return failed(valid.error().describe());
    target += "?site=" + percent_encode(site);
  }
  return show(hub, target, format, render_overview);
}

}  // namespace recount::hub
