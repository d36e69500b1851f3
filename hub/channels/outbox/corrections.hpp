// The corrections outbox (docs/corrections.md): what each connected system must be told after a
// resolution, stored in the resolving transaction, then delivered once by the CorrectionOutbox
// (correction_outbox.hpp) and closed by the system's next report. Every transition is audited
// as a "correction.*" entry in the transaction that makes it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/ledger/ledger.hpp"
#include "shared/core/result.hpp"

namespace recount::hub::channels {

// What a system must be told: it should hold `on_hand` units of `sku` at its `system_location`.
struct Correction {
  std::string system;           // "shopify", ...: accepts_corrections(system) must hold
  std::string site;             // the recount site the position belongs to
  std::string system_location;  // the system's own name of the place ("": the site's only one)
  std::string sku;
  std::int64_t on_hand = 0;         // the absolute quantity to set (never a delta: sent twice, same effect)
  std::int64_t discrepancy_id = 0;  // the discrepancy whose resolution caused it; 0: none
  std::string cause;                // why: "correct-system", "approve", "write-off", "auto-adjust", ...
};

// pending: waiting for (or between) delivery attempts; delivered: every configured channel has
// it; confirmed / reopened: a later report of the system showed / contradicted the quantity;
// failed: the webhook's attempts ran out or it refused (retry() queues it again); superseded: a
// newer correction of the same position replaced it before it was confirmed.
enum class CorrectionState { kPending, kDelivered, kConfirmed, kReopened, kFailed, kSuperseded };
std::string_view to_string(CorrectionState state);
// The names to_string gives; nullopt for anything else.
std::optional<CorrectionState> parse_correction_state(std::string_view text);

// A stored correction and how far it got. Times are Unix ms; 0: not (yet).
struct CorrectionRecord {
  std::int64_t id = 0;
  Correction correction;
  CorrectionState state = CorrectionState::kPending;
  std::string idempotency_key;  // the same for every attempt of this correction
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::int64_t attempts = 0;  // delivery rounds since it was last queued
  std::int64_t next_attempt_ms = 0;
  std::string last_error;
  std::int64_t file_ms = 0;     // its outbox file was written
  std::int64_t webhook_ms = 0;  // a webhook answered 2xx
  std::int64_t delivered_ms = 0;
  std::int64_t closed_ms = 0;  // confirmed or reopened
  std::int64_t superseded_by = 0;
};

// Whether `system` takes corrections from recount: shopify does; fba is read-only (Amazon's
// quantities are changed with Amazon, never by a file), pos and warehouse report movements, not a
// quantity to set. Pure.
bool accepts_corrections(std::string_view system);

// Creates or migrates the tables (corrections_schema.hpp); call it once outside any write
// (HubDaemon::create does). Errors: as storage::migrate. Blocks.
Result<void> open_corrections(Ledger& ledger);

// Stores `correction` as pending, due at once, in `write` (the caller's resolving transaction:
// it commits or rolls back with it), and audits it as "correction.queued". A correction of the
// same (system, site, system_location, sku) that is still pending, failed or delivered but not
// yet confirmed becomes superseded (audited "correction.superseded"): only the newest quantity
// is sent, and only it is judged by the next report. Returns the new id. Errors: kInvalidInput
// naming the field when the system does not accept corrections, or site, sku or system is
// empty, or on_hand is negative; SQLite's. Blocks.
Result<std::int64_t> enqueue_correction(LedgerWrite& write, const Correction& correction, std::int64_t now_ms);

// Called by an import, in its transaction, for each quantity a report of `system` gives as of
// `as_of_ms`: every delivered correction of that position delivered at or before as_of_ms becomes
// confirmed when `reported` equals its on_hand ("correction.confirmed"), reopened otherwise
// ("correction.reopened"; it stays listed, and the comparison with the ledger raises its own
// discrepancy). Reports as of before the delivery say nothing about it. Errors: SQLite's.
Result<void> observe_report(LedgerWrite& write, std::string_view system, std::string_view site,
                            std::string_view system_location, std::string_view sku, std::int64_t reported,
                            std::int64_t as_of_ms, std::int64_t now_ms);

// Queues a failed correction again (recountctl corrections retry ID): pending, due at once, its
// attempt count reset, audited "correction.retried" with `actor`. Errors: kNotFound for no such
// id, kConflict when it is not failed; SQLite's.
Result<CorrectionRecord> retry_correction(LedgerWrite& write, std::int64_t id, const std::string& actor,
                                          std::int64_t now_ms);

// What a listing shows: empty system / no state: all.
struct CorrectionFilter {
  std::string system;
  std::optional<CorrectionState> state;
  std::size_t limit = 1000;
};

// The corrections `filter` selects, newest first. Reads on the ledger's connection. Errors:
// SQLite's.
Result<std::vector<CorrectionRecord>> list_corrections(storage::Connection& database, const CorrectionFilter& filter);
Result<std::optional<CorrectionRecord>> find_correction(storage::Connection& database, std::int64_t id);

// For the CorrectionOutbox: the pending corrections of `systems` due by now_ms, oldest first, at
// most `limit`. Errors: SQLite's.
Result<std::vector<CorrectionRecord>> due_corrections(storage::Connection& database,
                                                      const std::vector<std::string>& systems, std::int64_t now_ms,
                                                      std::size_t limit);

// How one delivery round of a correction ended (CorrectionOutbox).
struct DeliveryReport {
  std::int64_t id = 0;
  std::optional<std::int64_t> file_ms;     // its file was written (or found written) then
  std::optional<std::int64_t> webhook_ms;  // the webhook accepted it then
  std::string error;                       // of the round's failed step; empty: none failed
  // When the round failed: retry then, or give up (failed) when unset.
  std::optional<std::int64_t> retry_at_ms;
  bool complete = false;  // every configured channel has it now
};

// Records a delivery round in `write` (one more attempt): the channels' times, the error and the
// next attempt; delivered when complete ("correction.delivered"), failed when the round failed
// without a retry ("correction.failed"). A correction superseded meanwhile keeps that state (its
// times are still recorded). Errors: kNotFound for no such id; SQLite's.
Result<void> record_delivery(LedgerWrite& write, const DeliveryReport& report, std::int64_t now_ms);

}  // namespace recount::hub::channels
