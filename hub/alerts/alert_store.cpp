// The alerts tables, raising with one open alert per (rule, subject), acknowledgement and the
// delivery outbox.
#include "hub/alerts/alert_store.hpp"

#include <nlohmann/json.hpp>

#include "shared/core/random_id.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::alerts {
namespace {

constexpr const char* kAlertColumns =
    "id, rule, kind, subject, site, summary, idempotency_key, state, raised_ms, acked_by, COALESCE(acked_ms, 0)";

Result<Alert> read_alert(const storage::Statement& row) {
  auto state = parse_alert_state(row.column_text(7));
  if (!state) return Error{ErrorCode::kCorrupt, "", "alert " + std::to_string(row.column_int(0)) + " has no state"};
  return Alert{row.column_int(0),  row.column_text(1), row.column_text(2), row.column_text(3),
               row.column_text(4), row.column_text(5), row.column_text(6), *state,
               row.column_int(8),  row.column_text(9), row.column_int(10)};
}

Result<std::vector<AlertDelivery>> read_deliveries(storage::Statement& query) {
  return storage::collect_rows<AlertDelivery>(query, [](const storage::Statement& row) -> Result<AlertDelivery> {
    return AlertDelivery{row.column_int(0),  row.column_int(1),  row.column_text(2),
                         row.column_text(3), row.column_text(4), row.column_int(5),
                         row.column_int(6),  row.column_text(7), row.column_int(8)};
  });
}

constexpr const char* kDeliveryColumns =
    "id, alert_id, channel, target, state, attempts, next_attempt_ms, last_error, COALESCE(delivered_ms, 0)";

Result<void> queue(storage::Connection& database, std::int64_t alert_id, std::string_view channel,
                   std::string_view target, std::int64_t now_ms) {
  auto insert = database.prepare(
      "INSERT INTO alert_deliveries(alert_id, channel, target, state, next_attempt_ms) "
      "VALUES(?1, ?2, ?3, 'pending', ?4)");
  if (!insert) return insert.error();
  return insert->bind(1, alert_id).bind(2, channel).bind(3, target).bind(4, now_ms).run();
}

}  // namespace

