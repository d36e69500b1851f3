// Who or what caused a change in reconciliation: the person behind a device event, the device
// itself when no one was logged in, an operator through the API, or the hub's own rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace recount::hub::reconcile {

enum class ActorKind { kSystem, kDevice, kUser, kOperator };

std::string_view to_string(ActorKind kind);
std::optional<ActorKind> parse_actor_kind(std::string_view text);

struct Actor {
  ActorKind kind = ActorKind::kSystem;
  std::string id;  // user badge, device id or operator login; empty for the system

  static Actor system() { return {}; }
  static Actor operator_named(std::string login) { return {ActorKind::kOperator, std::move(login)}; }
  // The user of an event, else the device that recorded it, else (a hub event) the system.
  static Actor of_event(const std::string& user, const std::string& device);

  bool operator==(const Actor&) const = default;
};

}  // namespace recount::hub::reconcile
