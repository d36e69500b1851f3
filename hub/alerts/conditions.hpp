// Whether an alert rule of the policy (reconcile::AlertRule) holds for a discrepancy or a device:
// pure matching, so the engine, the sweep and the tests agree on what a rule means
// (docs/investigation.md, "Alerts").
#pragma once

#include <cstdint>
#include <string>

#include "hub/reconcile/discrepancy.hpp"
#include "hub/reconcile/policy.hpp"

namespace recount::hub::alerts {

// A device as the offline rules see it.
struct DeviceCondition {
  std::string site;
  std::string device;
  bool offline = false;
  std::int64_t since_ms = 0;  // hub time of the status that said offline (or of the last message)
  std::uint64_t backlog = 0;  // events it had not sent, as its last status said
};

// What an alert is about: "discrepancy/42", "device/site-1/dev-1".
std::string discrepancy_subject(std::int64_t id);
std::string device_subject(const std::string& site, const std::string& device);

// Whether `rule` (of kind kDiscrepancy) holds for `discrepancy` at hub time `now_ms`: it is
// active, and its site, system, classification and state are among the rule's (when listed), its
// |value| is above value_over_cents and it has been unchanged (updated_ms) for in_state_for_ms
// (when set). false for a rule of another kind. Pure.
bool holds(const reconcile::AlertRule& rule, const reconcile::Discrepancy& discrepancy, std::int64_t now_ms);

// Whether `rule` (of kind kDeviceOffline) holds for `device` at `now_ms`: offline for at least
// offline_for_ms with a backlog of at least min_backlog, at one of the rule's sites (when listed).
// false for a rule of another kind. Pure.
bool holds(const reconcile::AlertRule& rule, const DeviceCondition& device, std::int64_t now_ms);

}  // namespace recount::hub::alerts
