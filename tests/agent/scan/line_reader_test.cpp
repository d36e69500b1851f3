// Keyboard-wedge input over a pipe and a regular file, and a serial scanner through a
// pseudo-terminal pair: scans go into one side, the reader reads them from the other.
#include "agent/scan/line_reader.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
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

// What a reader delivered.
struct Delivered {
  std::vector<Scan> scans;
  std::vector<std::string> errors;
  std::optional<Result<void>> end;

  template <typename Reader>
  void start(Reader& reader) {
    reader.start(
        [this](Result<Scan> scan) {
          if (scan) {
            scans.push_back(*scan);
          } else {
            errors.push_back(scan.error().message);
          }
        },
        [this](Result<void> result) { end = std::move(result); });
  }
};

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto written = ::write(fd, bytes.data(), bytes.size());
    REQUIRE(written > 0);
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

std::vector<std::string> texts(const std::vector<Scan>& scans) {
  std::vector<std::string> result;
  result.reserve(scans.size());
  for (const auto& scan : scans) result.push_back(scan.text);
  return result;
}

}  // namespace

TEST_CASE("a keyboard-wedge scanner on a pipe delivers each line as a scan until end of input") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  boost::asio::io_context io;
  auto reader = open_keyboard(io, fds[0]);
  ::close(fds[0]);  // the reader holds its own duplicate
  REQUIRE(reader);
  Delivered delivered;
  delivered.start(**reader);

  write_all(fds[1], "5901234123457\r\n");
  REQUIRE(run_until(io, [&] { return delivered.scans.size() == 1; }));
  CHECK(delivered.scans[0].text == "5901234123457");
  CHECK(delivered.scans[0].source == ScanSource::kKeyboard);
  CHECK(delivered.scans[0].origin == "stdin");

  write_all(fds[1],
            "]C10109504000059101"
            "10AB\x1d"
            "17261231\r\n#mode count\nLAST");
  ::close(fds[1]);
  REQUIRE(run_until(io, [&] { return delivered.end.has_value(); }));
  CHECK(texts(delivered.scans) == std::vector<std::string>{"5901234123457",
                                                           "]C1010950400005910110AB\x1d"
                                                           "17261231",
                                                           "#mode count", "LAST"});
  CHECK(delivered.end->has_value());
}

