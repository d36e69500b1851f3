// `recount-agent scan` driven by scripted stdin (plain line mode), checked through
// `recount-agent journal --json`: every workflow of docs/scanning-workflows.md.
#include "agent/cli/scan_command.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <optional>

#include <nlohmann/json.hpp>

#include "agent/catalog/catalog_store.hpp"
#include "agent/journal/journal.hpp"
#include "tests/agent/scan/zint_images.hpp"
#include "tests/support/process.hpp"
#include "tests/support/pseudo_terminal.hpp"
#include "tests/support/test_data.hpp"

namespace recount::agent {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

protocol::Catalog floor_catalog(std::uint64_t version) {
  protocol::Catalog catalog;
  catalog.site = "store-1";
  catalog.version = version;
  catalog.items = {
      {"SKU-1", "Widget 250 g", 189, "grocery", {{"05901234123457", 1}, {"15901234123454", 12}}},
      {"SKU-2", "Gasket", 42, "parts", {{"INT-0002", 1}}},
      {"SKU-3", "Oat drink", 99, "grocery", {{"09504000059101", 1}}},
  };
  catalog.locations = {{"A-01", "LOC-A-01", "shelf"}, {"B-02", "LOC-B-02", "bin"}, {"DOCK-1", "LOC-DOCK-1", "dock"}};
  return catalog;
}

class Floor {
 public:
  Floor() {
    auto journal = Journal::open(dir_.path(), std::string("store-1"), std::string("dev-1"));
    REQUIRE(journal.has_value());
    auto store = CatalogStore::open(dir_.path());
    REQUIRE(store.has_value());
    REQUIRE(store->store_catalog(floor_catalog(3)).has_value());
    protocol::TaskList tasks{"store-1", 1, {{"rt-1", "B-02", "SKU-1", "", 1, "alice", "uom_error", 1}}};
    REQUIRE(journal->record_all({}, [&](storage::Database& database, const std::vector<Event>& acks) {
      return CatalogStore::store_tasks(database, tasks, acks);
    }));
  }

  testing::CommandResult scan(const std::string& script) {
    return testing::run_command({RECOUNT_AGENT_BIN, "scan", "--data", dir_.path().string(), "--repeat-window-ms", "0"},
                                script);
  }

  json events() {
    const auto result = testing::run_command({RECOUNT_AGENT_BIN, "journal", "--data", dir_.path().string(), "--json"});
    REQUIRE(result.exit_code == 0);
    return json::parse(result.out);
  }

  const std::filesystem::path& path() const { return dir_.path(); }