// Step i takes the tables from version i to i + 1. Append; never edit one that has shipped.
storage::SchemaComponent alerts_schema() {
  return storage::SchemaComponent{"alerts", "recount-hub", {{R"sql(
CREATE TABLE alerts (
  id              INTEGER PRIMARY KEY,
  rule            TEXT    NOT NULL,          -- the policy's alert rule, by name
  kind            TEXT    NOT NULL,          -- "discrepancy", "device_offline"
  subject         TEXT    NOT NULL,          -- "discrepancy/42", "device/SITE/DEVICE"
  site            TEXT    NOT NULL,
  summary         TEXT    NOT NULL,
  idempotency_key TEXT    NOT NULL UNIQUE,   -- sent with every webhook attempt
  state           TEXT    NOT NULL CHECK (state IN ('open', 'acknowledged')),
  holding         INTEGER NOT NULL DEFAULT 1, -- its condition was last seen holding
  raised_ms       INTEGER NOT NULL,
  acked_by        TEXT    NOT NULL DEFAULT '',
  acked_ms        INTEGER
);
CREATE UNIQUE INDEX alerts_one_open ON alerts(rule, subject) WHERE state = 'open';
CREATE INDEX alerts_by_subject ON alerts(rule, subject, holding);
CREATE INDEX alerts_by_site ON alerts(site, state);
CREATE TABLE alert_deliveries (
  id              INTEGER PRIMARY KEY,
  alert_id        INTEGER NOT NULL REFERENCES alerts(id),
  channel         TEXT    NOT NULL CHECK (channel IN ('webhook', 'mqtt', 'email')),
  target          TEXT    NOT NULL,          -- the e-mail address; "" for the hub's webhook and topic
  state           TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,          -- not before: the retry backoff
  last_error      TEXT    NOT NULL DEFAULT '',
  delivered_ms    INTEGER
);
CREATE INDEX alert_deliveries_due ON alert_deliveries(state, next_attempt_ms);
CREATE INDEX alert_deliveries_by_alert ON alert_deliveries(alert_id);
)sql"}}};
}

Result<void> open_alerts(storage::Connection& database) {
  const storage::SchemaComponent components[] = {alerts_schema()};
  return storage::migrate(database, components);
}

std::string_view to_string(AlertState state) { return state == AlertState::kOpen ? "open" : "acknowledged"; }

std::optional<AlertState> parse_alert_state(std::string_view text) {
  if (text == "open") return AlertState::kOpen;
  if (text == "acknowledged") return AlertState::kAcknowledged;
  return std::nullopt;
}

Result<std::optional<std::int64_t>> raise(LedgerWrite& write, const Observation& observation, std::int64_t now_ms) {
  storage::Connection& database = write.database();
  const reconcile::AlertRule& rule = *observation.rule;
  // Still open, or acknowledged while the condition held on: a recurrence of the same condition
  // is not news. An open alert whose condition cleared and came back holds again.
  auto again = database.prepare(
      "UPDATE alerts SET holding = 1 WHERE rule = ?1 AND subject = ?2 AND (state = 'open' OR holding = 1)");
  if (!again) return again.error();
  auto existing = again->bind(1, rule.name).bind(2, observation.subject).run_counted();
  if (!existing) return existing.error();
  if (*existing > 0) return std::optional<std::int64_t>();
  auto insert = database.prepare(
      "INSERT INTO alerts(rule, kind, subject, site, summary, idempotency_key, state, raised_ms) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7) RETURNING id");
  if (!insert) return insert.error();
  const std::string key = "alert-" + uuid_v7(now_ms);
  auto inserted = storage::single_int(insert->bind(1, rule.name)
                                          .bind(2, reconcile::to_string(rule.kind))
                                          .bind(3, observation.subject)
                                          .bind(4, observation.site)
                                          .bind(5, observation.summary)
                                          .bind(6, key)
                                          .bind(7, now_ms));
  if (!inserted) return inserted.error();
  const std::int64_t id = *inserted;
  Result<void> queued = Ok{};
  if (rule.channels.webhook) queued = queue(database, id, "webhook", "", now_ms);
  if (queued && rule.channels.mqtt) queued = queue(database, id, "mqtt", "", now_ms);
  for (const auto& to : rule.channels.email) {
    if (queued) queued = queue(database, id, "email", to, now_ms);
  }
  if (!queued) return queued.error();
  const nlohmann::json detail{{"rule", rule.name},
                              {"subject", observation.subject},
                              {"site", observation.site},
                              {"summary", observation.summary}};
  if (auto ok = write.audit("alert.raised", "alert/" + std::to_string(id), detail.dump()); !ok) return ok.error();
  return std::optional<std::int64_t>(id);
}

Result<void> release(LedgerWrite& write, std::string_view rule, std::string_view subject) {
  auto update =
      write.database().prepare("UPDATE alerts SET holding = 0 WHERE rule = ?1 AND subject = ?2 AND holding = 1");
  if (!update) return update.error();
  return update->bind(1, rule).bind(2, subject).run();
}

Result<std::vector<std::pair<std::string, std::string>>> holding(storage::Connection& database) {
  auto query = database.prepare("SELECT DISTINCT rule, subject FROM alerts WHERE holding = 1");
  if (!query) return query.error();
  using Pair = std::pair<std::string, std::string>;
  return storage::collect_rows<Pair>(*query, [](const storage::Statement& row) -> Result<Pair> {
    return Pair{row.column_text(0), row.column_text(1)};
  });
}

Result<Alert> acknowledge(LedgerWrite& write, std::int64_t id, const std::string& actor, std::int64_t now_ms) {
  auto found = find_alert(write.database(), id);
  if (!found) return found.error();
  if (!*found) return Error{ErrorCode::kNotFound, "id", "no alert has the id " + std::to_string(id)};
  if ((*found)->state != AlertState::kOpen) {
    return Error{ErrorCode::kConflict, "",
                 "alert " + std::to_string(id) + " was acknowledged by " + (*found)->acked_by + " already"};
  }
  auto update =
      write.database().prepare("UPDATE alerts SET state = 'acknowledged', acked_by = ?2, acked_ms = ?3 WHERE id = ?1");
  if (!update) return update.error();
  if (auto ok = update->bind(1, id).bind(2, actor).bind(3, now_ms).run(); !ok) return ok.error();
  const nlohmann::json detail{{"rule", (*found)->rule}, {"subject", (*found)->subject}, {"actor", actor}};
  if (auto ok = write.audit("alert.acknowledged", "alert/" + std::to_string(id), detail.dump()); !ok) {
    return ok.error();
  }
  Alert acked = std::move(**found);
  acked.state = AlertState::kAcknowledged;
  acked.acked_by = actor;
  acked.acked_ms = now_ms;
  return acked;
}

Result<std::vector<Alert>> list_alerts(storage::Connection& database, const AlertFilter& filter) {
  auto query = database.prepare(std::string("SELECT ") + kAlertColumns +
                                " FROM alerts WHERE (?1 = '' OR state = ?1) AND (?2 = '' OR site = ?2) "
                                "ORDER BY id DESC LIMIT ?3");
  if (!query) return query.error();
  // A std::string, never an empty string_view, which SQLite would take as NULL.
  const std::string state(filter.state ? to_string(*filter.state) : "");
  query->bind(1, state).bind(2, filter.site).bind(3, static_cast<std::int64_t>(filter.limit));
  return storage::collect_rows<Alert>(*query, read_alert);
}

Result<std::optional<Alert>> find_alert(storage::Connection& database, std::int64_t id) {
  auto query = database.prepare(std::string("SELECT ") + kAlertColumns + " FROM alerts WHERE id = ?1");
  if (!query) return query.error();
  query->bind(1, id);
  auto rows = storage::collect_rows<Alert>(*query, read_alert);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Alert>();
  return std::optional<Alert>(std::move(rows->front()));
}

Result<std::vector<AlertDelivery>> list_deliveries(storage::Connection& database, std::int64_t alert_id) {
  auto query = database.prepare(std::string("SELECT ") + kDeliveryColumns +
                                " FROM alert_deliveries WHERE alert_id = ?1 ORDER BY id");
  if (!query) return query.error();
  query->bind(1, alert_id);
  return read_deliveries(*query);
}

Result<std::vector<AlertDelivery>> due_deliveries(storage::Connection& database, std::int64_t now_ms,
                                                  std::size_t limit) {
  auto query = database.prepare(std::string("SELECT ") + kDeliveryColumns +
                                " FROM alert_deliveries WHERE state = 'pending' AND next_attempt_ms <= ?1 "
                                "ORDER BY next_attempt_ms, id LIMIT ?2");
  if (!query) return query.error();
  query->bind(1, now_ms).bind(2, static_cast<std::int64_t>(limit));
  return read_deliveries(*query);
}

Result<void> record_outcome(storage::Connection& database, const DeliveryOutcome& outcome, std::int64_t now_ms) {
  auto update = database.prepare(
      "UPDATE alert_deliveries SET attempts = attempts + 1, state = ?2, last_error = ?3, "
      "next_attempt_ms = ?4, delivered_ms = ?5 WHERE id = ?1");
  if (!update) return update.error();
  update->bind(1, outcome.delivery_id)
      .bind(2, outcome.delivered ? "delivered" : (outcome.retry_at_ms ? "pending" : "failed"))
      .bind(3, outcome.error)
      .bind(4, outcome.retry_at_ms.value_or(now_ms));
  if (outcome.delivered) {
    update->bind(5, now_ms);
  } else {
    update->bind_null(5);
  }
  return update->run();
}

}  // namespace recount::hub::alerts