TEST_CASE("keyboard input redirected from a regular file is read to its end") {
  testing::TempDir dir;
  std::ofstream(dir / "scans.txt") << "A-01\r\n4006381333931\r\n";
  const int fd = ::open((dir / "scans.txt").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  boost::asio::io_context io;
  auto reader = open_keyboard(io, fd, "scans.txt");
  ::close(fd);
  REQUIRE(reader);
  Delivered delivered;
  delivered.start(**reader);
  REQUIRE(run_until(io, [&] { return delivered.end.has_value(); }));
  CHECK(texts(delivered.scans) == std::vector<std::string>{"A-01", "4006381333931"});
  CHECK(delivered.scans[0].origin == "scans.txt");
}

TEST_CASE("a keyboard-wedge scanner on a terminal delivers a line when its Enter completes it") {
  testing::PseudoTerminal terminal;
  const int slave = ::open(terminal.slave_path().c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(slave >= 0);
  boost::asio::io_context io;
  auto reader = open_keyboard(io, slave, terminal.slave_path());
  ::close(slave);
  REQUIRE(reader);
  Delivered delivered;
  delivered.start(**reader);
  // The terminal is left in canonical mode: the scanner's CR becomes a newline, and GS is no
  // special character there.
  terminal.write(
      "]C1010950400005910110AB\x1d"
      "17261231");
  io.run_for(100ms);
  CHECK(delivered.scans.empty());
  terminal.write("\r");
  REQUIRE(run_until(io, [&] { return delivered.scans.size() == 1; }));
  CHECK(delivered.scans[0].text ==
        "]C1010950400005910110AB\x1d"
        "17261231");
}

TEST_CASE("a keyboard reader on a closed descriptor is refused") {
  boost::asio::io_context io;
  const auto reader = open_keyboard(io, 12345);
  REQUIRE_FALSE(reader);
  CHECK(reader.error().code == ErrorCode::kIo);
}

TEST_CASE("a serial scanner on a pseudo-terminal delivers scans with their GS separators") {
  testing::PseudoTerminal terminal;
  boost::asio::io_context io;
  auto reader = open_serial(io, SerialOptions{terminal.slave_path(), 115200});
  REQUIRE_MESSAGE(reader, (reader ? "" : reader.error().describe()));
  Delivered delivered;
  delivered.start(**reader);

  terminal.write(
      "]d2010950400005910121SN-1\x1d"
      "17261231\r");
  terminal.write("00106141412345678908\r\n");
  terminal.write(std::string(5000, '9') + "\r0109504000059101\r");
  REQUIRE(run_until(io, [&] { return delivered.scans.size() == 3; }));
  CHECK(texts(delivered.scans) == std::vector<std::string>{"]d2010950400005910121SN-1\x1d"
                                                           "17261231",
                                                           "00106141412345678908", "0109504000059101"});
  CHECK(delivered.scans[0].source == ScanSource::kSerial);
  CHECK(delivered.scans[0].origin == terminal.slave_path());
  CHECK(delivered.errors == std::vector<std::string>{"line longer than 4096 bytes dropped"});
}

TEST_CASE("a serial line that hangs up ends the reader") {
  testing::PseudoTerminal terminal;
  boost::asio::io_context io;
  auto reader = open_serial(io, SerialOptions{terminal.slave_path(), 9600});
  REQUIRE(reader);
  Delivered delivered;
  delivered.start(**reader);
  terminal.write("LAST\r");
  REQUIRE(run_until(io, [&] { return delivered.scans.size() == 1; }));
  terminal.unplug();
  CHECK(run_until(io, [&] { return delivered.end.has_value(); }));
  CHECK(texts(delivered.scans) == std::vector<std::string>{"LAST"});
}

TEST_CASE("a serial scanner unplugged in the middle of a code drops the partial code with an error") {
  testing::PseudoTerminal terminal;
  boost::asio::io_context io;
  auto reader = open_serial(io, SerialOptions{terminal.slave_path(), 9600});
  REQUIRE(reader);
  Delivered delivered;
  delivered.start(**reader);
  terminal.write("LAST\r5901234");
  REQUIRE(run_until(io, [&] { return delivered.scans.size() == 1; }));
  io.run_for(50ms);  // the partial code is read too before the unplug
  terminal.unplug();
  REQUIRE(run_until(io, [&] { return delivered.end.has_value(); }));
  CHECK(texts(delivered.scans) == std::vector<std::string>{"LAST"});
  CHECK(delivered.errors ==
        std::vector<std::string>{"incomplete line of 7 bytes dropped when the input ended: scan again"});
}

TEST_CASE("a serial device that does not exist is refused with its path") {
  boost::asio::io_context io;
  const auto reader = open_serial(io, SerialOptions{"/dev/recount-no-such-scanner", 9600});
  REQUIRE_FALSE(reader);
  CHECK(reader.error().code == ErrorCode::kIo);
  CHECK(reader.error().message.find("/dev/recount-no-such-scanner") != std::string::npos);
}

TEST_CASE("after stop no handler runs, even for data already sent") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  boost::asio::io_context io;
  auto reader = open_keyboard(io, fds[0]);
  ::close(fds[0]);
  REQUIRE(reader);
  Delivered delivered;
  delivered.start(**reader);
  write_all(fds[1], "A\n");
  (*reader)->stop();
  ::close(fds[1]);
  io.run_for(100ms);
  CHECK(delivered.scans.empty());
  CHECK_FALSE(delivered.end.has_value());
}

}  // namespace recount::agent