 private:
  testing::TempDir dir_;
};

std::int64_t total(const json& events, const std::string& type, const std::string& sku) {
  std::int64_t sum = 0;
  for (const auto& event : events) {
    if (event.value("type", "") == type && event.value("sku", "") == sku) sum += event.value("qty", 0);
  }
  return sum;
}

// `recount-agent scan` running on a floor's data directory with further inputs (`--serial`,
// `--watch`), plain output to a log. Its stdin is a FIFO the test types into, so keyboard lines
// arrive while it runs; end_keyboard() closes it.
class Kiosk {
 public:
  Kiosk(const std::filesystem::path& data_dir, const std::vector<std::string>& inputs,
        const std::string& repeat_window_ms = "0", const std::filesystem::path& program = RECOUNT_AGENT_BIN) {
    const auto keyboard = dir_ / "keyboard";
    REQUIRE(::mkfifo(keyboard.c_str(), 0600) == 0);
    // Opened for reading and writing, so the agent's open of the FIFO finds a writer at once.
    keyboard_ = ::open(keyboard.c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(keyboard_ >= 0);
    std::vector<std::string> argv{program.string(),     "scan",          "--data", data_dir.string(), "--plain",
                                  "--repeat-window-ms", repeat_window_ms};
    argv.insert(argv.end(), inputs.begin(), inputs.end());
    process_.emplace(argv, dir_ / "scan", keyboard);
  }
  Kiosk(const Kiosk&) = delete;
  Kiosk& operator=(const Kiosk&) = delete;
  ~Kiosk() { end_keyboard(); }

  void type(const std::string& line) {
    const auto text = line + "\n";
    REQUIRE(::write(keyboard_, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  void end_keyboard() {
    if (keyboard_ >= 0) ::close(keyboard_);
    keyboard_ = -1;
  }
  // True once the output holds `text` `times` times (bounded wait).
  bool shows(const std::string& text, std::size_t times = 1) {
    return testing::eventually([&] { return count(text) >= times; }, 20s);
  }
  std::size_t count(const std::string& text) const {
    const auto out = output();
    std::size_t found = 0;
    for (auto at = out.find(text); at != std::string::npos; at = out.find(text, at + text.size())) ++found;
    return found;
  }
  std::string output() const { return process_->output(); }
  bool running() { return process_->running(); }
  int stop() { return process_->stop(SIGTERM); }

 private:
  testing::TempDir dir_;
  int keyboard_ = -1;
  std::optional<testing::Process> process_;
};

// A frame appears in `folder` whole, as capture tools write it: copied beside it, then renamed.
void drop_frame(const std::filesystem::path& folder, const std::string& sample, const std::string& name) {
  const auto partial = folder.parent_path() / (name + ".part");
  std::filesystem::copy_file(testing::project_data("barcodes/" + sample), partial);
  std::filesystem::rename(partial, folder / name);
}

// The keyboard signs bob in at A-01; every input is running once this is answered.
void sign_in_at_a01(Kiosk& kiosk) {
  kiosk.type("#user bob");
  kiosk.type("LOC-A-01");
  REQUIRE_MESSAGE(kiosk.shows("[keyboard] ok: location A-01"), kiosk.output());
}

}  // namespace

TEST_CASE("scan counts repeated scans one by one, a case GTIN as 12, and #qty sets the last scan's quantity") {
  Floor floor;
  const auto result =
      floor.scan("#user bob\n#loc LOC-A-01\n5901234123457\n5901234123457\n15901234123454\n#qty 30\nINT-0002\n#close\n");
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("refused") == std::string::npos);
  CHECK(result.out.find("running count 14") != std::string::npos);  // 1 + 1 + 12
  CHECK(result.out.find("running count 32") != std::string::npos);  // 1 + 1 + 30
  const auto events = floor.events();
  CHECK(total(events, "count", "SKU-1") == 32);
  CHECK(total(events, "count", "SKU-2") == 1);
  // Every count of the location is in one session, and #close names it.
  const auto session = events[0].value("session", "");
  CHECK(!session.empty());
  for (const auto& event : events) {
    CHECK(event.value("session", "") == session);
    CHECK(event.value("user", "") == "bob");
    CHECK(event.value("location", "") == "A-01");
  }
  CHECK(events.back().value("type", "") == "location_closed");
  // #qty 30 on the case scanned as 12 is one compensating count of +18, not a rewrite.
  CHECK(events[3].value("qty", 0) == 18);
}

TEST_CASE("scan never shows an expected quantity and #undo compensates with a negative count in the session") {
  Floor floor;
  const auto result = floor.scan("#user bob\nLOC-A-01\n15901234123454\n#undo\n5901234123457\n");
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("expected") == std::string::npos);
  const auto events = floor.events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].value("qty", 0) == 12);
  CHECK(events[1].value("qty", 0) == -12);
  CHECK(events[1].value("type", "") == "count");
  CHECK(events[1].value("session", "") == events[0].value("session", ""));
  CHECK(total(events, "count", "SKU-1") == 1);
}

TEST_CASE("scan receives against the reference at the dock, and an undone receipt is an adjustment") {
  Floor floor;
  const auto result = floor.scan(
      "#user rita\n#mode receive\n#loc LOC-DOCK-1\n5901234123457\n#ref PO-77\n"
      "5901234123457\n15901234123454\n#undo\n");
  CHECK(result.out.find("refused: SCAN THE PO/ASN FIRST") != std::string::npos);
  CHECK(result.out.find("ok: dock DOCK-1") != std::string::npos);
  const auto shelf = floor.scan("#user rita\n#mode receive\nLOC-A-01\n");
  CHECK(shelf.out.find("warning: location A-01 is a shelf, not a dock") != std::string::npos);
  const auto events = floor.events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].value("type", "") == "receive");
  CHECK(events[0].value("ref", "") == "PO-77");
  CHECK(events[0].value("location", "") == "DOCK-1");
  CHECK(events[1].value("qty", 0) == 12);
  CHECK(events[2].value("type", "") == "adjust");
  CHECK(events[2].value("reason", "") == "receiving_error");
  CHECK(events[2].value("qty", 0) == -12);
}

