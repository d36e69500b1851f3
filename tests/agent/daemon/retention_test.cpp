// Retention on a real journal file with an injected clock: acked events go once older than the
// retention, at start and on every later tick; unacked ones stay however old.
#include "agent/daemon/retention.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "tests/agent/journal_fixtures.hpp"
#include "tests/support/mqtt_fixtures.hpp"
#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

constexpr std::int64_t kDayMs = 24 * 3600 * 1000;

// A journal on a clock the test moves, with events recorded a day apart.
struct AgedJournal {
  testing::TempDir dir;
  std::int64_t now_ms = 1'800'000'000'000;
  Journal journal =
      Journal::open(dir.path(), std::string("store-1"), std::string("dev-1"), [this] { return now_ms; }).value();

  void record_days(int days) {
    for (int day = 0; day < days; ++day) {
      testing::record_counts(journal, 1);
      now_ms += kDayMs;
    }
  }

  void ack_through(std::uint64_t seq) {
    REQUIRE(journal.mark_sent(seq).has_value());
    REQUIRE(journal.acknowledge(testing::hub_ack(journal, seq)).value() == AckVerdict::kApplied);
  }

  std::vector<std::uint64_t> seqs() {
    std::vector<std::uint64_t> kept;
    const auto entries = journal.list(1, 100).value();
    for (const auto& entry : entries) kept.push_back(entry.event.seq);
    return kept;
  }
};

}  // namespace

TEST_CASE("retention deletes acked events older than the retention at start and keeps the rest") {
  AgedJournal aged;
  aged.record_days(5);  // seqs 1..5, recorded 5..1 days ago
  aged.ack_through(4);
  boost::asio::io_context io;
  std::ostringstream err;
  Retention retention(io, aged.journal, RetentionOptions{std::chrono::days(3), std::chrono::hours(1)}, err);
  retention.start();
  // Seqs 1 and 2 are older than 3 days; 3 is exactly 3 days old, 4 younger, 5 never acked.
  CHECK(aged.seqs() == std::vector<std::uint64_t>{3, 4, 5});
  retention.stop();
  CHECK(err.str().empty());
}

TEST_CASE("retention prunes again on every tick as events age, and never deletes unacked events") {
  AgedJournal aged;
  aged.record_days(3);
  aged.ack_through(2);
  boost::asio::io_context io;
  std::ostringstream err;
  Retention retention(io, aged.journal, RetentionOptions{std::chrono::days(30), std::chrono::milliseconds(10)}, err);
  retention.start();
  CHECK(aged.seqs() == std::vector<std::uint64_t>{1, 2, 3});
  aged.now_ms += 40 * kDayMs;
  CHECK(testing::run_until(io, [&] { return aged.seqs() == std::vector<std::uint64_t>{3}; }));
  retention.stop();
  io.restart();
  CHECK(io.run_for(std::chrono::milliseconds(50)) <= 1);  // at most the cancelled wait ran
  CHECK(aged.seqs() == std::vector<std::uint64_t>{3});
}

}  // namespace recount::agent
