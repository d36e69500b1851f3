// Actor kinds and names.
#include "hub/reconcile/actor.hpp"

#include "hub/reconcile/names.hpp"

namespace recount::hub::reconcile {
namespace {

constexpr NameTable<ActorKind, 4> kNames{{
    {ActorKind::kSystem, "system"},
    {ActorKind::kDevice, "device"},
    {ActorKind::kUser, "user"},
    {ActorKind::kOperator, "operator"},
}};

}  // namespace

std::string_view to_string(ActorKind kind) { return name_in(kNames, kind); }
std::optional<ActorKind> parse_actor_kind(std::string_view text) { return value_in(kNames, text); }

Actor Actor::of_event(const std::string& user, const std::string& device) {
  if (!user.empty()) return {ActorKind::kUser, user};
  if (!device.empty()) return {ActorKind::kDevice, device};
  return system();
}

}  // namespace recount::hub::reconcile
