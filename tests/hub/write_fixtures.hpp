// What tests of the hub's own writes (imports, operator decisions) share: the write side of a hub
// over a ledger in a temp directory, on the fixed clock, with no broker.
#pragma once

#include <boost/asio/io_context.hpp>

#include "hub/http/router.hpp"
#include "hub/reconcile/sqlite_queries.hpp"
#include "hub/writes/hub_writer.hpp"
#include "shared/crypto/ed25519.hpp"
#include "tests/hub/ledger_fixtures.hpp"
#include "tests/support/mqtt_fixtures.hpp"

namespace recount::testing {

// Task lists are offered to a link that never connects (the publishing is not under test).
struct WriteSide {
  LedgerFixture store;
  hub::reconcile::CatalogSnapshot catalog;
  hub::reconcile::Reconciler reconciler = hub::reconcile::Reconciler::open(store.ledger.database(), catalog).value();
  hub::reconcile::SqliteQueries queries = hub::reconcile::SqliteQueries::prepare(store.ledger.database()).value();
  boost::asio::io_context io;
  mqtt::Link link{io, test_link_options("tcp://127.0.0.1:1", "write-side-test")};
  crypto::SigningKey signing_key = crypto::SigningKey::generate();
  hub::TaskListPublisher tasks{io, link, reconciler, signing_key};
  hub::HubWriter writer{store.ledger, reconciler, tasks, fixed_clock()};
  hub::Router router;
};

}  // namespace recount::testing
