// Tolerance rules, their scopes and the policy document's strict, non-throwing parser.
#include "hub/reconcile/policy.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <tuple>
#include <unordered_set>

#include "hub/reconcile/discrepancy.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"
#include "shared/protocol/json_reader.hpp"
#include "shared/protocol/json_writer.hpp"

namespace recount::hub::reconcile {
namespace {

using protocol::JsonDocument;
using protocol::JsonReader;
using protocol::JsonValue;
using protocol::JsonWriter;
using protocol::UnknownMembers;

constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
constexpr std::uint32_t kMaxRounds = 100;
constexpr double kMaxPercent = 1'000'000;     // beyond this a percent limit means nothing
constexpr std::int64_t kMaxEveryDays = 3660;  // ten years: a longer period is no program
constexpr std::size_t kMaxPlans = 100;
constexpr std::size_t kMaxPlanList = 1000;  // sites or location classes one plan names
constexpr std::string_view kDateFormat = "must be a date as YYYY-MM-DD";

const std::pair<AbcClass, std::string_view> kAbcNames[] = {
    {AbcClass::kA, "A"}, {AbcClass::kB, "B"}, {AbcClass::kC, "C"}};

std::int64_t saturating_product(std::int64_t a, std::int64_t b) {
  std::int64_t product = 0;
  return __builtin_mul_overflow(a, b, &product) ? kMaxInt : product;
}

std::int64_t magnitude(std::int64_t value) {
  return value == std::numeric_limits<std::int64_t>::min() ? kMaxInt : std::abs(value);
}

// Members are read with protocol::JsonReader refusing unknown members: a misspelt limit must not
// silently mean "no limit".

// A non-negative integer up to `maximum`; nullopt when absent.
std::optional<std::int64_t> count(JsonReader& in, std::string_view key, std::int64_t maximum = kMaxInt) {
  const std::optional<JsonValue> value = in.find(key, Presence::kOptional);
  if (!value) return std::nullopt;
  if (value->kind() != JsonValue::Kind::kUnsigned || value->unsigned_integer() > static_cast<std::uint64_t>(maximum)) {
    in.fail(key, "must be an integer from 0 to " + std::to_string(maximum));
    return std::nullopt;
  }
  return static_cast<std::int64_t>(value->unsigned_integer());
}

double number_of(JsonValue value) {
  switch (value.kind()) {
    case JsonValue::Kind::kUnsigned: return static_cast<double>(value.unsigned_integer());
    case JsonValue::Kind::kSigned: return static_cast<double>(value.signed_integer());
    case JsonValue::Kind::kFloat: return value.floating();
    default: return -1;  // not a number: out of range, refused as such
  }
}

// A percentage with at most two decimals, in hundredths of a percent; nullopt when absent.
std::optional<std::int64_t> percent(JsonReader& in, std::string_view key) {
  const std::optional<JsonValue> value = in.find(key, Presence::kOptional);
  if (!value) return std::nullopt;
  const double percent = number_of(*value);
  const double hundredths = std::round(percent * 100);
  if (percent < 0 || percent > kMaxPercent || std::abs(percent * 100 - hundredths) > 1e-6) {
    in.fail(key, "must be a number from 0 to 1000000 with at most two decimals");
    return std::nullopt;
  }
  return static_cast<std::int64_t>(hundredths);
}

// A code (validate_code) or "" when absent; present, it may not be empty.
std::string scope_code(JsonReader& in, std::string_view key) {
  if (!in.find(key, Presence::kOptional)) return {};
  return in.code(key, limits::kMaxCode, Presence::kRequired);
}

Limits read_limits(JsonReader& rule, std::string_view key) {
  if (rule.ok() && !rule.find(key, Presence::kOptional)) {
    rule.fail(key, "is required (an empty object accepts any variance on this side)");
    return {};
  }
  return rule
      .object(key, Presence::kRequired,
              [](JsonReader& in) {
                return Limits{count(in, "units"), percent(in, "percent"), count(in, "value_cents")};
              })
      .value_or(Limits{});
}

Scope read_scope(JsonReader& rule) {
  return rule
      .object("scope", Presence::kOptional,
              [](JsonReader& in) {
                Scope scope{scope_code(in, "site"), scope_code(in, "location_class"), scope_code(in, "item_class"),
                            scope_code(in, "sku"), scope_code(in, "system")};
                if (in.ok() && !scope.site.empty()) {
                  if (auto valid = validate_identifier("site", scope.site); !valid)
                    in.fail(valid.error().within(in.path()));
                }
                if (in.ok() && !scope.system.empty()) {
                  if (auto valid = validate_identifier("system", scope.system); !valid)
                    in.fail(valid.error().within(in.path()));
                }
                return scope;
              })
      .value_or(Scope{});
}

ToleranceRule read_rule(JsonReader& in) {
  Scope scope = read_scope(in);
  Limits shortage = read_limits(in, "shortage");
  return ToleranceRule{std::move(scope), shortage, read_limits(in, "overage")};
}

// A list of distinct codes that `valid` accepts (each element's error names it); empty when absent.
template <typename Valid>
std::vector<std::string> codes(JsonReader& in, std::string_view key, Valid valid) {
  std::vector<std::string> out;
  const std::optional<JsonValue> array = in.list(key, 1000, Presence::kOptional);
  if (!array) return out;
  std::size_t i = 0;
  array->for_each_element([&](JsonValue value) {
    const std::string element = std::string(key) + "[" + std::to_string(i++) + "]";
    if (!value.is_string()) {
      in.fail(element, "must be a string");
      return false;
    }
    std::string code(value.string());
    if (const std::string problem = valid(code); !problem.empty()) {
      in.fail(element, problem);
      return false;
    }
    out.push_back(std::move(code));
    return true;
  });
  return out;
}

std::string valid_identifier(const std::string& code) {
  auto valid = validate_identifier("", code);
  return valid ? std::string() : "is not a site or system name (letters, digits, '-' and '_')";
}

AlertChannels read_channels(JsonReader& rule) {
  AlertChannels channels;
  rule.objects("channels", [&](JsonReader& in) {
    const std::string type = in.text("type", Presence::kRequired);
    if (!in.ok()) return 0;
    if (type == "webhook") {
      channels.webhook = true;
    } else if (type == "mqtt") {
      channels.mqtt = true;
    } else if (type == "email") {
      const std::string to = in.text("to", Presence::kRequired);
      // One address, no spaces or line breaks: it goes into a mail header.
      if (in.ok() && (to.find('@') == std::string::npos || to.find_first_of(" \t\r\n,<>") != std::string::npos ||
                      to.size() > 254)) {
        in.fail("to", "must be one e-mail address");
      }
      channels.email.push_back(to);
    } else {
      in.fail("type", "must be webhook, mqtt or email (got '" + type + "')");
    }
    return 0;
  });
  if (rule.ok() && !channels.webhook && !channels.mqtt && channels.email.empty()) {
    rule.fail("channels", "must name at least one channel");
  }
  return channels;
}

AlertRule read_alert(JsonReader& in) {
  AlertRule rule;
  rule.name = in.code("name", limits::kMaxCode, Presence::kRequired);
  const std::string kind = in.text("kind", Presence::kRequired);
  if (in.ok() && kind == "device_offline") {
    rule.kind = AlertKind::kDeviceOffline;
  } else if (in.ok() && kind != "discrepancy") {
    in.fail("kind", "must be discrepancy or device_offline (got '" + kind + "')");
  }
  rule.sites = codes(in, "sites", valid_identifier);
  if (rule.kind == AlertKind::kDiscrepancy) {
    rule.systems = codes(in, "systems", valid_identifier);
    rule.classifications = codes(in, "classifications", [](const std::string& name) {
      return parse_classification(name) ? std::string() : "is not a classification";
    });
    rule.states = codes(in, "states", [](const std::string& name) {
      return parse_discrepancy_state(name) ? std::string() : "is not a discrepancy state";
    });
    rule.value_over_cents = count(in, "value_over_cents");
    rule.in_state_for_ms = count(in, "in_state_for_ms");
  } else {
    rule.offline_for_ms = count(in, "offline_for_ms").value_or(0);
    rule.min_backlog = static_cast<std::uint64_t>(count(in, "min_backlog").value_or(0));
  }
  rule.channels = read_channels(in);
  return rule;
}

void write_codes(JsonWriter& out, std::string_view key, const std::vector<std::string>& codes) {
  if (codes.empty()) return;
  out.key(key);
  out.begin_array();
  for (const auto& code : codes) out.string(code);
  out.end_array();
}

void write_alert(JsonWriter& out, const AlertRule& rule) {
  out.field("name", rule.name);
  out.field("kind", to_string(rule.kind));
  write_codes(out, "sites", rule.sites);
  if (rule.kind == AlertKind::kDiscrepancy) {
    write_codes(out, "systems", rule.systems);
    write_codes(out, "classifications", rule.classifications);
    write_codes(out, "states", rule.states);
    if (rule.value_over_cents) out.field("value_over_cents", *rule.value_over_cents);
    if (rule.in_state_for_ms) out.field("in_state_for_ms", *rule.in_state_for_ms);
  } else {
    out.field("offline_for_ms", rule.offline_for_ms);
    out.field("min_backlog", static_cast<std::int64_t>(rule.min_backlog));
  }
  out.key("channels");
  out.begin_array();
  const auto channel = [&](std::string_view type) {
    out.begin_object();
    out.field("type", type);
  };
  if (rule.channels.webhook) {
    channel("webhook");
    out.end_object();
  }
  if (rule.channels.mqtt) {
    channel("mqtt");
    out.end_object();
  }
  for (const auto& to : rule.channels.email) {
    channel("email");
    out.field("to", to);
    out.end_object();
  }
  out.end_array();
}

void write_limits(JsonWriter& out, std::string_view key, const Limits& limits) {
  out.key(key);
  out.begin_object();
  if (limits.units) out.field("units", *limits.units);
  if (limits.percent_bp) {
    out.key("percent");
    if (*limits.percent_bp % 100 == 0) {
      out.integer(*limits.percent_bp / 100);
    } else {
      out.number(static_cast<double>(*limits.percent_bp) / 100.0);
    }
  }
  if (limits.value_cents) out.field("value_cents", *limits.value_cents);
  out.end_object();
}

void write_scope(JsonWriter& out, const Scope& scope) {
  out.key("scope");
  out.begin_object();
  out.optional("site", scope.site);
  out.optional("location_class", scope.location_class);
  out.optional("item_class", scope.item_class);
  out.optional("sku", scope.sku);
  out.optional("system", scope.system);
  out.end_object();
}

// Each string of the array at `key` passed through read(JsonReader&, element name, text) ->
// optional<T>; an absent array reads as empty, a present one may not be.
template <typename T, typename Read>
std::vector<T> string_list(JsonReader& in, std::string_view key, Read read) {
  std::vector<T> out;
  const std::optional<JsonValue> array = in.list(key, kMaxPlanList, Presence::kOptional);
  if (!array) return out;
  if (array->size() == 0) {
    in.fail(key, "may not be empty (leave it out to mean every one)");
    return out;
  }
  std::unordered_set<std::string> seen;
  std::size_t i = 0;
  array->for_each_element([&](JsonValue element) {
    const std::string name = std::string(key) + "[" + std::to_string(i++) + "]";
    if (!element.is_string()) {
      in.fail(name, "must be a string");
      return false;
    }
    std::optional<T> value = read(in, name, element.string());
    if (!value) return false;
    if (!seen.insert(std::string(element.string())).second) {
      in.fail(name, "repeats an earlier element");
      return false;
    }
    out.push_back(std::move(*value));
    return true;
  });
  return out;
}

std::optional<std::string> checked_code(JsonReader& in, const std::string& name, std::string_view text,
                                        bool identifier) {
  auto valid = identifier ? validate_identifier(name, text) : validate_code(name, text, limits::kMaxCode);
  if (!valid) {
    in.fail(valid.error().within(in.path()));
    return std::nullopt;
  }
  return std::string(text);
}

// UTC midnight of a YYYY-MM-DD date, in ms; nullopt when the text is not a real date.
std::optional<std::int64_t> date_ms(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9')) return std::nullopt;
  }
  year = std::stoi(std::string(text.substr(0, 4)));
  month = static_cast<unsigned>(std::stoi(std::string(text.substr(5, 2))));
  day = static_cast<unsigned>(std::stoi(std::string(text.substr(8, 2))));
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  if (!date.ok() || year < 1970) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::sys_days{date}.time_since_epoch()).count();
}