TEST_CASE("scan puts away from the dock to a bin, and moves between bins with labels") {
  Floor floor;
  const auto result = floor.scan(
      "#user pat\n#mode putaway\nLOC-DOCK-1\nLOC-B-02\n15901234123454\n"
      "#mode move\n#loc LOC-B-02\n#to LOC-A-01\n5901234123457\n#qty 3\n#undo\n");
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("refused") == std::string::npos);
  const auto events = floor.events();
  REQUIRE(events.size() == 4);
  CHECK(events[0].value("type", "") == "putaway");
  CHECK(events[0].value("location", "") == "DOCK-1");
  CHECK(events[0].value("to", "") == "B-02");
  CHECK(events[0].value("qty", 0) == 12);
  CHECK(events[1].value("type", "") == "move");
  CHECK(events[2].value("qty", 0) == 2);         // #qty 3 after 1
  CHECK(events[3].value("type", "") == "move");  // #undo: 3 units go back
  CHECK(events[3].value("location", "") == "A-01");
  CHECK(events[3].value("to", "") == "B-02");
  CHECK(events[3].value("qty", 0) == 3);
}

TEST_CASE("scan adjusts with a reason: damage takes stock away, found adds it") {
  Floor floor;
  const auto result = floor.scan(
      "#user pat\n#mode adjust\n#loc A-01\n5901234123457\n#reason broken\n#reason damage\n"
      "5901234123457\n#qty 4\n#reason found\nINT-0002\n");
  CHECK(result.out.find("refused: SCAN A REASON FIRST") != std::string::npos);
  CHECK(result.out.find("refused: unknown reason 'broken'") != std::string::npos);
  const auto events = floor.events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].value("reason", "") == "damage");
  CHECK(events[0].value("qty", 0) == -1);
  CHECK(events[1].value("qty", 0) == -3);
  CHECK(total(events, "adjust", "SKU-1") == -4);
  CHECK(events[2].value("reason", "") == "found");
  CHECK(events[2].value("qty", 0) == 1);
}

TEST_CASE("scan --mode sale records a register's sales, and #mode return and damage its returns and damages") {
  Floor floor;
  const auto result = testing::run_command(
      {RECOUNT_AGENT_BIN, "scan", "--data", floor.path().string(), "--repeat-window-ms", "0", "--mode", "sale"},
      "#user till-1\n#loc A-01\n5901234123457\n15901234123454\n#mode return\n#loc A-01\nINT-0002\n"
      "#mode damage\n#loc A-01\n#reason expired\n9504000059101\n");
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("refused") == std::string::npos);
  const auto events = floor.events();
  REQUIRE(events.size() == 4);
  CHECK(events[0].value("type", "") == "sale");
  CHECK(total(events, "sale", "SKU-1") == 13);
  CHECK(events[2].value("type", "") == "adjust");
  CHECK(events[2].value("reason", "") == "return");
  CHECK(events[2].value("qty", 0) == 1);
  CHECK(events[3].value("reason", "") == "expired");
  CHECK(events[3].value("qty", 0) == -1);
  CHECK(events[3].value("location", "") == "A-01");

  const auto unknown =
      testing::run_command({RECOUNT_AGENT_BIN, "scan", "--data", floor.path().string(), "--mode", "refund"}, "");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("--mode: unknown mode 'refund'") != std::string::npos);
}

