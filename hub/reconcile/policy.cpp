// Tolerance rules, their scopes and the policy document's strict, non-throwing parser.
#include "hub/reconcile/policy.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"

namespace recount::hub::reconcile {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

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

// Reads one JSON object member by member. The first error sticks and later reads return
// defaults, so a parser is a flat list of reads; done() then refuses members nobody read.
class ObjectReader {
 public:
  ObjectReader(const Json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) fail("", "must be an object");
  }

  const Json* member(const std::string& key) {
    if (error_ || !object_.is_object()) return nullptr;
    read_.push_back(key);
    const auto found = object_.find(key);
    return found == object_.end() ? nullptr : &*found;
  }

  // A non-negative integer up to `maximum`; nullopt when absent.
  std::optional<std::int64_t> count(const std::string& key, std::int64_t maximum = kMaxInt) {
    const Json* value = member(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number_unsigned() || value->get<std::uint64_t>() > static_cast<std::uint64_t>(maximum)) {
      fail(key, "must be an integer from 0 to " + std::to_string(maximum));
      return std::nullopt;
    }
    return static_cast<std::int64_t>(value->get<std::uint64_t>());
  }

  // A percentage with at most two decimals, in hundredths of a percent; nullopt when absent.
  std::optional<std::int64_t> percent(const std::string& key) {
    const Json* value = member(key);
    if (value == nullptr) return std::nullopt;
    const double percent = value->is_number() ? value->get<double>() : -1;
    const double hundredths = std::round(percent * 100);
    if (percent < 0 || percent > kMaxPercent || std::abs(percent * 100 - hundredths) > 1e-6) {
      fail(key, "must be a number from 0 to 1000000 with at most two decimals");
      return std::nullopt;
    }
    return static_cast<std::int64_t>(hundredths);
  }

  // A code (validate_code) or "" when absent.
  std::string code(const std::string& key) {
    const Json* value = member(key);
    if (value == nullptr) return {};
    if (!value->is_string()) {
      fail(key, "must be a string");
      return {};
    }
    std::string text = value->get<std::string>();
    if (auto valid = validate_code(key, text, limits::kMaxCode); !valid) fail(key, valid.error().message);
    return text;
  }

  void fail(const std::string& key, std::string message) {
    if (error_) return;
    std::string field = path_;
    if (!key.empty()) field += (field.empty() ? "" : ".") + key;
    error_ = invalid(std::move(field), std::move(message));
  }
  void fail(Error error) {
    if (!error_) error_ = std::move(error);
  }

  // The first error, including a member that no read asked for.
  std::optional<Error> done() {
    if (!error_ && object_.is_object()) {
      for (const auto& [key, value] : object_.items()) {
        if (std::find(read_.begin(), read_.end(), key) == read_.end()) fail(key, "is not a member of this object");
      }
    }
    return error_;
  }

  const std::string& path() const { return path_; }

 private:
  const Json& object_;
  std::string path_;
  std::vector<std::string> read_;
  std::optional<Error> error_;
};

std::string element_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

Limits read_limits(ObjectReader& parent, const std::string& key) {
  const Json* value = parent.member(key);
  if (value == nullptr) {
    parent.fail(key, "is required (an empty object accepts any variance on this side)");
    return {};
  }
  ObjectReader reader(*value, parent.path().empty() ? key : parent.path() + "." + key);
  Limits limits{reader.count("units"), reader.percent("percent"), reader.count("value_cents")};
  if (auto error = reader.done()) parent.fail(*error);
  return limits;
}

Scope read_scope(ObjectReader& parent) {
  const Json* value = parent.member("scope");
  if (value == nullptr) return {};
  ObjectReader reader(*value, parent.path() + ".scope");
  Scope scope{reader.code("site"), reader.code("location_class"), reader.code("item_class"), reader.code("sku")};
  if (!scope.site.empty()) {
    if (auto valid = validate_identifier("site", scope.site); !valid) reader.fail("site", valid.error().message);
  }
  if (auto error = reader.done()) parent.fail(*error);
  return scope;
}

