// Actors: who an event's change is attributed to.
#include "hub/reconcile/actor.hpp"

#include <doctest/doctest.h>

namespace recount::hub::reconcile {
namespace {

TEST_CASE("reconcile actor: a change is the user's, else the device's, else the system's") {
  CHECK(Actor::of_event("u1", "hh-1") == Actor{ActorKind::kUser, "u1"});
  CHECK(Actor::of_event("", "hh-1") == Actor{ActorKind::kDevice, "hh-1"});
  CHECK(Actor::of_event("", "") == Actor::system());
  CHECK(Actor::operator_named("op-1") == Actor{ActorKind::kOperator, "op-1"});
  for (const auto kind : {ActorKind::kSystem, ActorKind::kDevice, ActorKind::kUser, ActorKind::kOperator}) {
    CHECK(parse_actor_kind(to_string(kind)) == kind);
  }
  CHECK_FALSE(parse_actor_kind("robot"));
}

}  // namespace
}  // namespace recount::hub::reconcile
