// The alerts the hub raised (docs/investigation.md, "Alerts"), their acknowledgements and their
// delivery outbox, in the hub database: an alert and the deliveries it needs are written in one
// transaction, so each is delivered at least once even across a kill -9. At most one alert is
// open per (rule, subject).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/ledger/ledger.hpp"
#include "hub/reconcile/policy.hpp"
#include "shared/core/result.hpp"
#include "shared/storage/migrations.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub::alerts {

// The "alerts" component (shared/storage/migrations.hpp). It came after schema_versions, so it
// has no legacy version.
storage::SchemaComponent alerts_schema();

// Creates or migrates the tables; call it outside any transaction. Errors: as storage::migrate.
Result<void> open_alerts(storage::Connection& database);

enum class AlertState { kOpen, kAcknowledged };
std::string_view to_string(AlertState state);
std::optional<AlertState> parse_alert_state(std::string_view text);

struct Alert {
  std::int64_t id = 0;
  std::string rule;     // the policy rule's name
  std::string kind;     // to_string(reconcile::AlertKind)
  std::string subject;  // conditions.hpp: "discrepancy/42", "device/site-1/dev-1"
  std::string site;
  std::string summary;  // one sentence for a person
  std::string idempotency_key;
  AlertState state = AlertState::kOpen;
  std::int64_t raised_ms = 0;
  std::string acked_by;  // "" while open
  std::int64_t acked_ms = 0;
};

// One channel an alert goes out on, and how far that got.
struct AlertDelivery {
  std::int64_t id = 0;
  std::int64_t alert_id = 0;
  std::string channel;  // "webhook", "mqtt", "email"
  std::string target;   // "" for the hub's webhook and topic; the address for e-mail
  std::string state;    // "pending", "delivered", "failed"
  std::int64_t attempts = 0;
  std::int64_t next_attempt_ms = 0;
  std::string last_error;
  std::int64_t delivered_ms = 0;  // 0: not yet
};

struct AlertFilter {
  std::optional<AlertState> state;
  std::string site;  // "" for every site
  std::size_t limit = 100;
};

// What the evaluation of one rule for one subject found.
struct Observation {
  const reconcile::AlertRule* rule = nullptr;  // non-null
  std::string subject;
  std::string site;
  std::string summary;
};

// Raises an alert for `observation` in `write` unless one is open for its rule and subject, or an
// acknowledged one's condition has held since (an acknowledged condition raises again only after
// it stopped holding and came back). Queues a delivery per channel of the rule and audits
// "alert.raised". Returns the new alert's id, or nullopt when none was raised. Errors: SQLite's.
Result<std::optional<std::int64_t>> raise(LedgerWrite& write, const Observation& observation, std::int64_t now_ms);

// Notes that `rule`'s condition no longer holds for `subject`, so a later recurrence raises again.
// Errors: SQLite's.
Result<void> release(LedgerWrite& write, std::string_view rule, std::string_view subject);

// The (rule, subject) pairs whose condition was last seen holding. Errors: SQLite's.
Result<std::vector<std::pair<std::string, std::string>>> holding(storage::Connection& database);

// Acknowledges open alert `id` as `actor` and audits "alert.acknowledged". Errors: kNotFound
// (no such alert), kConflict (already acknowledged), SQLite's.
Result<Alert> acknowledge(LedgerWrite& write, std::int64_t id, const std::string& actor, std::int64_t now_ms);

// The alerts `filter` lets through, newest first. Errors: SQLite's.
Result<std::vector<Alert>> list_alerts(storage::Connection& database, const AlertFilter& filter);
// nullopt when there is none. Errors: SQLite's.
Result<std::optional<Alert>> find_alert(storage::Connection& database, std::int64_t id);
// Alert `id`'s deliveries, by channel. Errors: SQLite's.
Result<std::vector<AlertDelivery>> list_deliveries(storage::Connection& database, std::int64_t alert_id);
// Pending deliveries due at `now_ms`, oldest first, at most `limit`. Errors: SQLite's.
Result<std::vector<AlertDelivery>> due_deliveries(storage::Connection& database, std::int64_t now_ms,
                                                  std::size_t limit);

// How an attempt at a delivery ended: delivered at `now_ms`; or failed with `error`, to be tried
// again at `retry_at_ms` (nullopt: no more attempts, failed for good).
struct DeliveryOutcome {
  std::int64_t delivery_id = 0;
  bool delivered = false;
  std::string error;
  std::optional<std::int64_t> retry_at_ms;
};
// Records `outcome` on its delivery in `database`'s open transaction. Errors: SQLite's.
Result<void> record_outcome(storage::Connection& database, const DeliveryOutcome& outcome, std::int64_t now_ms);

}  // namespace recount::hub::alerts
