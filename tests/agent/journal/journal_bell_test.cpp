// The journal's bell with real Unix sockets: a ring wakes the listener once for every ring that
// came before it answered, a commit rings it, and a bell no one listens to costs nothing.
#include "agent/journal/journal_bell.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "agent/journal/journal.hpp"
#include "tests/agent/journal_fixtures.hpp"
#include "tests/support/mqtt_fixtures.hpp"
#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

struct Listener {
  testing::TempDir dir;
  std::filesystem::path journal_file = dir / Journal::kFileName;
  boost::asio::io_context io;
  int rings_heard = 0;
  std::unique_ptr<JournalBell> bell = JournalBell::listen(io, journal_file, [this] { ++rings_heard; }).value();

  // Runs the io_context a while and says whether no more than `count` calls came.
  bool still(int count) {
    testing::run_until(
        io, [] { return false; }, std::chrono::milliseconds(200));
    return rings_heard == count;
  }
};

}  // namespace

TEST_CASE("journal bell: rings before the listener answers are folded into one call") {
  Listener listener;
  for (int ring = 0; ring < 3; ++ring) ring_journal_bell(listener.journal_file);
  REQUIRE(testing::run_until(listener.io, [&] { return listener.rings_heard == 1; }));
  CHECK(listener.still(1));
  ring_journal_bell(listener.journal_file);
  CHECK(testing::run_until(listener.io, [&] { return listener.rings_heard == 2; }));
}

TEST_CASE("journal bell: a commit into the journal rings it") {
  Listener listener;
  auto journal = Journal::open(listener.dir.path(), std::string("store-1"), std::string("dev-1")).value();
  testing::record_counts(journal, 1);
  CHECK(testing::run_until(listener.io, [&] { return listener.rings_heard >= 1; }));
}

TEST_CASE("journal bell: the listener removes its socket when it ends, and a bell no one listens to rings unheard") {
  Listener listener;
  const auto bell_path = journal_bell_path(listener.journal_file);
  CHECK(std::filesystem::exists(bell_path));
  listener.bell.reset();
  CHECK_FALSE(std::filesystem::exists(bell_path));
  ring_journal_bell(listener.journal_file);
  CHECK_FALSE(std::filesystem::exists(bell_path));
}

TEST_CASE("journal bell: a listener takes over the socket file a killed one left behind") {
  testing::TempDir dir;
  const auto journal_file = dir / Journal::kFileName;
  std::ofstream(journal_bell_path(journal_file)) << "left behind";
  boost::asio::io_context io;
  int heard = 0;
  auto bell = JournalBell::listen(io, journal_file, [&] { ++heard; });
  REQUIRE_MESSAGE(bell.has_value(), (bell ? "" : bell.error().describe()));
  ring_journal_bell(journal_file);
  CHECK(testing::run_until(io, [&] { return heard == 1; }));
}

}  // namespace recount::agent