std::string date_text(std::int64_t ms) {
  const std::chrono::year_month_day date{std::chrono::floor<std::chrono::days>(
      std::chrono::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{ms}})};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()));
  return text;
}

CountPlan read_plan(JsonReader& in) {
  CountPlan plan;
  plan.name = in.code("name", limits::kMaxCode, Presence::kRequired);
  plan.sites =
      string_list<std::string>(in, "sites", [](JsonReader& reader, const std::string& name, std::string_view text) {
        return checked_code(reader, name, text, true);
      });
  plan.abc = string_list<AbcClass>(in, "abc", [](JsonReader& reader, const std::string& name, std::string_view text) {
    for (const auto& [abc, abc_name] : kAbcNames) {
      if (abc_name == text) return std::optional<AbcClass>(abc);
    }
    reader.fail(name, "must be \"A\", \"B\" or \"C\"");
    return std::optional<AbcClass>();
  });
  plan.location_classes = string_list<std::string>(
      in, "location_classes", [](JsonReader& reader, const std::string& name, std::string_view text) {
        return checked_code(reader, name, text, false);
      });
  if (in.ok() && plan.abc.empty() && plan.location_classes.empty()) {
    in.fail("abc", "or location_classes is required: a plan selects positions by one or both");
  }
  plan.every_days = in.integer<std::int64_t>("every_days", 1, kMaxEveryDays);
  plan.owner = in.text("owner", Presence::kRequired);
  if (in.ok() && (plan.owner.empty() || plan.owner.size() > limits::kMaxCode)) {
    in.fail("owner", "must be a person or a role of 1 to " + std::to_string(limits::kMaxCode) + " bytes");
  }
  const std::string start = in.text("start", Presence::kRequired);
  if (in.ok()) {
    if (auto ms = date_ms(start)) {
      plan.start_ms = *ms;
    } else {
      in.fail("start", std::string(kDateFormat));
    }
  }
  return plan;
}

