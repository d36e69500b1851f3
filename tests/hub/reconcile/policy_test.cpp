// Tolerance policy: the document's format and its refusals, limits on each side, and which rule
// a count falls under.
#include "hub/reconcile/policy.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "tests/support/process.hpp"

namespace recount::hub::reconcile {
namespace {

constexpr std::string_view kDocument = R"({
  "ambiguity_window_ms": 90000,
  "settle_delay_ms": 15000,
  "max_recount_rounds": 3,
  "approval_limit_cents": 20000,
  "tolerances": [
    {"shortage": {"units": 1}, "overage": {"units": 2}},
    {"scope": {"site": "s1"}, "shortage": {"units": 3}, "overage": {}},
    {"scope": {"location_class": "dock"}, "shortage": {"percent": 2.5}, "overage": {"percent": 10}},
    {"scope": {"item_class": "electronics"}, "shortage": {"value_cents": 0}, "overage": {"value_cents": 0}},
    {"scope": {"sku": "SKU-A"}, "shortage": {"units": 5, "percent": 10, "value_cents": 2000}, "overage": {"units": 5}},
    {"scope": {"site": "s1", "sku": "SKU-A"}, "shortage": {"units": 6}, "overage": {"units": 6}}
  ]
})";

Policy parsed(std::string_view json) {
  auto policy = parse_policy(json);
  REQUIRE_MESSAGE(policy.has_value(), (policy ? "" : policy.error().describe()));
  return *policy;
}

// A document parse_policy() must refuse, and the member its error must name.
struct Refusal {
  std::string json;
  std::string field;
};

template <std::size_t N>
void check_refused(const Refusal (&cases)[N]) {
  for (const Refusal& test : cases) {
    CAPTURE(test.json);
    const auto policy = parse_policy(test.json);
    REQUIRE_FALSE(policy.has_value());
    CHECK(policy.error().code == ErrorCode::kInvalidInput);
    CHECK(policy.error().field == test.field);
  }
}