TEST_CASE(
    "scan keeps an unknown barcode as an unresolved scan, records only its report, and resolve records it later") {
  Floor floor;
  const auto result = floor.scan("#user bob\n#loc LOC-A-01\n7777777\n");
  CHECK(result.out.find("warning: UNKNOWN BARCODE 7777777") != std::string::npos);
  CHECK(result.out.find("| 1 UNKNOWN BARCODE(S) TO MAP") != std::string::npos);  // on the status line
  // No stock event: only the report that tells the hub, under the catalog's key of the code.
  const auto held = floor.events();
  REQUIRE(held.size() == 1);
  CHECK(held[0].value("type", "") == "unknown_barcode");
  CHECK(held[0].value("barcode", "") == "7777777");
  CHECK(held[0].value("location", "") == "A-01");
  CHECK(held[0].value("user", "") == "bob");
  auto listed = testing::run_command({RECOUNT_AGENT_BIN, "unresolved", "--data", floor.path().string(), "--json"});
  REQUIRE(listed.exit_code == 0);
  const auto scan = json::parse(listed.out);
  CHECK(scan.value("barcode", "") == "7777777");
  CHECK(scan.value("location", "") == "A-01");
  CHECK(scan.value("mode", "") == "count");
  {
    auto store = CatalogStore::open(floor.path());
    REQUIRE(store.has_value());
    auto catalog = floor_catalog(4);
    catalog.items[1].barcodes.push_back({"7777777", 1});
    REQUIRE(store->store_catalog(catalog).value());
  }
  auto resolved = testing::run_command({RECOUNT_AGENT_BIN, "resolve", "--data", floor.path().string()});
  CHECK(resolved.exit_code == 0);
  const auto events = floor.events();
  REQUIRE(events.size() == 3);
  CHECK(events[1].value("type", "") == "count");
  CHECK(events[1].value("sku", "") == "SKU-2");
  CHECK(events[1].value("barcode", "") == "7777777");
  CHECK(events[1].value("location", "") == "A-01");
  CHECK(events[2].value("type", "") == "barcode_applied");
  CHECK(events[2].value("sku", "") == "SKU-2");
  CHECK(events[2].value("qty", 0) == 1);
  // Resolved once: a second run finds nothing left to record.
  auto again = testing::run_command({RECOUNT_AGENT_BIN, "resolve", "--data", floor.path().string()});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("0 of 0 unresolved scans resolved") != std::string::npos);
  CHECK(floor.events().size() == 3);
}

TEST_CASE("scan reads a GS1 element string and keeps lot and expiry on the event") {
  Floor floor;
  const auto result = floor.scan(
      "#user bob\n#loc LOC-A-01\n]C10109504000059101\x1d"
      "10LOT-7\x1d"
      "17271231\n"
      "(01)09504000059101(10)LOT-8\n");
  CHECK(result.out.find("refused") == std::string::npos);
  const auto events = floor.events();
  REQUIRE(events.size() == 2);
  CHECK(events[0].value("sku", "") == "SKU-3");
  CHECK(events[0].value("lot", "") == "LOT-7");
  CHECK(events[0].value("expiry", "") == "2027-12-31");
  CHECK(events[1].value("lot", "") == "LOT-8");
}

TEST_CASE("scan starts a blind recount only for a user other than the task's excluded one") {
  Floor floor;
  const auto result = floor.scan(
      "#user alice\n#tasks\n#recount rt-1\n#user carol\n#recount rt-1\n"
      "5901234123457\n#loc LOC-A-01\n#close\n");
  CHECK(result.out.find("rt-1 at B-02 sku SKU-1 (not alice)") != std::string::npos);
  CHECK(result.out.find("refused: task rt-1 must be counted by someone other than alice") != std::string::npos);
  CHECK(result.out.find("refused: recount task rt-1 is at B-02") != std::string::npos);
  CHECK(result.out.find("expected") == std::string::npos);
  const auto events = floor.events();
  REQUIRE(events.size() == 2);
  CHECK(events[0].value("type", "") == "count");
  CHECK(events[0].value("task_id", "") == "rt-1");
  CHECK(events[0].value("user", "") == "carol");
  CHECK(events[0].value("location", "") == "B-02");
  CHECK(events[1].value("type", "") == "location_closed");
  CHECK(events[1].value("task_id", "") == "rt-1");
}

TEST_CASE("scan refuses items before a badge and a location, and reports the sync status") {
  Floor floor;
  const auto result = floor.scan("5901234123457\n#user bob\n5901234123457\n#loc NOWHERE\n");
  CHECK(result.out.find("refused: SCAN YOUR BADGE FIRST") != std::string::npos);
  CHECK(result.out.find("refused: SCAN A LOCATION LABEL FIRST") != std::string::npos);
  CHECK(result.out.find("refused: UNKNOWN LOCATION NOWHERE") != std::string::npos);
  CHECK(result.out.find("status: OFFLINE (sync not running) | 0 unsynced | last sync never") != std::string::npos);
  // The keyboard alone: answer lines start with the outcome, as scripts reading them expect.
  CHECK(result.out.find("\nrefused: SCAN YOUR BADGE FIRST") != std::string::npos);
  CHECK(result.out.find("[keyboard]") == std::string::npos);
  CHECK(floor.events().empty());
}