AbcThresholds read_abc(JsonReader& in) {
  AbcThresholds abc;
  abc.a_percent = count(in, "a_percent", 100).value_or(abc.a_percent);
  abc.b_percent = count(in, "b_percent", 100).value_or(abc.b_percent);
  if (in.ok() && abc.a_percent + abc.b_percent > 100) {
    in.fail("b_percent", "plus a_percent may not exceed 100");
  }
  return abc;
}

}  // namespace

std::string_view to_string(AlertKind kind) {
  return kind == AlertKind::kDiscrepancy ? "discrepancy" : "device_offline";
}

std::string_view to_string(AbcClass abc) {
  for (const auto& [value, name] : kAbcNames) {
    if (value == abc) return name;
  }
  return "";
}

bool Scope::matches(const Subject& subject) const {
  return (site.empty() || site == subject.site) &&
         (location_class.empty() || location_class == subject.location_class) &&
         (item_class.empty() || item_class == subject.item_class) && (sku.empty() || sku == subject.sku) &&
         (system.empty() || system == subject.system);
}

int Scope::specificity() const {
  return (system.empty() ? 0 : 16) | (sku.empty() ? 0 : 8) | (item_class.empty() ? 0 : 4) |
         (location_class.empty() ? 0 : 2) | (site.empty() ? 0 : 1);
}

