// Tolerance rules, their scopes and the policy document's strict, non-throwing parser.
#include "hub/reconcile/policy.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <tuple>

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
constexpr double kMaxPercent = 1'000'000;  // beyond this a percent limit means nothing

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

}  // namespace

std::string_view to_string(AlertKind kind) {
  return kind == AlertKind::kDiscrepancy ? "discrepancy" : "device_offline";
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
  out.end_object();
  return std::move(out).finish();
}

}  // namespace recount::hub::reconcile
