// Reconciler: applying events, settling counts, the discrepancy lifecycle and operator actions.
#include "hub/reconcile/reconciler.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "hub/reconcile/schema.hpp"
#include "hub/reconcile/stamps.hpp"
#include "hub/reconcile/systems.hpp"
#include "shared/core/random_id.hpp"
#include "shared/protocol/json_writer.hpp"

namespace recount::hub::reconcile {

enum class Reconciler::Sql { kAppliedThrough, kSetAppliedThrough, kCount };

struct Reconciler::Context {
  const Policy& policy;
  std::int64_t now_ms = 0;
  Effects effects;
  std::int64_t due_by_ms = std::numeric_limits<std::int64_t>::max();
  // settle(): after this, the groups and snapshots not judged yet stay due for a later settle.
  std::chrono::steady_clock::time_point judge_until = std::chrono::steady_clock::time_point::max();
  std::size_t judged = 0;

  // Whether judging goes on: always for the first one, so every settle makes progress.
  bool may_judge() const { return judged == 0 || std::chrono::steady_clock::now() < judge_until; }
  void add_task_site(const std::string& site) { effects.task_sites.push_back(site); }
};

namespace {

using Json = nlohmann::json;

// Indexed by Reconciler::Sql.
const std::string kSql[] = {
    // kAppliedThrough
    "SELECT value FROM reconcile_meta WHERE name = 'applied_through'",
    // kSetAppliedThrough
    "UPDATE reconcile_meta SET value = ?1 WHERE name = 'applied_through'",
};

// Audit details quote device-supplied codes; invalid UTF-8 is replaced rather than thrown on.
std::string dump(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string subject_of(const Discrepancy& discrepancy) {
  return discrepancy.position.site + "/discrepancy/" + std::to_string(discrepancy.id);
}

Json position_json(const PositionKey& position) {
  return {{"site", position.site}, {"location", position.location}, {"sku", position.sku}, {"lot", position.lot}};
}

std::string describe(const Actor& actor) {
  return actor.id.empty() ? std::string(to_string(actor.kind)) : std::string(to_string(actor.kind)) + " " + actor.id;
}

Figures figures_of(const CountGroup& group, const Judgement& judgement, Classification fallback) {
  return Figures{group.id,           classify(judgement.verdict).value_or(fallback),
                 group.expected,     group.counted,
                 judgement.variance, judgement.value_cents};
}

bool same_figures(const Discrepancy& discrepancy, const Figures& figures) {
  return discrepancy.group_id == figures.group_id && discrepancy.classification == figures.classification &&
         discrepancy.expected == figures.expected && discrepancy.counted == figures.counted &&
         discrepancy.variance == figures.variance && discrepancy.value_cents == figures.value_cents;
}

// Whether an event changes a position's balance, and so the ledger's quantity a snapshot is
// compared with.
bool moves_stock(EventType type) {
  switch (type) {
    case EventType::kReceive:
    case EventType::kPutaway:
    case EventType::kMove:
    case EventType::kAdjust:
    case EventType::kSale:
    case EventType::kShip:
    case EventType::kBaseline: return true;
    case EventType::kCount:
    case EventType::kLocationClosed:
    case EventType::kTaskAck:
    case EventType::kSnapshot:
    case EventType::kUnknownBarcode:
    case EventType::kBarcodeApplied: return false;
  }
  return false;
}

std::string figures_text(const Snapshot& snapshot) {
  return snapshot.system + " reported " + std::to_string(snapshot.reported) + ", ledger " +
         std::to_string(snapshot.expected.value_or(0)) + " as of " + std::to_string(snapshot.wall_ms);
}

void normalize(Effects& effects) {
  std::sort(effects.task_sites.begin(), effects.task_sites.end());
  effects.task_sites.erase(std::unique(effects.task_sites.begin(), effects.task_sites.end()), effects.task_sites.end());
}

}  // namespace

Result<Reconciler> Reconciler::open(storage::Connection& database, const CatalogView& catalog) {
  if (auto ok = migrate_reconcile(database); !ok) return ok.error();
  auto projections = Projections::prepare(database);
  if (!projections) return projections.error();
  auto judgements = Judgements::prepare(database);
  if (!judgements) return judgements.error();
  auto snapshots = SnapshotStore::prepare(database);
  if (!snapshots) return snapshots.error();
  auto discrepancies = DiscrepancyStore::prepare(database);
  if (!discrepancies) return discrepancies.error();
  auto tasks = TaskStore::prepare(database);
  if (!tasks) return tasks.error();
  auto policies = PolicyStore::prepare(database);
  if (!policies) return policies.error();
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return Reconciler(catalog, std::move(*projections), std::move(*judgements), std::move(*snapshots),
                    std::move(*discrepancies), std::move(*tasks), std::move(*policies), std::move(*statements));
}

Result<const Policy*> Reconciler::current_policy() {
  auto version = policies_.version();
  if (!version) return version.error();
  if (*version == policy_version_) return &policy_;
  auto in_force = policies_.read(*version);
  if (!in_force) return in_force.error();
  policy_ = std::move(in_force->policy);
  policy_version_ = *version;
  return &policy_;
}

Result<Policy> Reconciler::policy() {
  auto current = current_policy();
  if (!current) return current.error();
  return **current;
}

Result<Effects> Reconciler::set_policy(const Policy& policy, const std::string& actor, std::int64_t now_ms) {
  if (actor.empty()) return invalid("actor", "must name who changes the policy");
  auto version = policies_.insert(policy, now_ms, actor);
  if (!version) return version.error();
  policy_ = policy;
  policy_version_ = *version;
  Effects effects;
  // The policy document embedded as encode_policy() wrote it, as the policy routes show it.
  protocol::JsonWriter detail;
  detail.begin_object();
  detail.field("version", *version);
  detail.field("actor", actor);
  detail.key("policy");
  detail.raw(encode_policy(policy));
  detail.end_object();
  effects.audit.push_back(
      AuditNote{"reconcile.policy", "policy/" + std::to_string(*version), std::move(detail).finish()});
  return effects;
}

Result<void> Reconciler::apply(const Origin& origin, const Event& event, std::int64_t received_ms) {
  auto policy = current_policy();
  if (!policy) return policy.error();
  if (event.type == EventType::kTaskAck) {
    auto acknowledged = tasks_.acknowledge(event.task_id, origin.site, origin.device, received_ms);
    if (!acknowledged) return acknowledged.error();
    return {};
  }
  if (event.type == EventType::kCount && !event.task_id.empty()) {
    auto task = tasks_.find(event.task_id);
    if (!task) return task.error();
    // A task the hub never opened, a planned count above all (docs/protocol.md §9): the count is
    // an ordinary one of its session, like the session's close, which names no open task either.
    // Grouped by the task instead, it would be apart from that close, which would then zero it.
    if (!*task) {
      Event ordinary = event;
      ordinary.task_id.clear();
      return apply(origin, ordinary, received_ms);
    }
  }
  std::optional<std::int64_t> task_position;
  if (event.type == EventType::kLocationClosed && !event.task_id.empty()) {
    auto task = tasks_.find(event.task_id);
    if (!task) return task.error();
    if (*task && (*task)->state == TaskState::kOpen && (*task)->site == origin.site &&
        (*task)->task.location == event.location) {
      task_position = (*task)->position_id;
    }
  }
  const Timing timing{received_ms, received_ms + (*policy)->settle_delay_ms, (*policy)->ambiguity_window_ms};
  if (event.type == EventType::kSnapshot) {
    // A report arrives whole in one import, unlike a count session's scans: nothing is left to
    // wait for, so it is judged when that import commits.
    const Cause cause{CauseKind::kReport, event.event_id, Actor::of_event(event.user, origin.device)};
    auto recorded = snapshots_.record(origin.site, event, received_ms, received_ms, cause);
    if (!recorded) return recorded.error();
    return {};
  }
  if (auto ok = projections_.apply(origin.site, origin.device, event, timing, task_position); !ok) return ok;
  if (!moves_stock(event.type)) return {};
  // A movement changes the ledger's quantity as of every snapshot at or after it.
  const Cause cause{CauseKind::kMovement, event.event_id, Actor::of_event(event.user, origin.device)};
  return snapshots_.mark_touched(origin.site, event.sku, {event.location, event.to_location}, event.hlc, timing.due_ms,
                                 cause);
}

Result<std::optional<std::int64_t>> Reconciler::next_due_ms() {
  auto groups = judgements_.next_due();
  if (!groups) return groups.error();
  auto snapshots = snapshots_.next_due();
  if (!snapshots) return snapshots.error();
  if (!*groups) return *snapshots;
  if (!*snapshots) return *groups;
  return std::optional<std::int64_t>(std::min(**groups, **snapshots));
}

Result<bool> Reconciler::unapplied(EventStore& events) {
  auto through = single_int(statements_[Sql::kAppliedThrough]);
  if (!through) return through.error();
  auto next = events.stored_after(*through, 1);
  if (!next) return next.error();
  return !next->empty();
}

Result<Reconciler::CatchUp> Reconciler::catch_up(EventStore& events, std::size_t limit) {
  auto through = single_int(statements_[Sql::kAppliedThrough]);
  if (!through) return through.error();
  CatchUp progress;
  // Read in slices, so a long backlog is not held in memory at once.
  constexpr std::size_t kSlice = 1000;
  std::int64_t last = *through;
  while (progress.applied < limit) {
    const std::size_t wanted = std::min(kSlice, limit - progress.applied);
    if (auto ok = events.stored_after(last, wanted, slice_); !ok) return ok.error();
    for (const StoredEvent& item : slice_) {
      if (auto ok = apply(item.origin, item.event, item.received_ms); !ok) return ok.error();
      last = item.row;
      progress.received_through_ms = item.received_ms;
    }
    progress.applied += slice_.size();
    if (slice_.size() < wanted) {
      progress.complete = true;
      break;
    }
  }
  if (!progress.complete) {
    if (auto ok = events.stored_after(last, 1, slice_); !ok) return ok.error();
    progress.complete = slice_.empty();
  }
  if (last != *through) {
    if (auto ok = statements_[Sql::kSetAppliedThrough].bind(1, last).run(); !ok) return ok.error();
  }
  return progress;
}

Result<Effects> Reconciler::settle(std::int64_t now_ms, std::int64_t due_by_ms,
                                   std::chrono::steady_clock::time_point judge_until) {
  auto policy = current_policy();
  if (!policy) return policy.error();
  Context context{**policy, now_ms, {}, due_by_ms, judge_until};
  if (auto ok = settle_due(context); !ok) return ok.error();
  normalize(context.effects);
  return std::move(context.effects);
}

Result<void> Reconciler::settle_due(Context& context) {
  // Settling can make more groups due (an adjustment shifts the counts after it), so repeat until
  // none is left. Each round settles what the previous one changed; adjustments happen at most
  // once per discrepancy, so this ends. Groups and snapshots come a page at a time, all due groups
  // before the snapshots as when they came at once: a commit judges what its time allows, and
  // reading everything due to judge a few made each commit's cost grow with the backlog
  // (docs/performance.md).
  constexpr std::size_t kDuePage = 512;
  const std::int64_t by_ms = std::min(context.now_ms, context.due_by_ms);
  while (true) {
    auto due = judgements_.due(by_ms, kDuePage);
    if (!due) return due.error();
    // Each is judged on its own, so stopping between two leaves the rest as if they were due
    // later; a position's groups are judged in their order either way.
    for (const DueGroup& item : *due) {
      if (!context.may_judge()) return {};
      if (auto ok = settle_group(context, item); !ok) return ok;
      ++context.judged;
    }
    if (!due->empty()) continue;
    auto snapshots = snapshots_.due(by_ms, kDuePage);
    if (!snapshots) return snapshots.error();
    for (const DueSnapshot& item : *snapshots) {
      if (!context.may_judge()) return {};
      if (auto ok = settle_snapshot(context, item); !ok) return ok;
      ++context.judged;
    }
    if (snapshots->empty()) return {};
  }
}

Subject Reconciler::Facts::subject(const PositionKey& position) const {
  return Subject{position.site, location_class, item ? std::string_view(item->item_class) : "", position.sku};
}

Reconciler::Facts Reconciler::facts_of(const PositionKey& position) const {
  return Facts{catalog_->item(position.site, position.sku), catalog_->location_class(position.site, position.location)};
}

Judgement Reconciler::judge_group(const Policy& policy, const CountGroup& group, bool ambiguous) const {
  if (group.is_void()) return Judgement{Verdict::kVoid, 0, 0, 0};
  const Facts facts = facts_of(group.position);
  return judge(policy, facts.subject(group.position), facts.item ? &*facts.item : nullptr,
               Observation{group.expected, group.counted, ambiguous});
}

Result<std::pair<Judgement, bool>> Reconciler::rejudge(const Policy& policy, const CountGroup& group) {
  bool ambiguous = group.ambiguous;
  if (!group.is_void() && group.judged_window_ms != policy.ambiguity_window_ms) {
    auto near = projections_.moved_near(group.position_id, group.first_hlc, group.last_hlc, policy.ambiguity_window_ms);
    if (!near) return near.error();
    ambiguous = *near;
  }
  return std::pair{judge_group(policy, group, ambiguous), ambiguous};
}

bool Reconciler::agrees(const Policy& policy, const CountGroup& recount, std::int64_t previous_counted) const {
  const Facts facts = facts_of(recount.position);
  return policy.within_tolerance(facts.subject(recount.position), recount.counted - previous_counted, previous_counted,
                                 facts.unit_cost());
}

Result<void> Reconciler::settle_group(Context& context, const DueGroup& due) {
  if (auto ok = judgements_.clear_dirty(due.group_id); !ok) return ok;
  auto group = projections_.group(due.group_id);
  if (!group) return group.error();
  bool ambiguous = false;
  if (!group->is_void()) {
    auto near = projections_.moved_near(group->position_id, group->first_hlc, group->last_hlc,
                                        context.policy.ambiguity_window_ms);
    if (!near) return near.error();
    ambiguous = *near;
  }
  const Judgement judgement = judge_group(context.policy, *group, ambiguous);
  if (!group->role) {
    auto role = decide_role(context, *group);
    if (!role) return role.error();
    group->role = *role;
  }
  if (auto ok = judgements_.record(group->id, *group->role, judgement, ambiguous, context.policy.ambiguity_window_ms,
                                   context.now_ms);
      !ok) {
    return ok;
  }
  group->verdict = judgement.verdict;
  group->variance = judgement.variance;
  group->value_cents = judgement.value_cents;
  switch (*group->role) {
    case GroupRole::kRefused: return {};
    case GroupRole::kRecount: return on_recount(context, *group, judgement, due.cause);
    case GroupRole::kCount: return on_count(context, *group, judgement, due.cause);
  }
  return {};
}

Result<GroupRole> Reconciler::decide_role(Context& context, CountGroup& group) {
  if (group.task_id.empty()) return GroupRole::kCount;
  auto task = tasks_.find(group.task_id);
  if (!task) return task.error();
  // A task that is gone, finished or about another position: the counts stand on their own.
  if (!*task || (*task)->state != TaskState::kOpen || (*task)->position_id != group.position_id) {
    return GroupRole::kCount;
  }
  const std::string& excluded = (*task)->task.exclude_user;
  bool by_excluded = false;
  if (!excluded.empty()) {
    auto counted =
        group.counts == 0 ? Result<bool>(group.first_user == excluded) : judgements_.counted_by(group.id, excluded);
    if (!counted) return counted.error();
    by_excluded = *counted;
  }
  if (by_excluded) {
    // The first counter may not confirm their own count: the task stays open for someone else.
    const Json detail = {{"task_id", group.task_id},
                         {"discrepancy", (*task)->discrepancy_id},
                         {"position", position_json(group.position)},
                         {"user", excluded},
                         {"group", group.id}};
    context.effects.audit.push_back(
        AuditNote{"reconcile.recount_refused", group.position.site + "/task/" + group.task_id, dump(detail)});
    return GroupRole::kRefused;
  }
  if (auto ok = judgements_.link(group.id, (*task)->discrepancy_id); !ok) return ok.error();
  group.discrepancy_id = (*task)->discrepancy_id;
  auto site = tasks_.finish(group.task_id, TaskState::kDone, context.now_ms);
  if (!site) return site.error();
  if (*site) context.add_task_site(**site);
  return GroupRole::kRecount;
}

Result<void> Reconciler::on_count(Context& context, const CountGroup& group, const Judgement& judgement,
                                  const Cause& cause) {
  auto active = discrepancies_.active_at(group.position_id);
  if (!active) return active.error();
  if (*active) {
    auto discrepancy = discrepancies_.get(**active);
    if (!discrepancy) return discrepancy.error();
    // Another count of a position under investigation waits for that investigation to end.
    if (discrepancy->group_id != group.id) return {};
    return drive(context, *discrepancy, group, judgement, cause);
  }
  if (!classify(judgement.verdict)) return {};
  // Only the newest count of a position speaks for it: an older one that arrives late is history.
  auto newest = judgements_.newest_lead(group.position_id);
  if (!newest) return newest.error();
  if (*newest != group.id) return {};
  return open_discrepancy(context, group, judgement, cause);
}

Result<void> Reconciler::on_recount(Context& context, const CountGroup& group, const Judgement& judgement,
                                    const Cause& cause) {
  auto discrepancy = discrepancies_.get(group.discrepancy_id.value_or(0));
  if (!discrepancy) return discrepancy.error();
  if (!discrepancy->active()) return on_count(context, group, judgement, cause);
  if (discrepancy->group_id == group.id) return drive(context, *discrepancy, group, judgement, cause);

  // The recount has just come back.
  auto previous = projections_.group(discrepancy->group_id);
  if (!previous) return previous.error();
  const bool agreed = agrees(context.policy, group, previous->counted);
  if (auto ok = discrepancies_.update_figures(
          discrepancy->id, figures_of(group, judgement, discrepancy->classification), context.now_ms);
      !ok) {
    return ok;
  }
  if (auto ok = step(context, *discrepancy, DiscrepancyState::kRecounted, Resolution::kNone, cause.actor,
                     "recount " + group.task_id + " counted " + std::to_string(group.counted), cause.event_id);
      !ok) {
    return ok;
  }
  auto current = discrepancies_.get(discrepancy->id);
  if (!current) return current.error();
  switch (decide_recount(judgement.verdict, agreed, current->round, context.policy.max_recount_rounds)) {
    case RecountOutcome::kCountError:
      return step(context, *current, DiscrepancyState::kClosed, Resolution::kCountError, Actor::system(),
                  "the recount agrees with the ledger", "");
    case RecountOutcome::kConfirmed: {
      if (auto ok = step(context, *current, DiscrepancyState::kConfirmed, Resolution::kNone, Actor::system(),
                         "the recount agrees with the count before it", "");
          !ok) {
        return ok;
      }
      if (adjusts_automatically(current->classification, current->value_cents, context.policy.approval_limit_cents)) {
        return adjust(context, *current, group, automatic_reason(current->variance), Actor::system(),
                      Resolution::kAdjusted);
      }
      return step(context, *current, DiscrepancyState::kAwaitingApproval, Resolution::kNone, Actor::system(),
                  current->classification == Classification::kUomError
                      ? "a unit-of-measure error is never adjusted without approval"
                      : "worth " + std::to_string(current->value_cents) + " cents, at or above the approval limit",
                  "");
    }
    case RecountOutcome::kNextRound:
      return request_recount(context, *current, current->round + 1, group.first_user,
                             recount_hint(judgement.verdict, judgement.pack_qty, current->round + 1));
    case RecountOutcome::kToOperator:
      return step(context, *current, DiscrepancyState::kAwaitingReview, Resolution::kNone, Actor::system(),
                  "recounts still disagree after " + std::to_string(current->round) + " rounds", "");
  }
  return {};
}

Result<void> Reconciler::drive(Context& context, const Discrepancy& discrepancy, const CountGroup& group,
                               const Judgement& judgement, const Cause& cause) {
  // New figures without a new state (more counted in the same session, a late movement) are news
  // for whoever watches the discrepancy: an operator about to approve it on the console, the alert
  // rules on its value. The same figures judged again (after a policy change) are neither written
  // nor sent, so updated_ms stays the time of the last change.
  const Figures figures = figures_of(group, judgement, discrepancy.classification);
  if (!same_figures(discrepancy, figures)) {
    if (auto ok = discrepancies_.update_figures(discrepancy.id, figures, context.now_ms); !ok) return ok;
    context.effects.discrepancies.push_back(discrepancy.id);
  }
  if (!classify(judgement.verdict)) {
    return step(context, discrepancy, DiscrepancyState::kClosed, resolution_by(cause.kind), cause.actor,
                "now within tolerance: counted " + std::to_string(group.counted) + ", ledger " +
                    std::to_string(group.expected) + " (" + std::string(to_string(cause.kind)) + " " + cause.event_id +
                    ")",
                cause.event_id);
  }
  return {};
}

Result<void> Reconciler::open_discrepancy(Context& context, const CountGroup& group, const Judgement& judgement,
                                          const Cause& cause) {
  const Figures figures = figures_of(group, judgement, Classification::kVariance);
  const std::string why = std::string(to_string(figures.classification)) + ": counted " +
                          std::to_string(group.counted) + ", ledger " + std::to_string(group.expected);
  auto id = discrepancies_.open(group.position_id, group.position.site, figures, group.first_user, context.now_ms,
                                cause.actor, why, cause.event_id);
  if (!id) return id.error();
  if (auto ok = judgements_.link(group.id, *id); !ok) return ok;
  auto opened = discrepancies_.get(*id);
  if (!opened) return opened.error();
  const Json detail = {{"discrepancy", *id},
                       {"position", position_json(group.position)},
                       {"to", "open"},
                       {"classification", to_string(figures.classification)},
                       {"expected", group.expected},
                       {"counted", group.counted},
                       {"variance", judgement.variance},
                       {"value_cents", judgement.value_cents},
                       {"actor", describe(cause.actor)},
                       {"cause_event_id", cause.event_id}};
  context.effects.audit.push_back(AuditNote{"reconcile.transition", subject_of(*opened), dump(detail)});
  context.effects.discrepancies.push_back(opened->id);
  if (context.policy.max_recount_rounds == 0) {
    return step(context, *opened, DiscrepancyState::kAwaitingReview, Resolution::kNone, Actor::system(),
                "no recount rounds configured", "");
  }
  return request_recount(context, *opened, 1, group.first_user, recount_hint(judgement.verdict, judgement.pack_qty, 1));
}

Result<void> Reconciler::request_recount(Context& context, const Discrepancy& discrepancy, std::uint32_t round,
                                         const std::string& exclude_user, const std::string& hint) {
  auto task = tasks_.create(discrepancy.position.site, discrepancy.id, discrepancy.position_id, discrepancy.position,
                            round, exclude_user, hint, context.now_ms);
  if (!task) return task.error();
  context.add_task_site(discrepancy.position.site);
  if (auto ok = discrepancies_.set_round(discrepancy.id, round); !ok) return ok;
  return step(context, discrepancy, DiscrepancyState::kRecountRequested, Resolution::kNone, Actor::system(),
              "blind recount " + task->task_id + " requested" +
                  (exclude_user.empty() ? std::string() : ", not to be done by " + exclude_user),
              "");
}

Result<void> Reconciler::adjust(Context& context, const Discrepancy& discrepancy, const CountGroup& group,
                                ReasonCode reason, const Actor& actor, Resolution resolution) {
  // As of the count it corrects.
  return adjust_position(context, discrepancy, group.position, group.last_hlc, group.counted - group.expected, reason,
                         actor, resolution);
}

Result<void> Reconciler::adjust_position(Context& context, const Discrepancy& discrepancy, const PositionKey& position,
                                         HlcStamp hlc, std::int64_t qty, ReasonCode reason, const Actor& actor,
                                         Resolution resolution) {
  Event event;
  event.event_id = uuid_v7(context.now_ms);
  event.type = EventType::kAdjust;
  event.wall_ms = context.now_ms;
  event.hlc = hlc;
  event.user = actor.kind == ActorKind::kOperator ? actor.id : std::string();
  event.location = position.location;
  event.sku = position.sku;
  event.lot = position.lot;
  event.qty = qty;
  event.reason = reason;
  event.reference = std::string(kDiscrepancyReferencePrefix) + std::to_string(discrepancy.id);
  const std::int64_t value = value_of(event.qty, facts_of(position).unit_cost());
  const Timing timing{context.now_ms, context.now_ms, context.policy.ambiguity_window_ms};
  if (auto ok = projections_.apply(position.site, "", event, timing); !ok) return ok;
  if (auto ok = snapshots_.mark_touched(position.site, position.sku, {position.location}, hlc, context.now_ms,
                                        Cause{CauseKind::kMovement, event.event_id, actor});
      !ok) {
    return ok;
  }
  if (auto ok = discrepancies_.record_adjustment(discrepancy.id, event.event_id, event.qty, value, reason); !ok) {
    return ok;
  }
  const std::string what = "adjusted by " + std::to_string(event.qty) + " (" + std::string(to_string(reason)) +
                           "), worth " + std::to_string(value) + " cents";
  if (auto ok = step(context, discrepancy, DiscrepancyState::kAdjusted, Resolution::kNone, actor, what, event.event_id);
      !ok) {
    return ok;
  }
  context.effects.adjustments.push_back(Adjustment{position.site, event, discrepancy.id, value});
  if (auto ok = step(context, discrepancy, DiscrepancyState::kClosed, resolution, actor, what, event.event_id); !ok) {
    return ok;
  }
  return tell_systems(context, position.site, position.sku, discrepancy.system, discrepancy.id, resolution);
}

Result<void> Reconciler::tell_systems(Context& context, const std::string& site, const std::string& sku,
                                      const std::string& except, std::int64_t discrepancy_id, Resolution resolution) {
  auto latest = snapshots_.latest_of_sku(site, sku);
  if (!latest) return latest.error();
  for (const Snapshot& report : *latest) {
    if (report.system == except || system_role(report.system) != SystemRole::kAdjustable) continue;
    auto quantity = snapshots_.on_hand(site, report.subject.location, sku);
    if (!quantity) return quantity.error();
    const Correction correction{report.system,
                                site,
                                report.subject.location,
                                sku,
                                *quantity,
                                report.reported,
                                discrepancy_id,
                                report.event_id,
                                std::string(to_string(resolution))};
    const Json detail = {{"system", correction.system},     {"site", site},
                         {"location", correction.location}, {"sku", sku},
                         {"quantity", correction.quantity}, {"reported", correction.reported},
                         {"discrepancy", discrepancy_id},   {"snapshot_event_id", correction.snapshot_event_id}};
    context.effects.audit.push_back(AuditNote{"reconcile.correction", site + "/" + correction.system, dump(detail)});
    context.effects.corrections.push_back(correction);
  }
  return {};
}

Result<void> Reconciler::settle_snapshot(Context& context, const DueSnapshot& due) {
  auto snapshot = snapshots_.get(due.snapshot_id);
  if (!snapshot) return snapshot.error();
  const PositionKey& subject_key = snapshot->subject;
  auto positions = snapshots_.positions(subject_key.site, subject_key.location, subject_key.sku);
  if (!positions) return positions.error();
  std::int64_t expected = 0;
  for (const PositionView& position : *positions) {
    auto at = projections_.expected_at(position.id, snapshot->hlc);
    if (!at) return at.error();
    expected += *at;
  }
  const Facts facts = facts_of(subject_key);
  Subject subject = facts.subject(subject_key);
  subject.system = snapshot->system;
  snapshot->expected = expected;
  snapshot->variance = snapshot->reported - expected;
  snapshot->within = context.policy.within_tolerance(subject, snapshot->variance, expected, facts.unit_cost());
  snapshot->value_cents = value_of(snapshot->variance, facts.unit_cost());
  if (auto ok =
          snapshots_.record_judgement(snapshot->id, expected, snapshot->value_cents, *snapshot->within, context.now_ms);
      !ok) {
    return ok;
  }
  const Figures figures{
      0, Classification::kVariance, expected, snapshot->reported, snapshot->variance, snapshot->value_cents};
  // Only the subject's newest report speaks for it: an older one judged again is history.
  auto newest = snapshots_.newest_of(snapshot->system, subject_key);
  if (!newest) return newest.error();
  if (*newest != snapshot->id) return {};
  auto active = discrepancies_.active_for_subject(snapshot->system, subject_key);
  if (!active) return active.error();
  if (*active) {
    auto discrepancy = discrepancies_.get(**active);
    if (!discrepancy) return discrepancy.error();
    const bool new_report = discrepancy->snapshot_id != snapshot->id;
    // As drive() does for counts: a new report or new figures are news, the same ones judged again are not.
    if (new_report || !same_figures(*discrepancy, figures)) {
      if (auto ok = discrepancies_.follow_snapshot(discrepancy->id, snapshot->id, figures, context.now_ms); !ok) {
        return ok;
      }
      context.effects.discrepancies.push_back(discrepancy->id);
    }
    if (*snapshot->within) {
      return step(context, *discrepancy, DiscrepancyState::kClosed, resolution_by(due.cause.kind), due.cause.actor,
                  "now within tolerance: " + figures_text(*snapshot) + " (" + std::string(to_string(due.cause.kind)) +
                      " " + due.cause.event_id + ")",
                  due.cause.event_id);
    }
    if (new_report && discrepancy->state == DiscrepancyState::kAwaitingSystem) {
      return step(context, *discrepancy, DiscrepancyState::kAwaitingReview, Resolution::kNone, due.cause.actor,
                  "the system's next report still disagrees: " + figures_text(*snapshot), due.cause.event_id);
    }
    return {};
  }
  if (*snapshot->within) return {};
  const std::string why = "variance: " + figures_text(*snapshot);
  auto id = discrepancies_.open_for_snapshot(snapshot->system, subject_key.site, snapshot->id, figures, context.now_ms,
                                             due.cause.actor, why, due.cause.event_id);
  if (!id) return id.error();
  auto opened = discrepancies_.get(*id);
  if (!opened) return opened.error();
  const Json detail = {{"discrepancy", *id},
                       {"system", snapshot->system},
                       {"position", position_json(subject_key)},
                       {"to", "open"},
                       {"classification", to_string(figures.classification)},
                       {"expected", expected},
                       {"counted", snapshot->reported},
                       {"variance", snapshot->variance},
                       {"value_cents", snapshot->value_cents},
                       {"snapshot_event_id", snapshot->event_id},
                       {"actor", describe(due.cause.actor)},
                       {"cause_event_id", due.cause.event_id}};
  context.effects.audit.push_back(AuditNote{"reconcile.transition", subject_of(*opened), dump(detail)});
  context.effects.discrepancies.push_back(opened->id);
  // The floor is not the side in question, so no blind recount: an operator decides which side
  // is right.
  return step(context, *opened, DiscrepancyState::kAwaitingReview, Resolution::kNone, Actor::system(),
              system_role(snapshot->system) == SystemRole::kReadOnly
                  ? "read-only system: proposed " + std::string(fba_proposal(snapshot->variance))
                  : "a system's report: an operator decides which side is right",
              "");
}

Result<void> Reconciler::step(Context& context, const Discrepancy& discrepancy, DiscrepancyState to,
                              Resolution resolution, const Actor& actor, const std::string& cause,
                              const std::string& cause_event_id) {
  auto transition =
      discrepancies_.transition(discrepancy.id, to, resolution, context.now_ms, actor, cause, cause_event_id);
  if (!transition) return transition.error();
  if (to == DiscrepancyState::kClosed) {
    auto sites = tasks_.cancel_open(discrepancy.id, context.now_ms);
    if (!sites) return sites.error();
    for (const auto& site : *sites) context.add_task_site(site);
  }
  auto current = discrepancies_.get(discrepancy.id);
  if (!current) return current.error();
  const Json detail = {{"discrepancy", current->id},
                       {"position", position_json(current->position)},
                       {"seq", transition->seq},
                       {"from", transition->from ? to_string(*transition->from) : ""},
                       {"to", to_string(to)},
                       {"resolution", to_string(resolution)},
                       {"classification", to_string(current->classification)},
                       {"expected", current->expected},
                       {"counted", current->counted},
                       {"variance", current->variance},
                       {"value_cents", current->value_cents},
                       {"actor", describe(actor)},
                       {"cause", cause},
                       {"cause_event_id", cause_event_id}};
  context.effects.audit.push_back(AuditNote{"reconcile.transition", subject_of(*current), dump(detail)});
  context.effects.discrepancies.push_back(current->id);
  return {};
}

Result<Effects> Reconciler::resolve(std::int64_t discrepancy_id, OperatorAction action, ReasonCode reason,
                                    const std::string& operator_login, std::int64_t now_ms) {
  if (operator_login.empty()) return invalid("operator", "must name the operator");
  auto policy = current_policy();
  if (!policy) return policy.error();
  auto discrepancy = discrepancies_.get(discrepancy_id);
  if (!discrepancy) return discrepancy.error();
  if (!action_allowed(action, discrepancy->state)) {
    return Error{ErrorCode::kConflict, "action",
                 "discrepancy " + std::to_string(discrepancy_id) + " is " + std::string(to_string(discrepancy->state)) +
                     ": " + std::string(to_string(action)) + " is not allowed"};
  }
  Context context{**policy, now_ms, {}};
  const Actor actor = Actor::operator_named(operator_login);
  if (action == OperatorAction::kReject) {
    if (auto ok = step(context, *discrepancy, DiscrepancyState::kClosed, Resolution::kRejected, actor,
                       "rejected (reason " + std::string(to_string(reason)) + ")", "");
        !ok) {
      return ok.error();
    }
  } else if (discrepancy->snapshot_id) {
    if (auto ok = resolve_system(context, *discrepancy, action, reason, actor); !ok) return ok.error();
  } else if (action == OperatorAction::kCorrectSystem) {
    return Error{ErrorCode::kConflict, "action",
                 "discrepancy " + std::to_string(discrepancy_id) +
                     " is the warehouse's own (a count against the ledger): correct-system is for a connected "
                     "system's discrepancy"};
  } else {
    auto group = projections_.group(discrepancy->group_id);
    if (!group) return group.error();
    if (group->counted == group->expected) {
      return Error{ErrorCode::kConflict, "action",
                   "discrepancy " + std::to_string(discrepancy_id) + " has no variance left to adjust"};
    }
    const Resolution resolution = action == OperatorAction::kApprove ? Resolution::kApproved : Resolution::kWrittenOff;
    if (auto ok = adjust(context, *discrepancy, *group, reason, actor, resolution); !ok) return ok.error();
  }
  // The adjustment shifts the counts after it; settle those now, in the operator's transaction.
  if (auto ok = settle_due(context); !ok) return ok.error();
  normalize(context.effects);
  return std::move(context.effects);
}

Result<void> Reconciler::resolve_system(Context& context, const Discrepancy& discrepancy, OperatorAction action,
                                        ReasonCode reason, const Actor& actor) {
  auto snapshot = snapshots_.get(*discrepancy.snapshot_id);
  if (!snapshot) return snapshot.error();
  const std::string name = "discrepancy " + std::to_string(discrepancy.id);
  if (action == OperatorAction::kCorrectSystem) {
    switch (system_role(discrepancy.system)) {
      case SystemRole::kAdjustable: break;
      case SystemRole::kReadOnly:
        return Error{ErrorCode::kConflict, "action",
                     (discrepancy.system == "fba" ? std::string("FBA") : discrepancy.system) +
                         " is read-only: recount never adjusts its figures; take " + name +
                         " up with the system (proposed: " + std::string(fba_proposal(discrepancy.variance)) +
                         "), then reject it, or approve it to take the system's figure"};
      case SystemRole::kLedger:
      case SystemRole::kMovementsOnly:
        return Error{ErrorCode::kConflict, "action", discrepancy.system + " takes no corrections"};
    }
    auto quantity =
        snapshots_.on_hand(discrepancy.position.site, discrepancy.position.location, discrepancy.position.sku);
    if (!quantity) return quantity.error();
    const Correction correction{discrepancy.system,
                                discrepancy.position.site,
                                discrepancy.position.location,
                                discrepancy.position.sku,
                                *quantity,
                                snapshot->reported,
                                discrepancy.id,
                                snapshot->event_id,
                                "correct-system"};
    const Json detail = {{"system", correction.system},     {"site", correction.site},
                         {"location", correction.location}, {"sku", correction.sku},
                         {"quantity", correction.quantity}, {"reported", correction.reported},
                         {"discrepancy", discrepancy.id},   {"snapshot_event_id", correction.snapshot_event_id}};
    context.effects.audit.push_back(
        AuditNote{"reconcile.correction", correction.site + "/" + correction.system, dump(detail)});
    context.effects.corrections.push_back(correction);
    return step(context, discrepancy, DiscrepancyState::kAwaitingSystem, Resolution::kNone, actor,
                "correct-system: " + discrepancy.system + " is told to hold " + std::to_string(*quantity) +
                    " (it reported " + std::to_string(snapshot->reported) + ")",
                "");
  }
  // approve / write-off: the system is right, and the ledger takes its figure as of the report.
  if (snapshot->variance == 0) return Error{ErrorCode::kConflict, "action", name + " has no variance left to adjust"};
  PositionKey position{discrepancy.position.site, discrepancy.position.location, discrepancy.position.sku, ""};
  if (position.location.empty()) {
    // A whole-site report: the position that held most of the SKU then takes the difference.
    auto positions = snapshots_.positions(position.site, "", position.sku);
    if (!positions) return positions.error();
    std::optional<std::pair<std::int64_t, PositionKey>> most;  // balance then, position
    for (const PositionView& candidate : *positions) {
      auto at = projections_.expected_at(candidate.id, snapshot->hlc);
      if (!at) return at.error();
      if (!most || *at > most->first) most = std::pair{*at, candidate.key};
    }
    if (!most) {
      return Error{ErrorCode::kConflict, "action",
                   name + ": the ledger holds no position of " + position.sku + " at " + position.site +
                       " to adjust; import the report with a location"};
    }
    position = most->second;
  }
  return adjust_position(context, discrepancy, position, snapshot->hlc, snapshot->variance, reason, actor,
                         action == OperatorAction::kApprove ? Resolution::kApproved : Resolution::kWrittenOff);
}

Result<Reevaluation> Reconciler::reevaluate_all(std::int64_t now_ms) {
  auto policy = current_policy();
  if (!policy) return policy.error();
  const Policy& current = **policy;
  std::vector<std::int64_t> differing;
  auto scanned = judgements_.scan_groups([&](const CountGroup& group) -> Result<void> {
    auto judged = rejudge(current, group);
    if (!judged) return judged.error();
    const auto& [judgement, ambiguous] = *judged;
    if (group.verdict != judgement.verdict || group.variance != judgement.variance || group.ambiguous != ambiguous) {
      differing.push_back(group.id);
    }
    return {};
  });
  if (!scanned) return scanned.error();
  if (auto ok = snapshots_.mark_all(now_ms, Cause{CauseKind::kReevaluation, "", Actor::system()}); !ok) {
    return ok.error();
  }
  return settle_marked(differing, Reevaluation{}, now_ms);
}

Result<CountGroup> Reconciler::before_correction(const CountGroup& group) {
  CountGroup as_counted = group;
  if (!group.discrepancy_id) return as_counted;
  auto discrepancy = discrepancies_.get(*group.discrepancy_id);
  if (!discrepancy) return discrepancy.error();
  // adjust() stamps the adjustment with the driving count's stamp, so it shifted that count alone
  // among the discrepancy's counts.
  if (discrepancy->group_id == group.id) as_counted.expected -= discrepancy->adjust_qty;
  return as_counted;
}

Result<WhatIf> Reconciler::what_if(const Policy& candidate, const WhatIfQuery& query) {
  auto policy = current_policy();
  if (!policy) return policy.error();
  const Policy& current = **policy;
  // Per discrepancy of the position being scanned: the counted quantity of its latest count and
  // how many recounts it had, which is what decides a recount's outcome. Groups come by position
  // and time, so a recount meets the counts before it first, inside the window or not.
  struct Chain {
    std::int64_t previous_counted = 0;
    std::uint32_t recounts = 0;
  };
  std::int64_t chain_position = 0;
  std::map<std::int64_t, Chain> chains;
  const auto fate = [this](const Policy& under, const CountGroup& group, const Chain* chain) -> Result<Fate> {
    auto judged = rejudge(under, group);
    if (!judged) return judged.error();
    const Judgement& judgement = judged->first;
    if (chain == nullptr) return Fate{judgement, count_outcome(under, judgement.verdict)};
    return Fate{judgement,
                recount_outcome(under, judgement, agrees(under, group, chain->previous_counted), chain->recounts + 1)};
  };
  WhatIfTally tally(query);
  auto scanned = judgements_.scan_groups([&](const CountGroup& group) -> Result<void> {
    if (group.position_id != chain_position) {
      chains.clear();
      chain_position = group.position_id;
    }
    if (group.is_void() || group.role == GroupRole::kRefused) return {};
    Chain* chain = nullptr;
    if (group.discrepancy_id && group.role == GroupRole::kRecount) {
      if (const auto found = chains.find(*group.discrepancy_id); found != chains.end()) chain = &found->second;
    }
    const std::int64_t time_ms = group.last_hlc.wall_ms();
    if (time_ms >= query.since_ms && (query.site.empty() || group.position.site == query.site)) {
      auto as_counted = before_correction(group);
      if (!as_counted) return as_counted.error();
      auto before = fate(current, *as_counted, chain);
      if (!before) return before.error();
      auto after = fate(candidate, *as_counted, chain);
      if (!after) return after.error();
      const Facts facts = facts_of(group.position);
      tally.add(facts.item ? std::string_view(facts.item->item_class) : std::string_view(),
                WhatIfExample{group.id, group.position, time_ms, group.counted, as_counted->expected}, *before, *after);
    }
    if (group.discrepancy_id) {
      const std::uint32_t recounts = chain == nullptr ? 0 : chain->recounts + 1;
      chains[*group.discrepancy_id] = Chain{group.counted, recounts};
    }
    return {};
  });
  if (!scanned) return scanned.error();
  return std::move(tally).finish();
}

Result<Reevaluation> Reconciler::verify_projections(std::int64_t now_ms) {
  std::vector<std::pair<std::int64_t, std::int64_t>> on_hand_repairs;   // position, on-hand
  std::vector<std::pair<std::int64_t, std::int64_t>> expected_repairs;  // group, expected
  auto scanned = judgements_.scan([&](const PositionScan& scan) -> Result<void> {
    // Balances after each movement, in event-time order.
    std::vector<HlcStamp> stamps;
    std::vector<std::int64_t> balances;
    std::int64_t balance = 0;
    for (const auto& movement : scan.movements) {
      balance += movement.delta;
      stamps.push_back(movement.hlc);
      balances.push_back(balance);
    }
    if (balance != scan.position.on_hand) on_hand_repairs.emplace_back(scan.position.id, balance);
    for (const CountGroup& group : scan.groups) {
      // Movements at the group's stamp precede it.
      const auto after = std::upper_bound(stamps.begin(), stamps.end(), group.last_hlc);
      const std::int64_t expected =
          after == stamps.begin() ? 0 : balances[static_cast<std::size_t>(after - stamps.begin() - 1)];
      if (expected != group.expected) expected_repairs.emplace_back(group.id, expected);
    }
    return {};
  });
  if (!scanned) return scanned.error();
  for (const auto& [position_id, on_hand] : on_hand_repairs) {
    if (auto ok = judgements_.repair_on_hand(position_id, on_hand); !ok) return ok.error();
  }
  std::vector<std::int64_t> repaired;
  for (const auto& [group_id, expected] : expected_repairs) {
    if (auto ok = judgements_.repair_expected(group_id, expected); !ok) return ok.error();
    repaired.push_back(group_id);
  }
  return settle_marked(repaired, Reevaluation{on_hand_repairs.size(), expected_repairs.size(), 0, {}}, now_ms);
}

Result<Reevaluation> Reconciler::settle_marked(const std::vector<std::int64_t>& group_ids, Reevaluation result,
                                               std::int64_t now_ms) {
  const Cause cause{CauseKind::kReevaluation, "", Actor::system()};
  for (const std::int64_t group_id : group_ids) {
    if (auto ok = projections_.mark_dirty(group_id, now_ms, cause); !ok) return ok.error();
  }
  result.groups_rejudged = group_ids.size();
  auto effects = settle(now_ms);
  if (!effects) return effects.error();
  result.effects = std::move(*effects);
  return result;
}

Result<protocol::TaskList> Reconciler::task_list(const std::string& site) { return tasks_.task_list(site); }

Result<std::vector<std::string>> Reconciler::sites_awaiting_task_ack() { return tasks_.sites_awaiting_ack(); }

Result<std::vector<ListVersion>> Reconciler::task_list_versions() { return tasks_.list_versions(); }

Result<void> Reconciler::planned_counts_changed(const std::string& site) { return tasks_.bump(site); }

Result<void> Reconciler::raise_task_list_version(const std::string& site, std::int64_t at_least) {
  return tasks_.raise(site, at_least);
}

}  // namespace recount::hub::reconcile