TEST_CASE("scan counts from a serial scanner on a pty beside the keyboard, each answer naming its input") {
  Floor floor;
  testing::PseudoTerminal scanner;
  const auto source = "[serial:" + scanner.slave_path() + "] ";
  Kiosk kiosk(floor.path(), {"--serial", scanner.slave_path() + ":115200"});
  REQUIRE_MESSAGE(kiosk.shows(source + "ok: SCANNER CONNECTED"), kiosk.output());
  sign_in_at_a01(kiosk);
  scanner.write("5901234123457\r\n");
  REQUIRE_MESSAGE(kiosk.shows(source + "ok: count 1 x SKU-1 - running count 1"), kiosk.output());
  scanner.write(
      "]C10109504000059101\x1d"
      "10LOT-7\r");
  REQUIRE_MESSAGE(kiosk.shows(source + "ok: count 1 x SKU-3 lot LOT-7"), kiosk.output());
  // The end of stdin ends only the keyboard: the serial scanner goes on until SIGTERM.
  kiosk.end_keyboard();
  scanner.write("5901234123457\r");
  REQUIRE_MESSAGE(kiosk.shows(source + "ok: count 1 x SKU-1 - running count 2"), kiosk.output());
  CHECK(kiosk.running());
  CHECK(kiosk.stop() == 0);
  CHECK(kiosk.output().find("status: OFFLINE") != std::string::npos);  // the closing status line
  const auto events = floor.events();
  REQUIRE(events.size() == 3);
  CHECK(total(events, "count", "SKU-1") == 2);
  CHECK(events[1].value("lot", "") == "LOT-7");
  CHECK(events[2].value("session", "") == events[0].value("session", ""));
}

TEST_CASE("scan decodes camera frames dropped into the watched folder and leaves the frames in place") {
  Floor floor;
  testing::TempDir camera;
  const auto frames = camera / "frames";
  std::filesystem::create_directory(frames);
  drop_frame(frames, "ean13/ean13-a.png", "frame-0000.png");  // there before the start: skipped
  Kiosk kiosk(floor.path(), {"--watch", frames.string()});
  sign_in_at_a01(kiosk);
  drop_frame(frames, "ean13/ean13-a.png", "frame-0001.png");
  REQUIRE_MESSAGE(kiosk.shows("[camera:frame-0001.png] ok: count 1 x SKU-1 - running count 1"), kiosk.output());
  // A GS1 DataMatrix: the decoder's identifier (]d2) goes with the data, so its serial is read.
  drop_frame(frames, "datamatrix/dm-gs1-a.png", "frame-0002.png");
  REQUIRE_MESSAGE(kiosk.shows("[camera:frame-0002.png] ok: count 1 x SKU-3 lot AB exp 2026-12-31 serial SN-1"),
                  kiosk.output());
  // A frame that is no image is reported, and watching goes on.
  std::ofstream(camera / "frame-0003.png.part") << "not a png";
  std::filesystem::rename(camera / "frame-0003.png.part", frames / "frame-0003.png");
  REQUIRE_MESSAGE(kiosk.shows("[camera:frame-0003.png] warning: FRAME NOT READ: not a PNG or JPEG image"),
                  kiosk.output());
  drop_frame(frames, "qrcode/qr-text.png", "frame-0004.png");  // "#loc A-01-02": a command from a camera
  REQUIRE_MESSAGE(kiosk.shows("[camera:frame-0004.png] refused: UNKNOWN LOCATION A-01-02"), kiosk.output());
  CHECK(kiosk.stop() == 0);
  CHECK(kiosk.output().find("frame-0000.png") == std::string::npos);
  CHECK(std::filesystem::exists(frames / "frame-0001.png"));
  const auto events = floor.events();
  REQUIRE(events.size() == 2);
  CHECK(events[1].value("serial", "") == "SN-1");
}

