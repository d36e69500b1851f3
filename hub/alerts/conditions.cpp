// Alert rules matched against discrepancies and devices.
#include "hub/alerts/conditions.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <vector>

namespace recount::hub::alerts {
namespace {

// An empty list lets everything through.
bool listed(const std::vector<std::string>& names, std::string_view name) {
  return names.empty() || std::find(names.begin(), names.end(), name) != names.end();
}

std::int64_t magnitude(std::int64_t value) {
  return value == std::numeric_limits<std::int64_t>::min() ? std::numeric_limits<std::int64_t>::max() : std::abs(value);
}

}  // namespace

std::string discrepancy_subject(std::int64_t id) { return "discrepancy/" + std::to_string(id); }

std::string device_subject(const std::string& site, const std::string& device) {
  return "device/" + site + "/" + device;
}

bool holds(const reconcile::AlertRule& rule, const reconcile::Discrepancy& discrepancy, std::int64_t now_ms) {
  if (rule.kind != reconcile::AlertKind::kDiscrepancy || !discrepancy.active()) return false;
  if (!listed(rule.sites, discrepancy.position.site) || !listed(rule.systems, discrepancy.system) ||
      !listed(rule.classifications, reconcile::to_string(discrepancy.classification)) ||
      !listed(rule.states, reconcile::to_string(discrepancy.state))) {
    return false;
  }
  if (rule.value_over_cents && magnitude(discrepancy.value_cents) <= *rule.value_over_cents) return false;
  if (rule.in_state_for_ms && now_ms - discrepancy.updated_ms < *rule.in_state_for_ms) return false;
  return true;
}

bool holds(const reconcile::AlertRule& rule, const DeviceCondition& device, std::int64_t now_ms) {
  return rule.kind == reconcile::AlertKind::kDeviceOffline && device.offline && listed(rule.sites, device.site) &&
         now_ms - device.since_ms >= rule.offline_for_ms && device.backlog >= rule.min_backlog;
}

}  // namespace recount::hub::alerts