const ToleranceRule* Policy::rule_for(const Subject& subject) const {
  const ToleranceRule* best = nullptr;
  for (const auto& rule : tolerances) {
    if (rule.scope.matches(subject) && (best == nullptr || rule.scope.specificity() > best->scope.specificity())) {
      best = &rule;
    }
  }
  return best;
}

bool Policy::within_tolerance(const Subject& subject, std::int64_t variance, std::int64_t base,
                              std::int64_t unit_cost_cents) const {
  if (variance == 0) return true;
  const ToleranceRule* rule = rule_for(subject);
  if (rule == nullptr) return false;
  return within(variance < 0 ? rule->shortage : rule->overage, variance, base, unit_cost_cents);
}

bool within(const Limits& limits, std::int64_t variance, std::int64_t base, std::int64_t unit_cost_cents) {
  const std::int64_t units = magnitude(variance);
  if (limits.units && units > *limits.units) return false;
  // |v| / |base| ≤ bp / 10000, kept in integers; a base of 0 allows only v = 0.
  if (limits.percent_bp &&
      saturating_product(units, 10'000) > saturating_product(*limits.percent_bp, magnitude(base))) {
    return false;
  }
  if (limits.value_cents && saturating_product(units, unit_cost_cents) > *limits.value_cents) return false;
  return true;
}

Result<Policy> parse_policy(std::string_view text) {
  const Result<JsonDocument> document = JsonDocument::parse(text);
  if (!document) return invalid("", "is not valid JSON");
  if (!document->root().is_object()) return invalid("", "must be an object");
  JsonReader in(document->root(), UnknownMembers::kRefuse);
  Policy policy;
  policy.ambiguity_window_ms = count(in, "ambiguity_window_ms", kDayMs).value_or(policy.ambiguity_window_ms);
  policy.settle_delay_ms = count(in, "settle_delay_ms", kDayMs).value_or(policy.settle_delay_ms);
  policy.max_recount_rounds =
      static_cast<std::uint32_t>(count(in, "max_recount_rounds", kMaxRounds).value_or(policy.max_recount_rounds));
  policy.approval_limit_cents = count(in, "approval_limit_cents").value_or(policy.approval_limit_cents);
  std::map<std::tuple<std::string, std::string, std::string, std::string, std::string>, std::size_t> seen;
  policy.tolerances = in.objects(
      "tolerances",
      [&](JsonReader& element) {
        ToleranceRule rule = read_rule(element);
        const Scope& scope = rule.scope;
        const auto key = std::tuple{scope.site, scope.location_class, scope.item_class, scope.sku, scope.system};
        if (const auto [at, fresh] = seen.emplace(key, seen.size()); element.ok() && !fresh) {
          element.fail("scope", "is the same scope as tolerances[" + std::to_string(at->second) + "]");
        }
        return rule;
      },
      std::numeric_limits<std::size_t>::max(), Presence::kOptional);
  std::map<std::string, std::size_t> names;
  policy.alerts = in.objects(
      "alerts",
      [&](JsonReader& element) {
        AlertRule rule = read_alert(element);
        if (const auto [at, fresh] = names.emplace(rule.name, names.size()); element.ok() && !fresh) {
          element.fail("name", "is the name of alerts[" + std::to_string(at->second) + "] too");
        }
        return rule;
      },
      std::numeric_limits<std::size_t>::max(), Presence::kOptional);
  policy.abc = in.object("abc", Presence::kOptional, read_abc).value_or(policy.abc);
  std::unordered_set<std::string> plan_names;
  policy.plans = in.objects(
      "plans",
      [&](JsonReader& element) {
        CountPlan plan = read_plan(element);
        element.distinct("name", plan.name, plan_names);
        return plan;
      },
      kMaxPlans, Presence::kOptional);
  return in.finish(std::move(policy));
}

Result<Policy> load_policy_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::error_code ignored;
    const bool exists = std::filesystem::exists(file, ignored);
    return Error{exists ? ErrorCode::kIo : ErrorCode::kNotFound, "", "cannot read the policy file " + file.string()};
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto policy = parse_policy(text.str());
  if (!policy) {
    Error error = policy.error();
    error.message += " (in " + file.string() + ")";
    return error;
  }
  return policy;
}

