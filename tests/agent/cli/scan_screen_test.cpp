// The interactive screen of `recount-agent scan`, driven through tmux like a person with a
// keyboard-wedge scanner: it shows mode, location, item and running count, never an expected
// quantity.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "agent/catalog/catalog_store.hpp"
#include "agent/journal/journal.hpp"
#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

class Tmux {
 public:
  explicit Tmux(const std::string& command) : socket_("recount-test-" + std::to_string(::getpid())) {
    REQUIRE(run({"new-session", "-d", "-s", "scan", "-x", "100", "-y", "40", command}).exit_code == 0);
  }
  ~Tmux() { run({"kill-server"}); }
  // Types the line and Enter, as a wedge scanner does.
  void type(const std::string& line) {
    run({"send-keys", "-t", "scan", "-l", line});
    run({"send-keys", "-t", "scan", "Enter"});
  }
  std::string screen() { return run({"capture-pane", "-p", "-t", "scan"}).out; }
  // Waits (bounded) until the screen shows `text`.
  bool shows(const std::string& text) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      if (screen().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

 private:
  testing::CommandResult run(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), {"tmux", "-L", socket_});
    return testing::run_command(arguments);
  }
  std::string socket_;
};

}  // namespace

TEST_CASE("the scan screen shows mode, location, item and running count, and never an expected quantity") {
  testing::TempDir dir;
  {
    auto journal = Journal::open(dir.path(), std::string("store-1"), std::string("dev-1"));
    REQUIRE(journal.has_value());
    auto store = CatalogStore::open(dir.path());
    REQUIRE(store.has_value());
    protocol::Catalog catalog{
        "store-1",
        1,
        {{"SKU-1", "Widget 250 g", 189, "grocery", {{"05901234123457", 1}, {"15901234123454", 12}}}},
        {{"A-01", "LOC-A-01", "shelf"}},
        {}};
    REQUIRE(store->store_catalog(catalog).value());
  }
  Tmux tmux(std::string(RECOUNT_AGENT_BIN) + " scan --data " + dir.path().string());
  REQUIRE(tmux.shows("SCAN YOUR BADGE"));
  CHECK(tmux.shows("MODE       COUNT"));
  tmux.type("#user bob");
  REQUIRE(tmux.shows("SCAN A LOCATION"));
  tmux.type("LOC-A-01");
  REQUIRE(tmux.shows("LOCATION  A-01"));
  tmux.type("5901234123457");
  tmux.type("15901234123454");
  REQUIRE(tmux.shows("running count 13"));
  const auto screen = tmux.screen();
  CHECK(screen.find("ITEM      SKU-1  Widget 250 g") != std::string::npos);
  CHECK(screen.find("RUNNING     13") != std::string::npos);
  CHECK(screen.find("OFFLINE (sync not running)") != std::string::npos);
  CHECK(screen.find("2 unsynced") != std::string::npos);
  CHECK(screen.find("xpected") == std::string::npos);
}

}  // namespace recount::agent
