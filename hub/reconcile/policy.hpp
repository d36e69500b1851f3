// Reconciliation policy: tolerance rules by scope (global → site → location class → item class →
// SKU, the most specific wins) and the settings of the recount loop, loaded from a JSON document
// (format in docs/reconciliation.md) that a file or the HTTP API provides. Everything here is a
// value or a pure function: thread-safe, and parse_policy() never throws on untrusted input.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/core/result.hpp"

namespace recount::hub::reconcile {

// How far a variance may go on one side (shortage or overage). Every limit that is set must
// hold; a limit that is not set does not constrain, so an empty Limits accepts any variance.
struct Limits {
  std::optional<std::int64_t> units;        // |variance| in base units
  std::optional<std::int64_t> percent_bp;   // |variance| / |expected|, in hundredths of a percent
  std::optional<std::int64_t> value_cents;  // |variance| × unit cost

  bool operator==(const Limits&) const = default;
};

// What a count is about, as far as scopes care. Views into strings the caller owns.
struct Subject {
  std::string_view site;
  std::string_view location_class;
  std::string_view item_class;
  std::string_view sku;
  // Who reported the quantity compared: "warehouse" for the floor's counts, else the connected
  // system whose snapshot it is (docs/channels.md).
  std::string_view system = "warehouse";
};

// Which counts a rule covers; an empty member matches anything.
struct Scope {
  std::string site;
  std::string location_class;
  std::string item_class;
  std::string sku;
  std::string system;  // "warehouse", "fba", "shopify", "pos", …

  bool matches(const Subject& subject) const;
  // Higher is more specific. A system outranks a SKU, which outranks an item class, which
  // outranks a location class, which outranks a site, whatever else is set; among equals, more
  // members set rank higher. A system ranks first because what a system may lag or round by
  // (FBA's receiving, a store's unsynced sales) holds for every SKU it reports.
  int specificity() const;

  bool operator==(const Scope&) const = default;
};

struct ToleranceRule {
  Scope scope;
  Limits shortage;  // counted < expected
  Limits overage;   // counted > expected

  bool operator==(const ToleranceRule&) const = default;
};

// What an alert rule watches (docs/investigation.md, "Alerts").
enum class AlertKind {
  kDiscrepancy,    // a discrepancy that matches the rule's filters
  kDeviceOffline,  // a device offline for a while, perhaps with events it has not sent
};
std::string_view to_string(AlertKind kind);

// Where an alert goes: the hub's webhook (recount-hub --alert-webhook), the site's MQTT alert
// topic, and e-mail through the hub's sendmail (--sendmail) to these addresses.
struct AlertChannels {
  bool webhook = false;
  bool mqtt = false;
  std::vector<std::string> email;

  bool operator==(const AlertChannels&) const = default;
};

// One rule of the policy's "alerts" section. Every filter that is set must hold; an empty list or
// an unset limit does not constrain.
struct AlertRule {
  std::string name;  // unique within the policy; names the alert
  AlertKind kind = AlertKind::kDiscrepancy;
  std::vector<std::string> sites;
  // kDiscrepancy only.
  std::vector<std::string> systems;              // "warehouse", "shopify", …
  std::vector<std::string> classifications;      // to_string(Classification)
  std::vector<std::string> states;               // to_string(DiscrepancyState)
  std::optional<std::int64_t> value_over_cents;  // |value| above this
  std::optional<std::int64_t> in_state_for_ms;   // unchanged for at least this long
  // kDeviceOffline only.
  std::int64_t offline_for_ms = 0;  // offline (or silent) at least this long
  std::uint64_t min_backlog = 0;    // with at least this many unsent events
  AlertChannels channels;

  bool operator==(const AlertRule&) const = default;
};

// An item's share of a site's stock value (docs/investigation.md, "Count plans"): items ranked by
// unit cost × units on hand, largest first; an item is A while the value ranked above it is under
// a_percent of the site's, B while under a_percent + b_percent, else C (and C when worth nothing).
enum class AbcClass { kA, kB, kC };

std::string_view to_string(AbcClass abc);

struct AbcThresholds {
  std::int64_t a_percent = 80;
  std::int64_t b_percent = 15;