TEST_CASE("scan decodes frames with the program it started as, even once that file is gone") {
  Floor floor;
  testing::TempDir camera;
  const auto frames = camera / "frames";
  std::filesystem::create_directory(frames);
  // The agent as a package upgrade leaves it: started from a file that is then removed.
  testing::TempDir installed;
  const auto program = installed / "recount-agent";
  std::filesystem::copy_file(RECOUNT_AGENT_BIN, program);
  Kiosk kiosk(floor.path(), {"--watch", frames.string()}, "0", program);
  sign_in_at_a01(kiosk);
  std::filesystem::remove(program);
  drop_frame(frames, "ean13/ean13-a.png", "frame-0001.png");
  REQUIRE_MESSAGE(kiosk.shows("[camera:frame-0001.png] ok: count 1 x SKU-1 - running count 1"), kiosk.output());
  CHECK(kiosk.stop() == 0);
}

TEST_CASE("scan reports a frame that needs more than --frame-memory-limit-mib and decodes the next") {
  if (!testing::data_limits_enforced()) return;
  Floor floor;
  testing::TempDir camera;
  const auto frames = camera / "frames";
  std::filesystem::create_directory(frames);
  Kiosk kiosk(floor.path(), {"--watch", frames.string(), "--frame-memory-limit-mib", "32"});
  sign_in_at_a01(kiosk);
  // 4,200 x 4,200 pixels in a PNG of a few KB: about 70 MiB to decode.
  const auto large = testing::make_zint_image(camera.path(), "large", {"-b", "58", "--scale", "100", "-d", "LARGE"});
  std::filesystem::rename(large, frames / "frame-0001.png");
  REQUIRE_MESSAGE(
      kiosk.shows(
          "[camera:frame-0001.png] warning: FRAME NOT READ: needs more memory than the decoder's limit of 32 MiB"),
      kiosk.output());
  drop_frame(frames, "ean13/ean13-a.png", "frame-0002.png");
  REQUIRE_MESSAGE(kiosk.shows("[camera:frame-0002.png] ok: count 1 x SKU-1 - running count 1"), kiosk.output());
  CHECK(kiosk.stop() == 0);
}

TEST_CASE("scan with --remove-frames deletes each camera frame once it is decoded") {
  Floor floor;
  testing::TempDir camera;
  const auto frames = camera / "frames";
  std::filesystem::create_directory(frames);
  Kiosk kiosk(floor.path(), {"--watch", frames.string(), "--remove-frames"});
  sign_in_at_a01(kiosk);
  drop_frame(frames, "ean13/ean13-a.png", "frame-0001.png");
  REQUIRE_MESSAGE(kiosk.shows("[camera:frame-0001.png] ok: count 1 x SKU-1 - running count 1"), kiosk.output());
  CHECK(testing::eventually([&] { return !std::filesystem::exists(frames / "frame-0001.png"); }, 20s));
  CHECK(kiosk.stop() == 0);

  const auto alone =
      testing::run_command({RECOUNT_AGENT_BIN, "scan", "--data", floor.path().string(), "--remove-frames"});
  CHECK(alone.exit_code != 0);
  CHECK(alone.err.find("--watch") != std::string::npos);
}

TEST_CASE("scan takes keyboard, serial scanner and camera at once into one session in arrival order") {
  Floor floor;
  testing::PseudoTerminal scanner;
  testing::TempDir camera;
  const auto frames = camera / "frames";
  std::filesystem::create_directory(frames);
  const auto serial = "[serial:" + scanner.slave_path() + "] ";
  Kiosk kiosk(floor.path(), {"--serial", scanner.slave_path(), "--watch", frames.string()});
  sign_in_at_a01(kiosk);
  scanner.write("5901234123457\r");
  REQUIRE_MESSAGE(kiosk.shows(serial + "ok: count 1 x SKU-1 - running count 1"), kiosk.output());
  drop_frame(frames, "ean13/ean13-a-photo-tilt.jpg", "frame-0001.jpg");
  REQUIRE_MESSAGE(kiosk.shows("[camera:frame-0001.jpg] ok: count 1 x SKU-1 - running count 2"), kiosk.output());
  kiosk.type("5901234123457");
  REQUIRE_MESSAGE(kiosk.shows("[keyboard] ok: count 1 x SKU-1 - running count 3"), kiosk.output());
  scanner.write("15901234123454\r");
  REQUIRE_MESSAGE(kiosk.shows(serial + "ok: count 12 x SKU-1 (pack of 12) - running count 15"), kiosk.output());
  kiosk.type("#close");
  REQUIRE_MESSAGE(kiosk.shows("[keyboard] ok: "), kiosk.output());
  CHECK(kiosk.stop() == 0);
  const auto events = floor.events();
  REQUIRE(events.size() == 5);
  CHECK(total(events, "count", "SKU-1") == 15);
  for (const auto& event : events) CHECK(event.value("session", "") == events[0].value("session", ""));
  CHECK(events.back().value("type", "") == "location_closed");
}

