// The interactive screen of `recount-agent scan`, driven through tmux like a person with a
// keyboard-wedge scanner: it shows mode, location, item and running count, never an expected
// quantity. And the plain lines and screens it is drawn from.
#include "agent/cli/scan_screen.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
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

TEST_CASE("plain mode writes the outcome and its message, then the detail indented, and nothing for no message") {
  std::ostringstream out;
  print_plain(Feedback{Outcome::kRefused, "SCAN A LOCATION LABEL FIRST", {}}, out);
  print_plain(Feedback{Outcome::kDone, "2 open recount tasks", {"rt-1 at A-01", "rt-2 at B-02"}}, out);
  print_plain(Feedback{Outcome::kDone, "", {"not shown"}}, out);
  CHECK(out.str() ==
        "refused: SCAN A LOCATION LABEL FIRST\nok: 2 open recount tasks\n  rt-1 at A-01\n  rt-2 at B-02\n");
}

TEST_CASE("the screen shows the context each mode needs: the destination for a move, the reason for an adjustment") {
  SessionView view;
  view.mode = WorkMode::kMove;
  view.user = "bob";
  view.location = "A-01";
  view.to_location = "B-02";
  view.prompt = "SCAN ITEMS";
  std::ostringstream move;
  draw_screen(view, Feedback{Outcome::kWarning, "REPEAT SCAN", {}},
              InputsView{"serial:/dev/ttyUSB0", {"keyboard", "serial:/dev/ttyUSB0", "camera:frames"}}, "ONLINE",
              JournalIdentity{"store-1", "dev-1", ""}, move);
  CHECK(move.str().find("FROM      \x1b[1mA-01") != std::string::npos);
  CHECK(move.str().find("TO        \x1b[1mB-02") != std::string::npos);
  CHECK(move.str().find("\x1b[1;30;43m REPEAT SCAN") != std::string::npos);
  CHECK(move.str().find("REASON") == std::string::npos);
  CHECK(move.str().find("  [serial:/dev/ttyUSB0] \x1b[1;30;43m REPEAT SCAN") != std::string::npos);
  CHECK(move.str().find("INPUTS  keyboard  serial:/dev/ttyUSB0  camera:frames\n") != std::string::npos);

  view.mode = WorkMode::kAdjust;
  view.reason = "damage";
  std::ostringstream adjust;
  draw_screen(view, Feedback{}, InputsView{}, "ONLINE", JournalIdentity{"store-1", "dev-1", ""}, adjust);
  CHECK(adjust.str().find("REASON    \x1b[1mdamage") != std::string::npos);
  CHECK(adjust.str().find("LOCATION  \x1b[1mA-01") != std::string::npos);
  CHECK(adjust.str().find(">>> SCAN ITEMS <<<") != std::string::npos);
  CHECK(adjust.str().find("INPUTS") == std::string::npos);
}

TEST_CASE("each scan's input is named by its kind and device or frame, and plain lines start with it") {
  CHECK(source_label(ScanSource::kKeyboard, "stdin") == "keyboard");
  CHECK(source_label(ScanSource::kSerial, "/dev/ttyUSB0") == "serial:/dev/ttyUSB0");
  CHECK(source_label(ScanSource::kImage, "/var/lib/recount/frames/frame-0012.png") == "camera:frame-0012.png");
  std::ostringstream out;
  print_plain(Feedback{Outcome::kWarning, "REPEAT SCAN", {"#undo"}}, out, "serial:/dev/ttyUSB0");
  CHECK(out.str() == "[serial:/dev/ttyUSB0] warning: REPEAT SCAN\n  #undo\n");
}

}  // namespace recount::agent