TEST_CASE("reconcile policy: a full document parses, and encoding it gives the same policy back") {
  const Policy policy = parsed(kDocument);
  CHECK(policy.ambiguity_window_ms == 90'000);
  CHECK(policy.settle_delay_ms == 15'000);
  CHECK(policy.max_recount_rounds == 3);
  CHECK(policy.approval_limit_cents == 20'000);
  REQUIRE(policy.tolerances.size() == 6);
  CHECK(policy.tolerances[2].shortage == Limits{std::nullopt, 250, std::nullopt});
  CHECK(policy.tolerances[4].shortage == Limits{5, 1000, 2000});
  CHECK(policy.tolerances[1].overage == Limits{});
  CHECK(parsed(encode_policy(policy)) == policy);
}

TEST_CASE("reconcile policy: an empty document is the default policy, with zero tolerance") {
  const Policy policy = parsed("{}");
  CHECK(policy == Policy{});
  CHECK(policy.tolerances.empty());
  CHECK(policy.within_tolerance(Subject{"s1", "", "", "SKU-A"}, 0, 10, 100));
  CHECK_FALSE(policy.within_tolerance(Subject{"s1", "", "", "SKU-A"}, -1, 10, 100));
}

TEST_CASE("reconcile policy: a document that breaks a rule is refused, naming the member") {
  const Refusal cases[] = {
      {"{\"ambiguity_window_ms\": 1", ""},
      {"[]", ""},
      {R"({"tolerence": []})", "tolerence"},
      {R"({"ambiguity_window_ms": -1})", "ambiguity_window_ms"},
      {R"({"ambiguity_window_ms": 86400001})", "ambiguity_window_ms"},
      {R"({"settle_delay_ms": 1.5})", "settle_delay_ms"},
      {R"({"max_recount_rounds": 101})", "max_recount_rounds"},
      {R"({"approval_limit_cents": "100"})", "approval_limit_cents"},
      {R"({"tolerances": {}})", "tolerances"},
      {R"({"tolerances": [7]})", "tolerances[0]"},
      {R"({"tolerances": [{"shortage": {}}]})", "tolerances[0].overage"},
      {R"({"tolerances": [{"shortage": {"units": -1}, "overage": {}}]})", "tolerances[0].shortage.units"},
      {R"({"tolerances": [{"shortage": {"percent": 2.555}, "overage": {}}]})", "tolerances[0].shortage.percent"},
      {R"({"tolerances": [{"shortage": {"percent": "5"}, "overage": {}}]})", "tolerances[0].shortage.percent"},
      {R"({"tolerances": [{"shortage": {}, "overage": {"value": 5}}]})", "tolerances[0].overage.value"},
      {R"({"tolerances": [{"scope": {"aisle": "7"}, "shortage": {}, "overage": {}}]})", "tolerances[0].scope.aisle"},
      {R"({"tolerances": [{"scope": {"site": "a/b"}, "shortage": {}, "overage": {}}]})", "tolerances[0].scope.site"},
      {R"({"tolerances": [{"scope": {"sku": ""}, "shortage": {}, "overage": {}}]})", "tolerances[0].scope.sku"},
      {R"({"tolerances": [{"scope": {"sku": "X"}, "shortage": {}, "overage": {}},)"
       R"( {"scope": {"sku": "X"}, "shortage": {"units": 1}, "overage": {}}]})",
       "tolerances[1].scope"},
  };
  check_refused(cases);
}

TEST_CASE("reconcile policy: count plans parse with their selection, frequency, owner and start, and encode back") {
  const Policy policy = parsed(R"({
    "abc": {"a_percent": 70, "b_percent": 20},
    "plans": [
      {"name": "a-monthly", "abc": ["A"], "every_days": 30, "owner": "team-lead", "start": "2026-01-01"},
      {"name": "pick-faces", "sites": ["s1", "s2"], "location_classes": ["pick"], "abc": ["B", "C"],
       "every_days": 7, "owner": "Dana", "start": "2026-02-28"}
    ]})");
  CHECK(policy.abc == AbcThresholds{70, 20});
  REQUIRE(policy.plans.size() == 2);
  const CountPlan& faces = policy.plans[1];
  CHECK(faces.name == "pick-faces");
  CHECK(faces.sites == std::vector<std::string>{"s1", "s2"});
  CHECK(faces.abc == std::vector<AbcClass>{AbcClass::kB, AbcClass::kC});
  CHECK(faces.location_classes == std::vector<std::string>{"pick"});
  CHECK(faces.every_days == 7);
  CHECK(faces.owner == "Dana");
  CHECK(faces.start_ms == 1'772'236'800'000);  // 2026-02-28T00:00:00Z
  CHECK(policy.plans[0].start_ms == 1'767'225'600'000);
  CHECK(parsed(encode_policy(policy)) == policy);
  CHECK(encode_policy(policy).find(R"("start":"2026-02-28")") != std::string::npos);
}

TEST_CASE("reconcile policy: a count plan that breaks a rule is refused, naming the member") {
  const std::string ok = R"("every_days": 7, "owner": "o", "start": "2026-01-01")";
  const Refusal cases[] = {
      {R"({"plans": [{"name": "p", )" + ok + "}]}", "plans[0].abc"},
      {R"({"plans": [{"abc": ["A"], )" + ok + "}]}", "plans[0].name"},
      {R"({"plans": [{"name": "p", "abc": ["D"], )" + ok + "}]}", "plans[0].abc[0]"},
      {R"({"plans": [{"name": "p", "abc": [], )" + ok + "}]}", "plans[0].abc"},
      {R"({"plans": [{"name": "p", "abc": ["A", "A"], )" + ok + "}]}", "plans[0].abc[1]"},
      {R"({"plans": [{"name": "p", "location_classes": [7], )" + ok + "}]}", "plans[0].location_classes[0]"},
      {R"({"plans": [{"name": "p", "abc": ["A"], "sites": ["a/b"], )" + ok + "}]}", "plans[0].sites[0]"},
      {R"({"plans": [{"name": "p", "abc": ["A"], "every_days": 0, "owner": "o", "start": "2026-01-01"}]})",
       "plans[0].every_days"},
      {R"({"plans": [{"name": "p", "abc": ["A"], "every_days": 7, "owner": "", "start": "2026-01-01"}]})",
       "plans[0].owner"},
      {R"({"plans": [{"name": "p", "abc": ["A"], "every_days": 7, "owner": "o", "start": "2026-02-30"}]})",
       "plans[0].start"},
      {R"({"plans": [{"name": "p", "abc": ["A"], "every_days": 7, "owner": "o", "start": "1/1/2026"}]})",
       "plans[0].start"},
      {R"({"plans": [{"name": "p", "abc": ["A"], "every_days": 7, "owner": "o"}]})", "plans[0].start"},
      {R"({"plans": [{"name": "p", "abc": ["A"], "often": 1, )" + ok + "}]}", "plans[0].often"},
      {R"({"plans": [{"name": "p", "abc": ["A"], )" + ok + R"(}, {"name": "p", "abc": ["B"], )" + ok + "}]}",
       "plans[1].name"},
      {R"({"abc": {"a_percent": 90, "b_percent": 20}})", "abc.b_percent"},
      {R"({"abc": {"a_percent": 101}})", "abc.a_percent"},
      {R"({"abc": {"c_percent": 5}})", "abc.c_percent"},
  };
  check_refused(cases);
}

TEST_CASE("reconcile policy: every limit that is set must hold, and an unset one does not constrain") {
  struct Case {
    Limits limits;
    std::int64_t variance;
    std::int64_t base;
    std::int64_t unit_cost;
    bool within;
  };
  const Case cases[] = {
      {Limits{}, -1'000'000, 10, 100, true},
      {Limits{2, {}, {}}, -2, 10, 100, true},
      {Limits{2, {}, {}}, -3, 10, 100, false},
      {Limits{{}, 1000, {}}, 1, 10, 0, true},  // 10 % of 10
      {Limits{{}, 1000, {}}, 2, 10, 0, false},
      {Limits{{}, 250, {}}, -1, 40, 0, true},  // 2.5 % of 40
      {Limits{{}, 250, {}}, -1, 39, 0, false},
      {Limits{{}, 5000, {}}, 1, 0, 0, false},  // any percent of nothing is nothing
      {Limits{{}, {}, 500}, -2, 10, 250, true},
      {Limits{{}, {}, 500}, -3, 10, 250, false},
      {Limits{10, 5000, 500}, 3, 10, 250, false},                           // units and percent hold, value does not
      {Limits{{}, {}, 1}, 4'000'000'000'000'000'000, 1, 1'000'000, false},  // the product saturates
  };
  for (const Case& test : cases) {
    CAPTURE(test.variance);
    CAPTURE(test.base);
    CHECK(within(test.limits, test.variance, test.base, test.unit_cost) == test.within);
  }
}

TEST_CASE("reconcile policy: the most specific matching rule wins, whatever order the rules are in") {
  Policy policy = parsed(kDocument);
  struct Case {
    Subject subject;
    std::optional<std::int64_t> shortage_units;  // identifies the rule
  };
  const Case cases[] = {
      {Subject{"s2", "shelf", "grocery", "SKU-Z"}, 1},                // global
      {Subject{"s1", "shelf", "grocery", "SKU-Z"}, 3},                // site
      {Subject{"s1", "dock", "grocery", "SKU-Z"}, std::nullopt},      // location class beats site
      {Subject{"s1", "dock", "electronics", "SKU-Z"}, std::nullopt},  // item class beats location class
      {Subject{"s2", "dock", "electronics", "SKU-A"}, 5},             // SKU beats item class
      {Subject{"s1", "dock", "electronics", "SKU-A"}, 6},             // site and SKU beat SKU alone
  };
  for (int pass = 0; pass < 2; ++pass) {
    for (const Case& test : cases) {
      CAPTURE(test.subject.site);
      CAPTURE(test.subject.sku);
      const ToleranceRule* rule = policy.rule_for(test.subject);
      REQUIRE(rule != nullptr);
      CHECK(rule->shortage.units == test.shortage_units);
    }
    std::reverse(policy.tolerances.begin(), policy.tolerances.end());
  }
  CHECK(policy.rule_for(Subject{"s1", "dock", "electronics", "SKU-Z"})->scope.item_class == "electronics");
}

TEST_CASE("reconcile policy: a system's rule outranks every other for what that system reports, never for counts") {
  const Policy policy = parsed(R"({"tolerances": [
    {"scope": {"sku": "SKU-A"}, "shortage": {"units": 5}, "overage": {"units": 5}},
    {"scope": {"system": "fba"}, "shortage": {"units": 7}, "overage": {"units": 8}},
    {"scope": {"system": "fba", "sku": "SKU-A"}, "shortage": {"units": 9}, "overage": {}}
  ]})");
  CHECK(parsed(encode_policy(policy)) == policy);
  CHECK(encode_policy(policy).find(R"("system":"fba")") != std::string::npos);
  CHECK(policy.rule_for(Subject{"s1", "", "", "SKU-A"})->shortage.units == 5);  // a warehouse count
  CHECK(policy.rule_for(Subject{"s1", "", "", "SKU-A", "shopify"})->shortage.units == 5);
  CHECK(policy.rule_for(Subject{"s1", "", "", "SKU-Z", "fba"})->shortage.units == 7);
  CHECK(policy.rule_for(Subject{"s1", "", "", "SKU-A", "fba"})->shortage.units == 9);
  CHECK(policy.rule_for(Subject{"s1", "", "", "SKU-Z"}) == nullptr);
  CHECK(policy.within_tolerance(Subject{"s1", "", "", "SKU-Z", "fba"}, 8, 100, 0));
  CHECK_FALSE(policy.within_tolerance(Subject{"s1", "", "", "SKU-Z", "fba"}, 9, 100, 0));
}