TEST_CASE("an unplugged serial scanner is reported gone, drops its cut-off code, and counts again once replugged") {
  Floor floor;
  testing::TempDir devices;
  testing::ScannerLink link(devices / "ttyACM0");
  auto first = std::make_unique<testing::PseudoTerminal>();
  link.point_at(*first);
  const auto source = "[serial:" + link.path().string() + "] ";
  Kiosk kiosk(floor.path(), {"--serial", link.path().string()});
  REQUIRE_MESSAGE(kiosk.shows(source + "ok: SCANNER CONNECTED"), kiosk.output());
  sign_in_at_a01(kiosk);
  first->write("5901234123457\r4006");  // unplugged in the middle of the second code
  REQUIRE_MESSAGE(kiosk.shows(source + "ok: count 1 x SKU-1 - running count 1"), kiosk.output());
  link.unplug(*first);
  REQUIRE_MESSAGE(kiosk.shows(source + "warning: SCANNER GONE: "), kiosk.output());
  // The keyboard keeps working while the scanner is away.
  kiosk.type("INT-0002");
  REQUIRE_MESSAGE(kiosk.shows("[keyboard] ok: count 1 x SKU-2 - running count 1"), kiosk.output());
  testing::PseudoTerminal second;
  link.point_at(second);
  REQUIRE_MESSAGE(kiosk.shows(source + "ok: SCANNER BACK"), kiosk.output());
  second.write("5901234123457\r");
  REQUIRE_MESSAGE(kiosk.shows(source + "ok: count 1 x SKU-1 - running count 2"), kiosk.output());
  // Unplugged and replugged again: the agent never needed a restart.
  link.unplug(second);
  REQUIRE_MESSAGE(kiosk.shows(source + "warning: SCANNER GONE: ", 2), kiosk.output());
  testing::PseudoTerminal third;
  link.point_at(third);
  REQUIRE_MESSAGE(kiosk.shows(source + "ok: SCANNER BACK", 2), kiosk.output());
  third.write("5901234123457\r");
  REQUIRE_MESSAGE(kiosk.shows(source + "ok: count 1 x SKU-1 - running count 3"), kiosk.output());
  CHECK(kiosk.stop() == 0);
  const auto out = kiosk.output();
  // "4006" was dropped, not joined to the first code after the replug (4006 + 5901234123457).
  CHECK(out.find(source + "refused: SCAN AGAIN: scan: incomplete line of 4 bytes dropped") != std::string::npos);
  CHECK(out.find("UNKNOWN BARCODE") == std::string::npos);
  const auto events = floor.events();
  CHECK(total(events, "count", "SKU-1") == 3);
  CHECK(total(events, "count", "SKU-2") == 1);
  CHECK(events.size() == 4);
}

TEST_CASE("a serial scanner missing at start is waited for, and counts once it is plugged in") {
  Floor floor;
  testing::TempDir devices;
  testing::ScannerLink link(devices / "ttyUSB0");
  const auto source = "[serial:" + link.path().string() + "] ";
  Kiosk kiosk(floor.path(), {"--serial", link.path().string() + ":9600"});
  REQUIRE_MESSAGE(kiosk.shows(source + "warning: SCANNER NOT CONNECTED: cannot open " + link.path().string()),
                  kiosk.output());
  sign_in_at_a01(kiosk);
  testing::PseudoTerminal scanner;
  link.point_at(scanner);
  REQUIRE_MESSAGE(kiosk.shows(source + "ok: SCANNER BACK"), kiosk.output());
  scanner.write("5901234123457\r");
  REQUIRE_MESSAGE(kiosk.shows(source + "ok: count 1 x SKU-1 - running count 1"), kiosk.output());
  CHECK(kiosk.stop() == 0);
}

