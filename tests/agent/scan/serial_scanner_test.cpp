// A serial scanner through pseudo-terminals behind a link the test owns: unplugged (the master
// closed) and plugged in again (a new pty behind the same path), and the `--serial` notation.
#include "agent/scan/serial_scanner.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <optional>
#include <vector>

#include "tests/support/mqtt_fixtures.hpp"
#include "tests/support/process.hpp"
#include "tests/support/pseudo_terminal.hpp"

namespace recount::agent {
namespace {

using namespace std::chrono_literals;

using testing::run_until;

// What a scanner delivered: scan texts, line errors and the state changes in order
// ("connected" or the error's message).
struct Heard {
  std::vector<std::string> scans;
  std::vector<std::string> errors;
  std::vector<std::string> states;

  Result<void> start(SerialScanner& scanner) {
    return scanner.start(
        [this](Result<Scan> scan) {
          if (scan) {
            scans.push_back(scan->text);
          } else {
            errors.push_back(scan.error().message);
          }
        },
        [this](const Result<void>& state) { states.push_back(state ? "connected" : state.error().message); });
  }
};

SerialScannerOptions quick_retries(const std::filesystem::path& device) {
  return SerialScannerOptions{SerialOptions{device.string()}, 20ms, 100ms};
}

}  // namespace

TEST_CASE("--serial takes a device and an optional standard baud rate after its last colon") {
  const auto plain = parse_serial_spec("/dev/ttyACM0");
  REQUIRE(plain);
  CHECK(plain->device == "/dev/ttyACM0");
  CHECK(plain->baud_rate == 9600);

  const auto fast = parse_serial_spec("/dev/ttyUSB0:115200");
  REQUIRE(fast);
  CHECK(fast->device == "/dev/ttyUSB0");
  CHECK(fast->baud_rate == 115200);

  // A by-path name keeps its own colons when the baud is written after them.
  const auto by_path = parse_serial_spec("/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0:38400");
  REQUIRE(by_path);
  CHECK(by_path->device == "/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0");
  CHECK(by_path->baud_rate == 38400);

  // A path that exists is taken whole, colons and all.
  testing::TempDir dir;
  const auto colon_name = dir / "usb-0:2";
  std::ofstream(colon_name).put('x');
  const auto existing = parse_serial_spec(colon_name.string());
  REQUIRE(existing);
  CHECK(existing->device == colon_name.string());
  CHECK(existing->baud_rate == 9600);
}

TEST_CASE("--serial refuses a baud rate that is not a standard one, not a number or missing, naming the option") {
  for (const auto* spec : {"/dev/ttyUSB0:9601", "/dev/ttyUSB0:fast", "/dev/ttyUSB0:", "/dev/ttyUSB0:-9600",
                           "/dev/ttyUSB0:115200x", ":9600"}) {
    INFO(spec);
    const auto parsed = parse_serial_spec(spec);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == ErrorCode::kInvalidInput);
    CHECK(parsed.error().field == "--serial");
    CHECK(parsed.error().message.find(spec) != std::string::npos);
  }
  CHECK(parse_serial_spec("/dev/ttyUSB0:9601").error().message.find("is not one of 1200, 2400") != std::string::npos);
  CHECK(parse_serial_spec(":9600").error().message.find("names no device") != std::string::npos);
}

TEST_CASE("an unplugged serial scanner is reopened when it is back, without its cut-off line") {
  testing::TempDir dir;
  testing::ScannerLink link(dir / "scanner");
  auto first = std::make_unique<testing::PseudoTerminal>();
  link.point_at(*first);
  boost::asio::io_context io;
  auto scanner = std::make_shared<SerialScanner>(io, quick_retries(link.path()));
  Heard heard;
  REQUIRE(heard.start(*scanner));
  CHECK(heard.states == std::vector<std::string>{"connected"});

  first->write("5901234123457\r4006");
  REQUIRE(run_until(io, [&] { return heard.scans.size() == 1; }));
  io.run_for(50ms);  // the cut-off code is read before the unplug
  link.unplug(*first);
  REQUIRE(run_until(io, [&] { return heard.states.size() == 2; }));
  CHECK(heard.states[1].find(link.path().string()) != std::string::npos);
  CHECK(heard.errors ==
        std::vector<std::string>{"incomplete line of 4 bytes dropped when the input ended: scan again"});

  // Retries fail while nothing is behind the path, and are not reported one by one.
  io.run_for(300ms);
  CHECK(heard.states.size() == 2);

  testing::PseudoTerminal second;
  link.point_at(second);
  REQUIRE(run_until(io, [&] { return heard.states.size() == 3; }));
  CHECK(heard.states[2] == "connected");
  second.write("381333931\r4006381333931\r");
  REQUIRE(run_until(io, [&] { return heard.scans.size() == 3; }));
  // The first line after the replug stands alone: "4006" was never joined to it.
  CHECK(heard.scans == std::vector<std::string>{"5901234123457", "381333931", "4006381333931"});
  scanner->stop();
}

TEST_CASE("a serial scanner missing at start is reported once and opened when it appears") {
  testing::TempDir dir;
  testing::ScannerLink link(dir / "scanner");
  boost::asio::io_context io;
  auto scanner = std::make_shared<SerialScanner>(io, quick_retries(link.path()));
  Heard heard;
  const auto started = heard.start(*scanner);
  REQUIRE_FALSE(started);
  CHECK(started.error().code == ErrorCode::kIo);
  REQUIRE(heard.states.size() == 1);
  CHECK(heard.states[0].find("cannot open " + link.path().string()) != std::string::npos);
  io.run_for(200ms);
  CHECK(heard.states.size() == 1);

  testing::PseudoTerminal terminal;
  link.point_at(terminal);
  REQUIRE(run_until(io, [&] { return heard.states.size() == 2; }));
  CHECK(heard.states[1] == "connected");
  terminal.write("LOC-A-01\r");
  REQUIRE(run_until(io, [&] { return heard.scans.size() == 1; }));
  CHECK(heard.scans[0] == "LOC-A-01");
  scanner->stop();
}

TEST_CASE("a stopped serial scanner neither reports nor retries") {
  testing::TempDir dir;
  testing::ScannerLink link(dir / "scanner");
  boost::asio::io_context io;
  auto scanner = std::make_shared<SerialScanner>(io, quick_retries(link.path()));
  Heard heard;
  REQUIRE_FALSE(heard.start(*scanner));
  scanner->stop();
  testing::PseudoTerminal terminal;
  link.point_at(terminal);
  terminal.write("LOC-A-01\r");
  io.run_for(300ms);
  CHECK(heard.states.size() == 1);
  CHECK(heard.scans.empty());
}

}  // namespace recount::agent
