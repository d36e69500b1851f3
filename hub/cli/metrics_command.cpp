// recountctl metrics.
#include "hub/cli/metrics_command.hpp"

#include <array>
#include <cstdio>
#include <tuple>

#include "shared/core/iso_time.hpp"
#include "shared/domain/identifiers.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// "12.50%" from a share.
std::string percent_text(const Json& share) {
  if (!share.is_number()) return "-";
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.2f%%", share.get<double>() * 100);
  return text.data();
}

std::string render_metrics(const Json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& site : body.value("sites", Json::array())) {
    const Json resolution = site.value("mean_resolution_ms", Json());
    rows.push_back({text_of(site, "site"), text_of(site, "counts"), text_of(site, "exact"),
                    text_of(site, "within_tolerance"), text_of(site, "ambiguous"), text_of(site, "out_of_tolerance"),
                    percent_text(member(site, "variance_rate")), text_of(site, "discrepancies_opened"),
                    text_of(site, "discrepancies_closed"), money_text(member(site, "write_off_cents")),
                    money_text(member(site, "found_cents")),
                    resolution.is_number_integer() ? duration_text(resolution.get<std::int64_t>()) : "-"});
  }
  if (rows.empty()) return "no counts or discrepancies in that time\n";
  return table({"SITE", "COUNTS", "EXACT", "WITHIN", "AMBIGUOUS", "OUT", "VARIANCE_RATE", "OPENED", "CLOSED",
                "WRITTEN_OFF", "FOUND", "MEAN_RESOLUTION"},
               rows);
}

}  // namespace

std::string duration_text(std::int64_t ms) {
  constexpr std::int64_t kSecond = 1000;
  constexpr std::int64_t kMinute = 60 * kSecond;
  constexpr std::int64_t kHour = 60 * kMinute;
  constexpr std::int64_t kDay = 24 * kHour;
  const auto two = [](std::int64_t value) { return std::to_string(100 + value).substr(1); };
  if (ms < kSecond) return std::to_string(ms) + "ms";
  if (ms < kMinute) return std::to_string(ms / kSecond) + "." + std::to_string(ms % kSecond / 100) + "s";
  if (ms < kHour) return std::to_string(ms / kMinute) + "m" + two(ms % kMinute / kSecond) + "s";
  if (ms < kDay) return std::to_string(ms / kHour) + "h" + two(ms % kHour / kMinute) + "m";
  return std::to_string(ms / kDay) + "d" + two(ms % kDay / kHour) + "h";
}

CommandOutput metrics_command(const HubEndpoint& hub, OutputFormat format, const std::string& site,
                              const std::string& from, const std::string& to) {
  std::string query;
  if (!site.empty()) {
    // Identifiers are letters, digits, '-' and '_': checked, they need no escaping in a URL.
    if (auto valid = validate_identifier("--site", site); !valid) return failed(valid.error().describe());
    query += "&site=" + site;
  }
  for (const auto& [name, flag, text] : {std::tuple{"from", "--from", &from}, std::tuple{"to", "--to", &to}}) {
    if (text->empty()) continue;
    auto ms = parse_iso8601_ms(flag, *text);
    if (!ms) return failed(ms.error().describe());
    query += std::string("&") + name + "=" + std::to_string(*ms);
  }
  if (!query.empty()) query[0] = '?';
  return show(hub, "/api/v1/metrics" + query, format, render_metrics);
}

}  // namespace recount::hub
