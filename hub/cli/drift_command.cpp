// recountctl drift.
#include "hub/cli/drift_command.hpp"

#include "hub/http/percent_encoding.hpp"
#include "hub/http/position_text.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

std::string position_of(const Json& drift) {
  return position_text(
      {drift.value("site", ""), drift.value("location", ""), drift.value("sku", ""), drift.value("lot", "")});
}

std::string signed_text(const Json& value) {
  const std::string text = text_of(value);
  return value.is_number_integer() && value.get<std::int64_t>() > 0 ? "+" + text : text;
}

bool is_reported(const Json& drift) { return drift.value("system", "warehouse") != "warehouse"; }

// "counted 9 where the ledger held 5 (+4) by u2 at 2026-...Z", or for a connected system's report
// "shopify reported 9 where the ledger held 5 (+4) as of 2026-...Z".
std::string observation_text(const Json& drift, const Json& observation) {
  const std::string versus = " where the ledger held " + text_of(observation, "expected") + " (" +
                             signed_text(member(observation, "variance")) + ")";
  const std::string when = utc_time(observation.value("time_ms", std::int64_t{0}));
  if (is_reported(drift)) {
    return text_of(drift, "system") + " reported " + text_of(observation, "counted") + versus + " as of " + when;
  }
  return "counted " + text_of(observation, "counted") + versus + " by " + text_of(observation, "user") + " at " + when;
}

// A system's subject over the whole site has no location: "s1/(whole site)/SKU-A".
std::string subject_of(const Json& drift) {
  if (!drift.value("location", "").empty()) return position_of(drift);
  return drift.value("site", "") + "/(whole site)/" + drift.value("sku", "");
}

std::string evidence_text(const Json& evidence) {
  std::string text;
  for (const Json& id : evidence) text += (text.empty() ? "" : " ") + id.get<std::string>();
  return text.empty() ? "-" : text;
}

std::string render_position(const Json& drift) {
  const bool reported = is_reported(drift);
  std::string out = (reported ? text_of(drift, "system") + " " + subject_of(drift) : position_of(drift)) + "\n";
  out += "origin:     " + observation_text(drift, member(drift, "origin")) + ", event " +
         text_of(member(drift, "origin"), "event_id") + "\n";
  const Json known_good = drift.value("known_good", Json());
  out += "known good: " +
         (known_good.is_null() ? std::string(reported ? "no report agreed before" : "no count agreed before")
                               : observation_text(drift, known_good)) +
         "\n";
  out += "latest:     " + observation_text(drift, member(drift, "latest")) + "; " +
         text_of(drift, "diverged_observations") + (reported ? " disagreeing report(s)" : " disagreeing count(s)") +
         " since the origin\n";
  std::vector<std::vector<std::string>> candidates;
  for (const Json& candidate : drift.value("candidates", Json::array())) {
    candidates.push_back({text_of(candidate, "score"), text_of(candidate, "kind"), text_of(candidate, "explanation"),
                          evidence_text(candidate.value("evidence", Json::array()))});
  }
  out += "\n";
  out += candidates.empty() ? "no candidate explains it\n"
                            : table({"SCORE", "CANDIDATE", "EXPLANATION", "EVIDENCE"}, candidates);
  // A subject over several locations shows where each event happened.
  const bool several_locations = drift.value("location", "").empty();
  std::vector<std::vector<std::string>> events;
  for (const Json& entry : drift.value("around", Json::array())) {
    const Json arrived = entry.value("arrived_ms", Json());
    events.push_back({utc_time(entry.value("wall_ms", std::int64_t{0})), text_of(entry, "type"), text_of(entry, "qty"),
                      text_of(entry, "delta"), text_of(entry, "balance"), text_of(entry, "device"),
                      text_of(entry, "user"), text_of(entry, "reason"),
                      arrived.is_number_integer() ? utc_time(arrived.get<std::int64_t>()) : "-",
                      text_of(entry, "late_ms"), text_of(entry, "event_id")});
    if (several_locations) events.back().insert(events.back().begin() + 1, text_of(entry.value("location", Json())));
  }
  std::vector<std::string> header{"TIME", "TYPE",   "QTY",     "DELTA",   "BALANCE", "DEVICE",
                                  "USER", "REASON", "ARRIVED", "LATE_MS", "EVENT"};
  if (several_locations) header.insert(header.begin() + 1, "LOCATION");
  out += "\n" + table(header, events);
  return out;
}

std::string render_drift(const Json& body) {
  const Json drifts = body.value("drifts", Json::array());
  const bool reported = body.value("system", "warehouse") != "warehouse";
  if (drifts.empty()) {
    return reported ? "no drift: every subject examined agrees with " + body.value("system", "") + "'s latest report\n"
                    : "no drift: every position examined agrees with its latest count\n";
  }
  if (body.value("scope", "") == "position" || (reported && drifts.size() == 1 && !body.value("sku", "").empty())) {
    return render_position(drifts[0]);
  }
  std::vector<std::vector<std::string>> rows;
  for (const Json& drift : drifts) {
    const Json candidates = drift.value("candidates", Json::array());
    const Json top = candidates.empty() ? Json::object() : candidates[0];
    rows.push_back({subject_of(drift), utc_time(member(drift, "origin").value("time_ms", std::int64_t{0})),
                    signed_text(member(member(drift, "origin"), "variance")), text_of(drift, "diverged_observations"),
                    text_of(top.value("kind", Json())), text_of(top.value("score", Json()))});
  }
  std::string out =
      table({"POSITION", "ORIGIN", "VARIANCE", reported ? "REPORTS" : "COUNTS", "TOP_CANDIDATE", "SCORE"}, rows);
  out += std::to_string(drifts.size()) + " of " + text_of(body, "positions_drifting") + " drifting positions (" +
         text_of(body, "positions_examined") + " examined)" +
         (body.value("truncated", false) ? "; raise --limit for more" : "") + "\n";
  return out;
}

}  // namespace

CommandOutput drift_command(const HubEndpoint& hub, OutputFormat format, const DriftSubject& subject) {
  if (subject.position.empty() == subject.site.empty()) return failed("drift: name a position or --site, not both");
  if (subject.limit < 1 || subject.limit > 1000) return failed("--limit: must be between 1 and 1000");
  std::string target = "/api/v1/drift?site=";
  if (!subject.position.empty()) {
    if (!subject.sku.empty()) return failed("--sku: goes with --site; a position names its SKU");
    auto position = parse_position_text("POSITION", subject.position);
    if (!position) return failed(position.error().describe());
    target += percent_encode(position->site) + "&location=" + percent_encode(position->location) +
              "&sku=" + percent_encode(position->sku);
    if (!position->lot.empty()) target += "&lot=" + percent_encode(position->lot);
  } else {
    if (auto valid = validate_identifier("--site", subject.site); !valid) return failed(valid.error().describe());
    target += subject.site;
    if (!subject.sku.empty()) {
      if (auto valid = validate_code("--sku", subject.sku, limits::kMaxCode); !valid)
        return failed(valid.error().describe());
      target += "&sku=" + percent_encode(subject.sku);
    }
    target += "&limit=" + std::to_string(subject.limit);
  }
  if (!subject.system.empty()) {
    if (auto valid = validate_identifier("--system", subject.system); !valid) return failed(valid.error().describe());
    target += "&system=" + subject.system;
  }
  return show(hub, target, format, render_drift);
}

}  // namespace recount::hub