  bool operator==(const AbcThresholds&) const = default;
};

// A cycle-count program: the positions it selects are counted once every `every_days` days,
// in periods that begin at `start_ms` (docs/investigation.md, "Count plans").
struct CountPlan {
  std::string name;
  std::vector<std::string> sites;             // empty: every site
  std::vector<AbcClass> abc;                  // empty: any class
  std::vector<std::string> location_classes;  // empty: any location
  std::int64_t every_days = 30;
  std::string owner;          // a person or a role, as the operators name it
  std::int64_t start_ms = 0;  // UTC midnight of the first period's day

  bool operator==(const CountPlan&) const = default;
};

struct Policy {
  // A physical movement at the counted position this close to a count (in event time, either
  // side) makes the count ambiguous: the clocks cannot say whether the counter saw it.
  std::int64_t ambiguity_window_ms = 60'000;
  // How long after its latest count arrived a count is judged, so the scans of one session that
  // arrive in separate batches are judged together. 0 judges at once.
  std::int64_t settle_delay_ms = 0;
  // Recount rounds before a discrepancy whose recounts keep disagreeing goes to an operator.
  // 0 sends every discrepancy straight to an operator.
  std::uint32_t max_recount_rounds = 2;
  // A confirmed variance worth less than this is adjusted automatically; at or above it, it waits
  // for an operator's approval.
  std::int64_t approval_limit_cents = 10'000;
  // No rule matching a count means zero tolerance: any variance is outside.
  std::vector<ToleranceRule> tolerances;
  // Alert rules, by name; they never change what reconciliation does.
  std::vector<AlertRule> alerts;
  // How count plans class items by value, and the plans (none: no planned counts).
  AbcThresholds abc;
  std::vector<CountPlan> plans;

  // The most specific rule matching the subject, or nullptr. Rules never share a scope
  // (parse_policy() refuses that), so the answer does not depend on their order.
  const ToleranceRule* rule_for(const Subject& subject) const;

  // Whether `variance` (counted − base) is within the tolerance that applies to the subject.
  bool within_tolerance(const Subject& subject, std::int64_t variance, std::int64_t base,
                        std::int64_t unit_cost_cents) const;

  bool operator==(const Policy&) const = default;
};

// The policy in force and where it came from.
struct PolicyInForce {
  Policy policy;
  std::int64_t version = 0;  // 0: the built-in default, no policy has been set
  std::int64_t set_ms = 0;   // hub time it was set; 0 for the default
  std::string actor;         // who set it; "" for the default
};

// Whether a variance of `variance` units against `base` expected units at `unit_cost_cents`
// satisfies every limit that is set. Never overflows: products saturate.
bool within(const Limits& limits, std::int64_t variance, std::int64_t base, std::int64_t unit_cost_cents);

// Parses and validates a policy document without throwing. Errors are kInvalidInput with the
// offending member as a dotted path ("tolerances[2].shortage.percent"): not JSON, an unknown
// member (a misspelt limit must not silently mean "no limit"), a wrong type, a negative limit,
// a setting out of range, two rules with the same scope, an alert rule with a second use of a
// name, an unknown kind, state or classification, or a filter of the other kind, a plan without a
// selection (neither abc nor location_classes), two plans with the same name, a start that is not
// a YYYY-MM-DD date.
Result<Policy> parse_policy(std::string_view json);

// Reads and parses a policy file. kNotFound / kIo when it cannot be read; parse errors as above.
Result<Policy> load_policy_file(const std::filesystem::path& file);

// The document parse_policy() reads, as compact JSON with every member written out (the API
// embeds it as it is); parsing it gives `policy` back.
std::string encode_policy(const Policy& policy);

}  // namespace recount::hub::reconcile