Result<ToleranceRule> read_rule(const Json& json, const std::string& path) {
  ObjectReader reader(json, path);
  ToleranceRule rule{read_scope(reader), read_limits(reader, "shortage"), read_limits(reader, "overage")};
  if (auto error = reader.done()) return *error;
  return rule;
}

OrderedJson encode_limits(const Limits& limits) {
  OrderedJson json = OrderedJson::object();
  if (limits.units) json["units"] = *limits.units;
  if (limits.percent_bp) {
    if (*limits.percent_bp % 100 == 0) {
      json["percent"] = *limits.percent_bp / 100;
    } else {
      json["percent"] = static_cast<double>(*limits.percent_bp) / 100.0;
    }
  }
  if (limits.value_cents) json["value_cents"] = *limits.value_cents;
  return json;
}

OrderedJson encode_scope(const Scope& scope) {
  OrderedJson json = OrderedJson::object();
  const std::pair<const char*, const std::string*> members[] = {{"site", &scope.site},
                                                                {"location_class", &scope.location_class},
                                                                {"item_class", &scope.item_class},
                                                                {"sku", &scope.sku}};
  for (const auto& [key, value] : members) {
    if (!value->empty()) json[key] = *value;
  }
  return json;
}

}  // namespace

bool Scope::matches(const Subject& subject) const {
  return (site.empty() || site == subject.site) &&
         (location_class.empty() || location_class == subject.location_class) &&
         (item_class.empty() || item_class == subject.item_class) && (sku.empty() || sku == subject.sku);
}

int Scope::specificity() const {
  return (sku.empty() ? 0 : 8) | (item_class.empty() ? 0 : 4) | (location_class.empty() ? 0 : 2) |
         (site.empty() ? 0 : 1);
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
  const Json json = Json::parse(text, nullptr, false);
  if (json.is_discarded()) return invalid("", "is not valid JSON");
  ObjectReader reader(json, "");
  Policy policy;
  policy.ambiguity_window_ms = reader.count("ambiguity_window_ms", kDayMs).value_or(policy.ambiguity_window_ms);
  policy.settle_delay_ms = reader.count("settle_delay_ms", kDayMs).value_or(policy.settle_delay_ms);
  policy.max_recount_rounds =
      static_cast<std::uint32_t>(reader.count("max_recount_rounds", kMaxRounds).value_or(policy.max_recount_rounds));
  policy.approval_limit_cents = reader.count("approval_limit_cents").value_or(policy.approval_limit_cents);
  if (const Json* rules = reader.member("tolerances"); rules != nullptr) {
    if (!rules->is_array()) reader.fail("tolerances", "must be an array");
    std::map<std::tuple<std::string, std::string, std::string, std::string>, std::size_t> seen;
    for (std::size_t i = 0; rules->is_array() && i < rules->size(); ++i) {
      auto rule = read_rule((*rules)[i], element_path("tolerances", i));
      if (!rule) return rule.error();
      const Scope& scope = rule->scope;
      const auto key = std::tuple{scope.site, scope.location_class, scope.item_class, scope.sku};
      if (const auto [at, fresh] = seen.emplace(key, i); !fresh) {
        return invalid(element_path("tolerances", i) + ".scope",
                       "is the same scope as tolerances[" + std::to_string(at->second) + "]");
      }
      policy.tolerances.push_back(std::move(*rule));
    }
  }
  if (auto error = reader.done()) return *error;
  return policy;
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
  OrderedJson json = {{"ambiguity_window_ms", policy.ambiguity_window_ms},
                      {"settle_delay_ms", policy.settle_delay_ms},
                      {"max_recount_rounds", policy.max_recount_rounds},
                      {"approval_limit_cents", policy.approval_limit_cents},
                      {"tolerances", OrderedJson::array()}};
  for (const auto& rule : policy.tolerances) {
    json["tolerances"].push_back({{"scope", encode_scope(rule.scope)},
                                  {"shortage", encode_limits(rule.shortage)},
                                  {"overage", encode_limits(rule.overage)}});
  }
  return json.dump(2, ' ', false, OrderedJson::error_handler_t::replace);
}

}  // namespace recount::hub::reconcile
