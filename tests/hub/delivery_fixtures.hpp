// What tests of the hub's reconciliation reads share: device-1's events stored and reconciled as
// ingest does it, in one transaction.
#pragma once

#include <doctest/doctest.h>

#include <vector>

#include "hub/writes/hub_writer.hpp"
#include "tests/hub/ledger_fixtures.hpp"

namespace recount::testing {

// Stores `events` as one batch of device-1 received at kFixedNowMs, then applies the new ones to
// `reconciler`, settles at kFixedNowMs, records the effects and commits (hub::settle_and_commit).
inline void deliver(hub::Ledger& ledger, hub::reconcile::Reconciler& reconciler, const std::vector<Event>& events) {
  hub::IncomingBatch batch = batch_of(origin_of("device-1"), 1, 0);
  batch.events = events;
  batch.first_seq = events.front().seq;
  batch.last_seq = events.back().seq;
  auto write = ledger.begin_write();
  REQUIRE(write.has_value());
  REQUIRE(write->apply(batch).has_value());
  REQUIRE(hub::settle_and_commit(*write, reconciler, {}, kFixedNowMs).has_value());
}

}  // namespace recount::testing
