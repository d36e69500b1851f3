// A reconciler on a hub database, driven the way the hub's wiring drives it: each batch is stored
// in the event store, applied by catch_up, settled, its adjustments stored as hub events and its
// audit notes appended, then committed. Scenario and metrics tests run through it, on either
// backend (tests/hub/storage_backends.hpp).
#pragma once

#include <chrono>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "hub/ledger/audit_log.hpp"
#include "hub/ledger/event_digest.hpp"
#include "hub/ledger/event_store.hpp"
#include "hub/reconcile/reconciler.hpp"
#include "hub/reconcile/sqlite_queries.hpp"
#include "tests/hub/reconcile/fixtures.hpp"

namespace recount::hub::reconcile::testing {

inline constexpr std::string_view kHubEpoch = "00000000000000a0";

template <typename Backend = SqliteBackend>
struct ReconcileFixture {
  Backend backend;
  storage::Connection& database = migrated(backend.connection(), Tables::kLedgerOnly);
  CatalogSnapshot catalog = [] {
    CatalogSnapshot snapshot;
    snapshot.put(test_catalog());
    return snapshot;
  }();
  Reconciler reconciler = must(Reconciler::open(database, catalog));
  SqliteQueries queries = must(SqliteQueries::prepare(database));
  EventStore events = must(EventStore::prepare(database));
  AuditLog audit = must(AuditLog::prepare(database));
  EventMaker make;
  std::int64_t now_ms = kNowMs;
  std::uint64_t hub_seq = 0;
  std::vector<Adjustment> adjustments;  // every adjustment the engine handed back

  // One batch from `device` at `site`, as ingest commits it: stored, applied, settled, effects carried out,
  // committed.
  Effects deliver(const std::vector<Event>& batch, const std::string& device = "hh-1", std::string_view site = kSite) {
    auto transaction = must(storage::Transaction::begin(database));
    store(batch, device, site);
    CHECK(must(reconciler.catch_up(events, std::numeric_limits<std::size_t>::max())).complete);
    Effects effects = carry_out(must(reconciler.settle(now_ms)));
    must(transaction.commit());
    return effects;
  }
  Effects deliver(const Event& event, const std::string& device = "hh-1") {
    return deliver(std::vector<Event>{event}, device);
  }

  // Stores events from `device` at `site`, received now_ms, in the caller's transaction, without applying
  // them, and audits them with their digest as the ledger does (hub/ledger/event_digest.hpp).
  void store(const std::vector<Event>& batch, const std::string& device = "hh-1", std::string_view site = kSite) {
    const Origin origin{std::string(site), device, "00000000000000e1"};
    EventDigester digester;
    for (const Event& event : batch) {
      if (must(events.insert(origin, event, now_ms)) == Insertion::kNew) digester.add(origin, event, now_ms);
    }
    audit_events("sync.batch", digester);
  }

  // A commit that only settles what is due by now_ms, judging until `judge_until`.
  Effects settle(std::chrono::steady_clock::time_point judge_until) {
    auto transaction = must(storage::Transaction::begin(database));
    Effects effects = carry_out(must(reconciler.settle(now_ms, now_ms, judge_until)));
    must(transaction.commit());
    return effects;
  }

  Effects resolve(std::int64_t id, OperatorAction action, ReasonCode reason = ReasonCode::kShrinkage) {
    auto transaction = must(storage::Transaction::begin(database));
    Effects effects = carry_out(must(reconciler.resolve(id, action, reason, "op-1", now_ms)));
    must(transaction.commit());
    return effects;
  }

  void set_policy(std::string_view json) {
    auto transaction = must(storage::Transaction::begin(database));
    carry_out(must(reconciler.set_policy(must(parse_policy(json)), "op-1", now_ms)));
    must(transaction.commit());
  }

  Discrepancy discrepancy(std::int64_t id) { return must(queries.discrepancy(id)).discrepancy; }

  std::vector<Discrepancy> discrepancies(StateFilter filter = StateFilter::kAll) {
    return must(queries.discrepancies(DiscrepancyQuery{"", filter, {}, 0, 1000}));
  }

  // The position's count groups by time.
  std::vector<CountGroup> counts(const std::string& location, const std::string& sku) {
    return must(queries.counts(PositionKey{std::string(kSite), location, sku, ""}));
  }

  std::int64_t on_hand(const std::string& location, const std::string& sku) {
    const PositionKey key{std::string(kSite), location, sku, ""};
    for (const auto& position : must(queries.positions(PositionQuery{std::string(kSite), sku, 0, 1000}))) {
      if (position.key == key) return position.on_hand;
    }
    return 0;
  }

  protocol::TaskList tasks() { return must(reconciler.task_list(std::string(kSite))); }

 private:
  // What the hub does with Effects inside its transaction.
  Effects carry_out(Effects effects) {
    EventDigester digester;
    for (Adjustment& adjustment : effects.adjustments) {
      adjustment.event.seq = ++hub_seq;
      REQUIRE(validate(adjustment.event).has_value());
      const Origin hub{adjustment.site, "hub", std::string(kHubEpoch)};
      // The next catch_up applies it like any stored event, which changes nothing: the engine
      // applied it already.
      CHECK(must(events.insert(hub, adjustment.event, now_ms)) == Insertion::kNew);
      digester.add(hub, adjustment.event, now_ms);
      adjustments.push_back(adjustment);
    }
    if (digester.count() > 0) audit_events("hub.events", digester);
    for (const AuditNote& note : effects.audit) must(audit.append(now_ms, note.kind, note.subject, note.detail));
    return effects;
  }

  void audit_events(const std::string& kind, EventDigester& digester) {
    const nlohmann::json detail = {{kEventsMember, to_json(digester.finish())}};
    must(audit.append(now_ms, kind, std::string(kSite), detail.dump()));
  }
};

}  // namespace recount::hub::reconcile::testing
