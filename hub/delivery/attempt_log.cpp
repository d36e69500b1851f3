// The delivery attempts table and its migrations.
#include "hub/delivery/attempt_log.hpp"

#include <string_view>

#include "shared/storage/statement_set.hpp"

namespace recount::hub::delivery {
namespace {

// The table on PostgreSQL at version 1, in its types (INTEGER is 32-bit there: BIGINT; SQLite's
// INTEGER PRIMARY KEY: an identity column, so that ORDER BY id is the order of the inserts).
constexpr std::string_view kPostgresDelivery = R"sql(
CREATE TABLE delivery_attempts (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subject     TEXT   NOT NULL,
  subject_id  BIGINT NOT NULL,
  channel     TEXT   NOT NULL,
  target      TEXT   NOT NULL,
  started_ms  BIGINT NOT NULL,
  finished_ms BIGINT NOT NULL,
  status      BIGINT NOT NULL,
  outcome     TEXT   NOT NULL CHECK (outcome IN ('delivered', 'retry', 'refused')),
  error       TEXT   NOT NULL
);
CREATE INDEX delivery_attempts_by_subject ON delivery_attempts(subject, subject_id);
)sql";

}  // namespace

// Step i takes the table from version i to i + 1. Append; never edit one that has shipped.
storage::SchemaComponent delivery_schema() {
  return storage::SchemaComponent{"delivery",
                                  "recount-hub",
                                  {{R"sql(
CREATE TABLE delivery_attempts (
  id          INTEGER PRIMARY KEY,
  subject     TEXT    NOT NULL,  -- "correction", ...
  subject_id  INTEGER NOT NULL,
  channel     TEXT    NOT NULL,  -- "file", "webhook"
  target      TEXT    NOT NULL,  -- the file's path, the webhook's URL
  started_ms  INTEGER NOT NULL,
  finished_ms INTEGER NOT NULL,
  status      INTEGER NOT NULL,  -- HTTP status; 0: none
  outcome     TEXT    NOT NULL CHECK (outcome IN ('delivered', 'retry', 'refused')),
  error       TEXT    NOT NULL
);
CREATE INDEX delivery_attempts_by_subject ON delivery_attempts(subject, subject_id);
)sql"}},
                                  {},
                                  storage::SchemaComponent::Postgres{1, kPostgresDelivery}};
}

Result<void> open_attempt_log(storage::Connection& database) {
  const storage::SchemaComponent components[] = {delivery_schema()};
  return storage::migrate(database, components);
}

Result<void> record_attempt(storage::Connection& database, const Attempt& attempt) {
  auto insert = database.prepare(
      "INSERT INTO delivery_attempts(subject, subject_id, channel, target, started_ms, finished_ms, status, outcome, "
      "error) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!insert) return insert.error();
  return insert->bind(1, attempt.subject)
      .bind(2, attempt.subject_id)
      .bind(3, attempt.channel)
      .bind(4, attempt.target)
      .bind(5, attempt.started_ms)
      .bind(6, attempt.finished_ms)
      .bind(7, static_cast<std::int64_t>(attempt.status))
      .bind(8, attempt.outcome)
      .bind(9, attempt.error)
      .run();
}

Result<std::vector<Attempt>> list_attempts(storage::Connection& database, std::string_view subject,
                                           std::int64_t subject_id) {
  auto query = database.prepare(
      "SELECT subject, subject_id, channel, target, started_ms, finished_ms, status, outcome, error "
      "FROM delivery_attempts WHERE subject = ?1 AND subject_id = ?2 ORDER BY id");
  if (!query) return query.error();
  query->bind(1, subject).bind(2, subject_id);
  return storage::collect_rows<Attempt>(*query, [](const storage::Statement& row) -> Result<Attempt> {
    return Attempt{row.column_text(0),
                   row.column_int(1),
                   row.column_text(2),
                   row.column_text(3),
                   row.column_int(4),
                   row.column_int(5),
                   static_cast<unsigned>(row.column_int(6)),
                   row.column_text(7),
                   row.column_text(8)};
  });
}

}  // namespace recount::hub::delivery
