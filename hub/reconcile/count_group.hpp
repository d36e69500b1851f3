// Count groups: the counts of one position that add up to one observation, with the judgement
// the reconciler gave them, and what last changed one that waits to be judged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/reconcile/actor.hpp"
#include "hub/reconcile/position.hpp"
#include "hub/reconcile/rules.hpp"
#include "shared/core/hlc.hpp"

namespace recount::hub::reconcile {

// How a count group takes part in the recount loop, decided when it is first settled.
enum class GroupRole {
  kCount,    // an ordinary count (or a task's count that no longer answers an open task)
  kRecount,  // answers an open recount task
  kRefused,  // carries a task id but includes a count by the user the task excludes
};

std::string_view to_string(GroupRole role);
std::optional<GroupRole> parse_group_role(std::string_view text);

// The counts of one position in one session (they add up), of one recount task by one user, or
// a location_closed zero. Zero groups have no counts and stand at the session's latest close.
struct CountGroup {
  std::int64_t id = 0;
  std::int64_t position_id = 0;
  PositionKey position;
  std::string task_id;      // "" for an ordinary count
  std::string session_key;  // "session:<id>", "event:<event id>" (no session), "user:<user>" (tasks)
  std::int64_t counts = 0;  // count events; 0 for a location_closed zero
  std::int64_t counted = 0;
  HlcStamp first_hlc;
  HlcStamp last_hlc;                   // the group's time: expected is the balance as of this stamp
  std::optional<HlcStamp> closed_hlc;  // zero groups: the session's latest close
  std::string first_user;              // who counted first (or closed, for a zero)
  std::int64_t expected = 0;
  // Judged when settled:
  std::optional<GroupRole> role;
  std::optional<Verdict> verdict;
  bool ambiguous = false;
  std::optional<std::int64_t> judged_window_ms;  // the ambiguity window `ambiguous` was decided under
  std::int64_t variance = 0;
  std::int64_t value_cents = 0;
  std::optional<std::int64_t> discrepancy_id;
  std::int64_t received_ms = 0;
  std::optional<std::int64_t> settled_ms;

  // A location_closed zero where the ledger expected nothing either: not an observation.
  bool is_void() const { return counts == 0 && task_id.empty() && expected == 0; }
};

// kReport: a connected system's report (a snapshot) arrived.
enum class CauseKind { kCount, kMovement, kClose, kReevaluation, kReport };
std::string_view to_string(CauseKind kind);
std::optional<CauseKind> parse_cause_kind(std::string_view text);

// What last changed a group that waits to be settled.
struct Cause {
  CauseKind kind = CauseKind::kCount;
  std::string event_id;
  Actor actor;
};

}  // namespace recount::hub::reconcile