TEST_CASE("the duplicate guard warns of a repeat from one scanner and from two, and never counts a serial twice") {
  Floor floor;
  testing::PseudoTerminal scanner;
  testing::TempDir camera;
  const auto frames = camera / "frames";
  std::filesystem::create_directory(frames);
  const auto serial = "[serial:" + scanner.slave_path() + "] ";
  // A window of a minute: every repeat below falls inside it, however slow the machine.
  Kiosk kiosk(floor.path(), {"--serial", scanner.slave_path(), "--watch", frames.string()}, "60000");
  sign_in_at_a01(kiosk);
  // The same scanner twice: counted, with the repeat warning.
  scanner.write("5901234123457\r");
  REQUIRE_MESSAGE(kiosk.shows(serial + "ok: count 1 x SKU-1 - running count 1"), kiosk.output());
  scanner.write("5901234123457\r");
  REQUIRE_MESSAGE(kiosk.shows(serial + "warning: REPEAT SCAN, COUNTED: count 1 x SKU-1 - running count 2 (#undo if it "
                                       "was one item)"),
                  kiosk.output());
  // Two readers of one item (the serial scanner, then the camera): still a repeat.
  drop_frame(frames, "ean13/ean13-a.png", "frame-0001.png");
  REQUIRE_MESSAGE(
      kiosk.shows("[camera:frame-0001.png] warning: REPEAT SCAN, COUNTED: count 1 x SKU-1 - running count 3"),
      kiosk.output());
  // A serialised unit (GS1 with AI 21) from the camera, then the same code from the scanner and
  // the keyboard: one unit, counted once.
  drop_frame(frames, "datamatrix/dm-gs1-a.png", "frame-0002.png");
  REQUIRE_MESSAGE(kiosk.shows("[camera:frame-0002.png] ok: count 1 x SKU-3"), kiosk.output());
  scanner.write(
      "]d2010950400005910121SN-1\x1d"
      "1726123110AB\r");
  REQUIRE_MESSAGE(kiosk.shows(serial + "warning: SAME UNIT SCANNED TWICE (serial SN-1): NOT COUNTED AGAIN"),
                  kiosk.output());
  kiosk.type(
      "]d2010950400005910121SN-1\x1d"
      "1726123110AB");
  REQUIRE_MESSAGE(kiosk.shows("[keyboard] warning: SAME UNIT SCANNED TWICE (serial SN-1): NOT COUNTED AGAIN"),
                  kiosk.output());
  CHECK(kiosk.stop() == 0);
  const auto events = floor.events();
  CHECK(total(events, "count", "SKU-1") == 3);
  CHECK(total(events, "count", "SKU-3") == 1);
}

TEST_CASE("scan refuses a bad --serial baud, a --watch that is no folder and a --serial that is no serial port") {
  Floor floor;
  const auto baud = testing::run_command(
      {RECOUNT_AGENT_BIN, "scan", "--data", floor.path().string(), "--serial", "/dev/ttyUSB0:9601"});
  CHECK(baud.exit_code == 2);
  CHECK(baud.err.find("--serial: '/dev/ttyUSB0:9601': baud rate 9601 is not one of") != std::string::npos);
  const auto letters = testing::run_command(
      {RECOUNT_AGENT_BIN, "scan", "--data", floor.path().string(), "--serial", "/dev/ttyUSB0:fast"});
  CHECK(letters.exit_code == 2);
  CHECK(letters.err.find("must be a number, not 'fast'") != std::string::npos);

  const auto folder = testing::run_command(
      {RECOUNT_AGENT_BIN, "scan", "--data", floor.path().string(), "--watch", (floor.path() / "no-frames").string()});
  CHECK(folder.exit_code == 1);
  CHECK(folder.err.find("--watch " + (floor.path() / "no-frames").string() + ": not a directory") != std::string::npos);

  // A file that exists but is no terminal: waiting would not make it a scanner.
  const auto not_a_port = floor.path() / "not-a-port";
  std::ofstream(not_a_port) << "x";
  const auto port = testing::run_command(
      {RECOUNT_AGENT_BIN, "scan", "--data", floor.path().string(), "--serial", not_a_port.string()});
  CHECK(port.exit_code == 1);
  CHECK(port.err.find(not_a_port.string()) != std::string::npos);
  CHECK(floor.events().empty());
}

}  // namespace recount::agent
