// The delivery attempts table on SQLite and PostgreSQL: what an attempt stores, listed per subject
// in the order they were made, and the outcomes the table refuses.
#include "hub/delivery/attempt_log.hpp"

#include <doctest/doctest.h>

#include "tests/hub/storage_backends.hpp"

namespace recount::hub::delivery {
namespace {

Attempt attempt(std::int64_t subject_id, std::int64_t started_ms, std::string outcome, unsigned status) {
  return Attempt{"correction",
                 subject_id,
                 "webhook",
                 "https://erp.example/hook",
                 started_ms,
                 started_ms + 250,
                 status,
                 std::move(outcome),
                 status == 200 ? "" : "HTTP " + std::to_string(status)};
}

TEST_CASE_TEMPLATE("attempts are listed per subject in the order they were made, each as it was stored", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  Backend backend;
  auto& database = backend.connection();
  REQUIRE(open_attempt_log(database).has_value());
  // Started out of order: the order they were recorded in is the order they are listed in.
  REQUIRE(record_attempt(database, attempt(7, 5000, "retry", 503)).has_value());
  REQUIRE(record_attempt(database, attempt(8, 1000, "delivered", 200)).has_value());
  REQUIRE(record_attempt(database, attempt(7, 4000, "delivered", 200)).has_value());
  const auto listed = list_attempts(database, "correction", 7).value();
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].started_ms == 5000);
  CHECK(listed[0].finished_ms == 5250);
  CHECK(listed[0].status == 503);
  CHECK(listed[0].outcome == "retry");
  CHECK(listed[0].error == "HTTP 503");
  CHECK(listed[0].target == "https://erp.example/hook");
  CHECK(listed[1].outcome == "delivered");
  CHECK(listed[1].error.empty());
  CHECK(list_attempts(database, "correction", 8).value().size() == 1);
  CHECK(list_attempts(database, "alert", 7).value().empty());
  // Opening again finds the table current and keeps what it holds.
  REQUIRE(open_attempt_log(database).has_value());
  CHECK(list_attempts(database, "correction", 7).value().size() == 2);
}

TEST_CASE_TEMPLATE("an attempt with an outcome the table does not know is refused and stores nothing", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  Backend backend;
  auto& database = backend.connection();
  REQUIRE(open_attempt_log(database).has_value());
  const auto refused = record_attempt(database, attempt(7, 1000, "lost", 0));
  REQUIRE_FALSE(refused.has_value());
  CHECK(list_attempts(database, "correction", 7).value().empty());
}

}  // namespace
}  // namespace recount::hub::delivery