std::string encode_policy(const Policy& policy) {
  JsonWriter out;
  out.begin_object();
  out.field("ambiguity_window_ms", policy.ambiguity_window_ms);
  out.field("settle_delay_ms", policy.settle_delay_ms);
  out.field("max_recount_rounds", policy.max_recount_rounds);
  out.field("approval_limit_cents", policy.approval_limit_cents);
  out.objects("tolerances", policy.tolerances, [](JsonWriter& rule, const ToleranceRule& tolerance) {
    write_scope(rule, tolerance.scope);
    write_limits(rule, "shortage", tolerance.shortage);
    write_limits(rule, "overage", tolerance.overage);
  });
  // Absent when empty, so a policy without alerts reads as it did before alerts existed.
  if (!policy.alerts.empty()) out.objects("alerts", policy.alerts, write_alert);
  out.key("abc");
  out.begin_object();
  out.field("a_percent", policy.abc.a_percent);
  out.field("b_percent", policy.abc.b_percent);
  out.end_object();
  out.objects("plans", policy.plans, [](JsonWriter& plan_out, const CountPlan& plan) {
    plan_out.field("name", plan.name);
    const auto strings = [&](std::string_view key, const auto& values, auto name_of) {
      if (values.empty()) return;
      plan_out.key(key);
      plan_out.begin_array();
      for (const auto& value : values) plan_out.string(name_of(value));
      plan_out.end_array();
    };
    const auto same = [](const std::string& text) -> std::string_view { return text; };
    strings("sites", plan.sites, same);
    strings("abc", plan.abc, [](AbcClass abc) { return to_string(abc); });
    strings("location_classes", plan.location_classes, same);
    plan_out.field("every_days", plan.every_days);
    plan_out.field("owner", plan.owner);
    plan_out.field("start", date_text(plan.start_ms));
  });
  out.end_object();
  return std::move(out).finish();
}

}  // namespace recount::hub::reconcile
