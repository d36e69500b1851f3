// `recount-agent gs1`.
#include "agent/cli/gs1_command.hpp"

#include <cstdio>
#include <ostream>

#include <nlohmann/json.hpp>

#include "shared/gs1/ai_table.hpp"
#include "shared/gs1/dates.hpp"
#include "shared/gs1/parser.hpp"

namespace recount::agent {
namespace {

std::optional<std::chrono::year_month_day> parse_iso_date(const std::string& text) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  char rest = 0;
  if (std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &year, &month, &day, &rest) != 3) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
  if (!date.ok()) return std::nullopt;
  return date;
}

nlohmann::ordered_json to_json(const gs1::ElementString& parsed) {
  nlohmann::ordered_json json = {{"symbology_identifier", parsed.symbology_identifier},
                                 {"elements", nlohmann::ordered_json::array()},
                                 {"hri", parsed.hri()},
                                 {"raw", parsed.raw()},
                                 {"dates", nlohmann::ordered_json::object()},
                                 {"fnc1", gs1::to_string(parsed.fnc1)}};
  for (const auto& element : parsed.elements) {
    const auto* definition = gs1::find_ai(element.ai);
    nlohmann::ordered_json entry = {
        {"ai", element.ai}, {"title", definition ? definition->title : ""}, {"value", element.value}};
    if (element.decimal) entry["decimal"] = *element.decimal;
    json["elements"].push_back(entry);
    if (element.date) json["dates"][element.ai] = gs1::iso_date(*element.date);
  }
  const auto add = [&json](const char* key, const std::optional<std::string>& value) {
    if (value) json[key] = *value;
  };
  add("gtin", parsed.gtin());
  add("content_gtin", parsed.content_gtin());
  add("lot", parsed.lot());
  add("serial", parsed.serial());
  add("sscc", parsed.sscc());
  add("expiry", parsed.expiry());
  if (const auto count = parsed.count()) json["count"] = *count;
  add("plain_gtin", parsed.plain_gtin);
  return json;
}

}  // namespace

int print_gs1(const std::string& text, const Gs1CommandOptions& options, std::ostream& out, std::ostream& err) {
  gs1::ParseOptions parse_options;
  parse_options.extra_separators = options.extra_separators;
  if (options.require_identifier) parse_options.identifier = gs1::IdentifierPolicy::kRequired;
  if (options.enforce_pairing) parse_options.pairing = gs1::PairingRules::kEnforce;
  if (!options.today.empty()) {
    parse_options.today = parse_iso_date(options.today);
    if (!parse_options.today) {
      err << "recount-agent gs1: --today must be a date YYYY-MM-DD, not '" << options.today << "'\n";
      return 2;
    }
  }
  const auto parsed = gs1::parse(text, parse_options);
  if (!parsed) {
    err << "recount-agent gs1: " << parsed.error().describe() << '\n';
    return 1;
  }
  out << to_json(*parsed).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << std::endl;
  return 0;
}

}  // namespace recount::agent
