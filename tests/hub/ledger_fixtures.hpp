// Valid events, batches and ledgers for the hub's tests: deterministic, so a failure replays.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "hub/ledger/ledger.hpp"
#include "tests/support/postgres.hpp"
#include "tests/support/process.hpp"

namespace recount::testing {

inline constexpr std::int64_t kFixedNowMs = 1'790'000'000'000;  // 2026-09-21, the injected "now"

inline WallClock fixed_clock() {
  return [] { return kFixedNowMs; };
}

// An event id unique to (tag, seq): tags keep devices and epochs apart.
inline std::string event_id_for(unsigned tag, std::uint64_t seq) {
  char text[37];
  std::snprintf(text, sizeof text, "%08x-0000-7000-8000-%012llx", tag, static_cast<unsigned long long>(seq));
  return text;
}

// A valid count event: `qty` units of SKU-<seq % 7> at A-<seq % 5>.
inline Event count_event(std::uint64_t seq, unsigned tag = 1, std::int64_t qty = 3) {
  Event event;
  event.seq = seq;
  event.event_id = event_id_for(tag, seq);
  event.type = EventType::kCount;
  event.wall_ms = kFixedNowMs - 60'000 + static_cast<std::int64_t>(seq);
  event.hlc = HlcStamp::from_parts(event.wall_ms, 0);
  event.user = "user-1";
  event.location = "A-" + std::to_string(seq % 5);
  event.sku = "SKU-" + std::to_string(seq % 7);
  event.qty = qty;
  event.session = "session-1";
  return event;
}

// A baseline of 10 units of SKU-1 at A-1 (seq 1), then a count of 7 there by user-1 (seq 2):
// a shortage that the default policy sends to a recount.
inline std::vector<Event> shortage_events() {
  Event baseline = count_event(1);
  baseline.type = EventType::kBaseline;
  baseline.location = "A-1";
  baseline.sku = "SKU-1";
  baseline.qty = 10;
  Event count = count_event(2);
  count.location = "A-1";
  count.sku = "SKU-1";
  count.qty = 7;
  return {baseline, count};
}

inline hub::Origin origin_of(const std::string& device, const std::string& epoch = "00000000000000e1",
                             const std::string& site = "site-1") {
  return hub::Origin{site, device, epoch};
}

// A valid batch of count events first..last from `origin`, as ingest would hand it over.
inline hub::IncomingBatch batch_of(const hub::Origin& origin, std::uint64_t first, std::uint64_t last,
                                   unsigned tag = 1) {
  hub::IncomingBatch batch;
  batch.topic = "recount/v1/" + origin.site + "/" + origin.device + "/events";
  batch.origin = origin;
  batch.first_seq = first;
  batch.last_seq = last;
  batch.received_ms = kFixedNowMs;
  for (auto seq = first; seq <= last; ++seq) batch.events.push_back(count_event(seq, tag));
  return batch;
}

// Where a test's ledger is stored: a SQLite file in a fresh temporary directory...
struct SqliteLedger {
  TempDir dir;
  std::filesystem::path file = dir / "hub.db";

  Result<hub::Ledger> open_ledger() const { return hub::Ledger::open(file, fixed_clock()); }
};

// ... or a fresh PostgreSQL database on a server of the test's own (stop and start it through
// `server` to lose the connection).
struct PostgresLedger {
  PostgresServer server;

  Result<hub::Ledger> open_ledger() const { return hub::Ledger::connect(server.url(), fixed_clock()); }
};

// A ledger on the fixed clock, stored as Backend says. A suite runs a case about the ledger's
// storage semantics against both with TEST_CASE_TEMPLATE(..., Backend, testing::SqliteLedger,
// testing::PostgresLedger) and a LedgerOn<Backend>.
template <typename Backend>
struct LedgerOn : Backend {
  hub::Ledger ledger = open();

  // Opens the ledger again (closing none: assign it to `ledger` to close the old one).
  hub::Ledger open() {
    auto opened = Backend::open_ledger();
    REQUIRE_MESSAGE(opened.has_value(), (opened ? "" : opened.error().describe()));
    return std::move(*opened);
  }

  // Applies batches each in its own committed transaction and returns the last outcome.
  hub::BatchOutcome apply(const hub::IncomingBatch& batch) {
    auto write = ledger.begin_write();
    REQUIRE_MESSAGE(write.has_value(), (write ? "" : write.error().describe()));
    auto outcome = write->apply(batch);
    REQUIRE_MESSAGE(outcome.has_value(), (outcome ? "" : outcome.error().describe()));
    REQUIRE(write->commit().has_value());
    return std::move(*outcome);
  }
};

// The ledger most tests use: a SQLite file in a fresh temporary directory (`dir`, `file`).
using LedgerFixture = LedgerOn<SqliteLedger>;

}  // namespace recount::testing

TYPE_TO_STRING_AS("sqlite", recount::testing::SqliteLedger);
TYPE_TO_STRING_AS("postgresql", recount::testing::PostgresLedger);
