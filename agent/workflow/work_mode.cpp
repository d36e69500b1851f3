// Work modes and the scan → event rule.
#include "agent/workflow/work_mode.hpp"

#include <array>
#include <utility>

namespace recount::agent {
namespace {

constexpr std::array<std::pair<WorkMode, std::string_view>, 8> kModeNames{{
    {WorkMode::kCount, "count"},
    {WorkMode::kReceive, "receive"},
    {WorkMode::kPutaway, "putaway"},
    {WorkMode::kMove, "move"},
    {WorkMode::kAdjust, "adjust"},
    {WorkMode::kSale, "sale"},
    {WorkMode::kReturn, "return"},
    {WorkMode::kDamage, "damage"},
}};

}  // namespace

std::string_view to_string(WorkMode mode) {
  for (const auto& [candidate, name] : kModeNames) {
    if (candidate == mode) return name;
  }
  return "count";
}

std::optional<WorkMode> parse_work_mode(std::string_view text) {
  for (const auto& [candidate, name] : kModeNames) {
    if (name == text) return candidate;
  }
  return std::nullopt;
}

std::string work_mode_names() {
  std::string names;
  for (const auto& [mode, name] : kModeNames) names += (names.empty() ? "" : ", ") + std::string(name);
  return names;
}

bool adds_stock(std::optional<ReasonCode> reason) {
  return reason == ReasonCode::kFound || reason == ReasonCode::kReturn;
}

Event item_event(WorkMode mode, const ModeContext& context, std::int64_t units, Event item) {
  item.qty = units;
  switch (mode) {
    case WorkMode::kCount: item.type = EventType::kCount; break;
    case WorkMode::kReceive:
      item.type = EventType::kReceive;
      item.reference = context.reference;
      break;
    case WorkMode::kPutaway:
    case WorkMode::kMove:
      item.type = mode == WorkMode::kPutaway ? EventType::kPutaway : EventType::kMove;
      item.to_location = context.to_location;
      break;
    case WorkMode::kAdjust:
      item.type = EventType::kAdjust;
      item.reason = context.reason;
      if (!adds_stock(context.reason)) item.qty = -units;
      break;
    case WorkMode::kSale: item.type = EventType::kSale; break;
    case WorkMode::kReturn:
      item.type = EventType::kAdjust;
      item.reason = ReasonCode::kReturn;
      break;
    case WorkMode::kDamage:
      item.type = EventType::kAdjust;
      item.reason = context.reason.value_or(ReasonCode::kDamage);
      item.qty = -units;
      break;
  }
  return item;
}

}  // namespace recount::agent
