// PolicyStore: versions of the tolerance policy with who set them and when, the built-in default
// before any, and a stored document that no longer parses reported as corrupt.
#include "hub/reconcile/policy_store.hpp"

#include <doctest/doctest.h>

#include "tests/hub/reconcile/fixtures.hpp"

namespace recount::hub::reconcile {
namespace {

using testing::must;

template <typename Backend>
struct PolicyStoreFixture {
  Backend backend;
  storage::Connection& database = testing::migrated(backend.connection());
  PolicyStore store = must(PolicyStore::prepare(database));
};

TEST_CASE_TEMPLATE("reconcile policy store: version 0 is the built-in default, each insert the next version", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  PolicyStoreFixture<Backend> fixture;
  CHECK(must(fixture.store.version()) == 0);
  const PolicyInForce initial = must(fixture.store.read(0));
  CHECK(initial.policy == Policy{});
  CHECK(initial.version == 0);
  CHECK(initial.actor.empty());

  Policy first;
  first.max_recount_rounds = 4;
  Policy second;
  second.max_recount_rounds = 5;
  CHECK(must(fixture.store.insert(first, 1000, "op-1")) == 1);
  CHECK(must(fixture.store.insert(second, 2000, "op-2")) == 2);
  CHECK(must(fixture.store.version()) == 2);
  const PolicyInForce stored = must(fixture.store.read(1));
  CHECK(stored.policy == first);
  CHECK(stored.version == 1);
  CHECK(stored.set_ms == 1000);
  CHECK(stored.actor == "op-1");
  CHECK(must(fixture.store.read(2)).policy == second);
}

TEST_CASE_TEMPLATE(
    "reconcile policy store: a version never stored is not found, a document that no longer parses is corrupt", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  PolicyStoreFixture<Backend> fixture;
  const auto missing = fixture.store.read(7);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::kNotFound);
  must(fixture.database.execute(
      "INSERT INTO reconcile_policies (version, document, set_ms, actor) VALUES (1, '{\"nonsense\": 1}', 5, 'x')"));
  const auto corrupt = fixture.store.read(1);
  REQUIRE_FALSE(corrupt.has_value());
  CHECK(corrupt.error().code == ErrorCode::kCorrupt);
  CHECK(corrupt.error().message.find("version 1") != std::string::npos);
}

}  // namespace
}  // namespace recount::hub::reconcile
