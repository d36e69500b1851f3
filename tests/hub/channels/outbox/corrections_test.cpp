// The corrections outbox's table: queueing in the caller's transaction, superseding, delivery
// rounds, failure and retry, and confirmation or reopening by the system's next report.
#include "hub/channels/outbox/corrections.hpp"

#include <doctest/doctest.h>

#include "tests/hub/ledger_fixtures.hpp"

namespace recount::hub::channels {
namespace {

using testing::kFixedNowMs;

Correction shopify(std::int64_t on_hand, std::string sku = "SKU-1") {
  return Correction{"shopify", "site-1", "Main Store", std::move(sku), on_hand, 7, "correct-system"};
}

// The outbox on a ledger stored as Backend says: every case runs on SQLite and on PostgreSQL.
template <typename Backend>
struct Outbox : testing::LedgerOn<Backend> {
  using testing::LedgerOn<Backend>::ledger;

  Outbox() { REQUIRE(open_corrections(ledger).has_value()); }

  std::int64_t enqueue(const Correction& correction, std::int64_t now_ms = kFixedNowMs) {
    auto write = ledger.begin_write().value();
    auto id = enqueue_correction(write, correction, now_ms);
    REQUIRE_MESSAGE(id.has_value(), (id ? "" : id.error().describe()));
    REQUIRE(write.commit().has_value());
    return *id;
  }
  CorrectionRecord get(std::int64_t id) { return find_correction(ledger.database(), id).value().value(); }
  void record(const DeliveryReport& report, std::int64_t now_ms) {
    auto write = ledger.begin_write().value();
    REQUIRE(record_delivery(write, report, now_ms).has_value());
    REQUIRE(write.commit().has_value());
  }
  void deliver(std::int64_t id, std::int64_t now_ms) {
    DeliveryReport report;
    report.id = id;
    report.file_ms = now_ms;
    report.complete = true;
    record(report, now_ms);
  }
  void observe(const std::string& sku, std::int64_t reported, std::int64_t as_of_ms) {
    auto write = ledger.begin_write().value();
    REQUIRE(
        observe_report(write, "shopify", "site-1", "Main Store", sku, reported, as_of_ms, as_of_ms + 1).has_value());
    REQUIRE(write.commit().has_value());
  }
  std::vector<std::string> audit_kinds() {
    std::vector<std::string> kinds;
    const auto entries = ledger.audit().entries(0, 1000).value();
    for (const auto& entry : entries) {
      if (entry.kind.rfind("correction.", 0) == 0) kinds.push_back(entry.kind);
    }
    return kinds;
  }
};

TEST_CASE("only shopify accepts corrections: fba is read-only, pos and warehouse report movements") {
  CHECK(accepts_corrections("shopify"));
  CHECK_FALSE(accepts_corrections("fba"));
  CHECK_FALSE(accepts_corrections("pos"));
  CHECK_FALSE(accepts_corrections("warehouse"));
  CHECK_FALSE(accepts_corrections(""));
}

TEST_CASE_TEMPLATE("a queued correction is pending, due at once, with its own idempotency key, and audited", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  Outbox<Backend> outbox;
  const auto id = outbox.enqueue(shopify(12));
  const auto record = outbox.get(id);
  CHECK(record.state == CorrectionState::kPending);
  CHECK(record.correction.on_hand == 12);
  CHECK(record.correction.discrepancy_id == 7);
  CHECK(record.correction.system_location == "Main Store");
  CHECK(record.next_attempt_ms == kFixedNowMs);
  CHECK(record.idempotency_key.rfind("recount-correction-", 0) == 0);
  CHECK(outbox.get(outbox.enqueue(shopify(3, "SKU-2"))).idempotency_key != record.idempotency_key);
  CHECK(outbox.audit_kinds() == std::vector<std::string>{"correction.queued", "correction.queued"});
}

TEST_CASE_TEMPLATE("a correction rolls back with the transaction that queued it", Backend, testing::SqliteLedger,
                   testing::PostgresLedger) {
  Outbox<Backend> outbox;
  {
    auto write = outbox.ledger.begin_write().value();
    REQUIRE(enqueue_correction(write, shopify(12), kFixedNowMs).has_value());
  }
  CHECK(list_corrections(outbox.ledger.database(), {}).value().empty());
}

TEST_CASE_TEMPLATE("a correction for a system that takes none, or without its position, is refused naming the field",
                   Backend, testing::SqliteLedger, testing::PostgresLedger) {
  Outbox<Backend> outbox;
  auto write = outbox.ledger.begin_write().value();
  Correction fba = shopify(1);
  fba.system = "fba";
  auto refused = enqueue_correction(write, fba, kFixedNowMs);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().field == "system");
  CHECK(refused.error().message.find("read-only") != std::string::npos);
  Correction no_sku = shopify(1, "");
  CHECK(enqueue_correction(write, no_sku, kFixedNowMs).error().field == "sku");
  CHECK(enqueue_correction(write, shopify(-1), kFixedNowMs).error().field == "on_hand");
}

TEST_CASE_TEMPLATE(
    "a newer correction of the same position supersedes a pending one, so only the newest quantity is sent", Backend,
    testing::SqliteLedger, testing::PostgresLedger) {
  Outbox<Backend> outbox;
  const auto first = outbox.enqueue(shopify(12));
  const auto other = outbox.enqueue(shopify(4, "SKU-2"));
  const auto second = outbox.enqueue(shopify(10));
  CHECK(outbox.get(first).state == CorrectionState::kSuperseded);
  CHECK(outbox.get(first).superseded_by == second);
  CHECK(outbox.get(other).state == CorrectionState::kPending);
  const auto due = due_corrections(outbox.ledger.database(), {"shopify"}, kFixedNowMs, 10).value();
  REQUIRE(due.size() == 2);
  CHECK(due[0].id == other);
  CHECK(due[1].id == second);
  CHECK(due[1].correction.on_hand == 10);
}

TEST_CASE_TEMPLATE("only the pending corrections of the systems asked for, and due by now, are handed out", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  Outbox<Backend> outbox;
  const auto id = outbox.enqueue(shopify(12));
  CHECK(due_corrections(outbox.ledger.database(), {"other"}, kFixedNowMs, 10).value().empty());
  CHECK(due_corrections(outbox.ledger.database(), {"shopify"}, kFixedNowMs - 1, 10).value().empty());
  DeliveryReport failed_once{id, std::nullopt, std::nullopt, "HTTP 503", kFixedNowMs + 2000, false};
  outbox.record(failed_once, kFixedNowMs + 10);
  CHECK(due_corrections(outbox.ledger.database(), {"shopify"}, kFixedNowMs + 1999, 10).value().empty());
  const auto due = due_corrections(outbox.ledger.database(), {"shopify"}, kFixedNowMs + 2000, 10).value();
  REQUIRE(due.size() == 1);
  CHECK(due[0].attempts == 1);
  CHECK(due[0].last_error == "HTTP 503");
  CHECK(due[0].state == CorrectionState::kPending);
}

TEST_CASE_TEMPLATE("a round that gives up fails the correction, visibly, and retry queues it again", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  Outbox<Backend> outbox;
  const auto id = outbox.enqueue(shopify(12));
  outbox.record(DeliveryReport{id, std::nullopt, std::nullopt, "HTTP 400 bad request", std::nullopt, false},
                kFixedNowMs + 5);
  auto failed = outbox.get(id);
  CHECK(failed.state == CorrectionState::kFailed);
  CHECK(failed.last_error == "HTTP 400 bad request");
  CHECK(due_corrections(outbox.ledger.database(), {"shopify"}, kFixedNowMs + 10'000, 10).value().empty());
  {
    auto write = outbox.ledger.begin_write().value();
    auto retried = retry_correction(write, id, "ops", kFixedNowMs + 20);
    REQUIRE(retried.has_value());
    CHECK(retried->state == CorrectionState::kPending);
    CHECK(retried->attempts == 0);
    auto again = retry_correction(write, id, "ops", kFixedNowMs + 20);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == ErrorCode::kConflict);
    CHECK(retry_correction(write, 999, "ops", kFixedNowMs).error().code == ErrorCode::kNotFound);
    REQUIRE(write.commit().has_value());
  }
  CHECK(due_corrections(outbox.ledger.database(), {"shopify"}, kFixedNowMs + 20, 10).value().size() == 1);
  CHECK(outbox.audit_kinds() ==
        std::vector<std::string>{"correction.queued", "correction.failed", "correction.retried"});
}

TEST_CASE_TEMPLATE("a report showing the delivered quantity confirms the correction, one contradicting it reopens it",
                   Backend, testing::SqliteLedger, testing::PostgresLedger) {
  Outbox<Backend> outbox;
  const auto shown = outbox.enqueue(shopify(12));
  const auto contradicted = outbox.enqueue(shopify(5, "SKU-2"));
  outbox.deliver(shown, kFixedNowMs + 100);
  outbox.deliver(contradicted, kFixedNowMs + 100);
  CHECK(outbox.get(shown).state == CorrectionState::kDelivered);
  CHECK(outbox.get(shown).delivered_ms == kFixedNowMs + 100);

  // As of before the delivery, a report says nothing about it.
  outbox.observe("SKU-1", 9, kFixedNowMs + 50);
  CHECK(outbox.get(shown).state == CorrectionState::kDelivered);

  outbox.observe("SKU-1", 12, kFixedNowMs + 1000);
  outbox.observe("SKU-2", 4, kFixedNowMs + 1000);
  CHECK(outbox.get(shown).state == CorrectionState::kConfirmed);
  CHECK(outbox.get(shown).closed_ms == kFixedNowMs + 1001);
  CHECK(outbox.get(contradicted).state == CorrectionState::kReopened);
  const auto reopened =
      list_corrections(outbox.ledger.database(), CorrectionFilter{"shopify", CorrectionState::kReopened}).value();
  REQUIRE(reopened.size() == 1);
  CHECK(reopened[0].id == contradicted);
}

TEST_CASE_TEMPLATE("a correction superseded while its delivery round ran keeps that state", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  Outbox<Backend> outbox;
  const auto first = outbox.enqueue(shopify(12));
  const auto second = outbox.enqueue(shopify(10));
  outbox.deliver(first, kFixedNowMs + 5);
  CHECK(outbox.get(first).state == CorrectionState::kSuperseded);
  CHECK(outbox.get(first).file_ms == kFixedNowMs + 5);
  CHECK(outbox.get(second).state == CorrectionState::kPending);
}

TEST_CASE("correction states read back from their names and nothing else") {
  for (auto state : {CorrectionState::kPending, CorrectionState::kDelivered, CorrectionState::kConfirmed,
                     CorrectionState::kReopened, CorrectionState::kFailed, CorrectionState::kSuperseded}) {
    CHECK(parse_correction_state(to_string(state)) == state);
  }
  CHECK_FALSE(parse_correction_state("done").has_value());
}

}  // namespace
}  // namespace recount::hub::channels