TEST_CASE("reconcile policy: a system scope must be an identifier, and a system's scope may appear once") {
  const auto bad =
      parse_policy(R"({"tolerances": [{"scope": {"system": "sho pify"}, "shortage": {}, "overage": {}}]})");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().field == "tolerances[0].scope.system");
  const auto twice = parse_policy(R"({"tolerances": [{"scope": {"system": "fba"}, "shortage": {}, "overage": {}},)"
                                  R"( {"scope": {"system": "fba"}, "shortage": {"units": 1}, "overage": {}}]})");
  REQUIRE_FALSE(twice.has_value());
  CHECK(twice.error().field == "tolerances[1].scope");
  CHECK(parse_policy(R"({"tolerances": [{"scope": {"system": "fba"}, "shortage": {}, "overage": {}},)"
                     R"( {"scope": {"sku": "X"}, "shortage": {}, "overage": {}}]})")
            .has_value());
}

TEST_CASE("reconcile policy: shortage and overage limits apply separately, including value limits by scope") {
  const Policy policy = parsed(kDocument);
  const Subject sku_a{"s2", "shelf", "grocery", "SKU-A"};
  CHECK(policy.within_tolerance(sku_a, -5, 100, 250));        // 5 units, 5 %, 1250 cents
  CHECK_FALSE(policy.within_tolerance(sku_a, -5, 40, 250));   // 12.5 % of 40
  CHECK_FALSE(policy.within_tolerance(sku_a, -5, 100, 500));  // worth 2500 cents
  CHECK(policy.within_tolerance(sku_a, 5, 40, 500));          // overage: units only
  const Subject electronics{"s2", "shelf", "electronics", "SKU-Q"};
  CHECK_FALSE(policy.within_tolerance(electronics, 1, 10, 10'000));
  CHECK(policy.within_tolerance(electronics, 1, 10, 0));  // worth nothing
  const Subject site{"s1", "shelf", "grocery", "SKU-Z"};
  CHECK(policy.within_tolerance(site, 1'000, 10, 100));  // the site rule sets no overage limit
}

TEST_CASE("reconcile policy: a policy file is read, and a missing or broken one is refused with its path") {
  recount::testing::TempDir dir;
  const auto file = dir / "policy.json";
  std::ofstream(file) << kDocument;
  CHECK(load_policy_file(file).value() == parsed(kDocument));
  auto missing = load_policy_file(dir / "missing.json");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::kNotFound);
  std::ofstream(dir / "broken.json") << R"({"max_recount_rounds": "two"})";
  auto broken = load_policy_file(dir / "broken.json");
  REQUIRE_FALSE(broken.has_value());
  CHECK(broken.error().field == "max_recount_rounds");
  CHECK(broken.error().message.find("broken.json") != std::string::npos);
}

TEST_CASE("reconcile policy: alert rules parse with their filters and channels, and encode back the same") {
  const Policy policy = parsed(R"({"alerts": [
    {"name": "big-variance", "kind": "discrepancy", "sites": ["s1"], "systems": ["warehouse"],
     "classifications": ["variance"], "states": ["awaiting_approval"], "value_over_cents": 50000,
     "in_state_for_ms": 86400000, "channels": [{"type": "webhook"}, {"type": "email", "to": "ops@example.com"}]},
    {"name": "silent-device", "kind": "device_offline", "offline_for_ms": 7200000, "min_backlog": 1,
     "channels": [{"type": "mqtt"}]}]})");
  REQUIRE(policy.alerts.size() == 2);
  const AlertRule& variance = policy.alerts[0];
  CHECK(variance.kind == AlertKind::kDiscrepancy);
  CHECK(variance.sites == std::vector<std::string>{"s1"});
  CHECK(variance.states == std::vector<std::string>{"awaiting_approval"});
  CHECK(variance.value_over_cents == 50'000);
  CHECK(variance.in_state_for_ms == 86'400'000);
  CHECK(variance.channels.webhook);
  CHECK_FALSE(variance.channels.mqtt);
  CHECK(variance.channels.email == std::vector<std::string>{"ops@example.com"});
  const AlertRule& offline = policy.alerts[1];
  CHECK(offline.kind == AlertKind::kDeviceOffline);
  CHECK(offline.offline_for_ms == 7'200'000);
  CHECK(offline.min_backlog == 1);
  CHECK(offline.channels.mqtt);
  CHECK(parsed(encode_policy(policy)) == policy);
  // A policy without alerts encodes as it did before alerts existed.
  CHECK(encode_policy(Policy{}).find("alerts") == std::string::npos);
}

TEST_CASE("reconcile policy: an alert rule that breaks a rule is refused, naming the field") {
  const std::string webhook = R"("channels": [{"type": "webhook"}])";
  const Refusal cases[] = {
      {R"({"alerts": [{"kind": "discrepancy", )" + webhook + "}]}", "alerts[0].name"},
      {R"({"alerts": [{"name": "a", "kind": "weather", )" + webhook + "}]}", "alerts[0].kind"},
      {R"({"alerts": [{"name": "a", "kind": "discrepancy", "value_over_cents": 5.5, )" + webhook + "}]}",
       "alerts[0].value_over_cents"},
      {R"({"alerts": [{"name": "a", "kind": "discrepancy", "states": ["asleep"], )" + webhook + "}]}",
       "alerts[0].states[0]"},
      {R"({"alerts": [{"name": "a", "kind": "discrepancy", "classifications": ["variance", 3], )" + webhook + "}]}",
       "alerts[0].classifications[1]"},
      {R"({"alerts": [{"name": "a", "kind": "discrepancy", "sites": ["a b"], )" + webhook + "}]}",
       "alerts[0].sites[0]"},
      {R"({"alerts": [{"name": "a", "kind": "device_offline", "value_over_cents": 5, )" + webhook + "}]}",
       "alerts[0].value_over_cents"},
      {R"({"alerts": [{"name": "a", "kind": "discrepancy", "channels": []}]})", "alerts[0].channels"},
      {R"({"alerts": [{"name": "a", "kind": "discrepancy", "channels": [{"type": "pager"}]}]})",
       "alerts[0].channels[0].type"},
      {R"({"alerts": [{"name": "a", "kind": "discrepancy", "channels": [{"type": "email"}]}]})",
       "alerts[0].channels[0].to"},
      {R"({"alerts": [{"name": "a", "kind": "discrepancy", "channels": [{"type": "email", "to": "x\nBcc: y@z"}]}]})",
       "alerts[0].channels[0].to"},
      {R"({"alerts": [{"name": "a", "kind": "discrepancy", )" + webhook +
           R"(}, {"name": "a", "kind": "discrepancy", )" + webhook + "}]}",
       "alerts[1].name"},
  };
  check_refused(cases);
}

}  // namespace
}  // namespace recount::hub::reconcile
