// Framing scanner bytes into lines.
#include "agent/scan/line_framer.hpp"

#include <doctest/doctest.h>

#include <vector>

namespace recount::agent {
namespace {

struct Collected {
  std::vector<std::string> lines;
  std::vector<std::string> errors;
  LineFramer::LineHandler handler() {
    return [this](Result<std::string> line) {
      if (line) {
        lines.push_back(*line);
      } else {
        errors.push_back(line.error().message);
      }
    };
  }
};

}  // namespace

TEST_CASE("CR, LF and CRLF each end a scan and empty lines are skipped") {
  LineFramer framer;
  Collected collected;
  framer.feed("A1\rB2\nC3\r\n\r\n\nD4", collected.handler());
  CHECK(collected.lines == std::vector<std::string>{"A1", "B2", "C3"});
  framer.finish(collected.handler());
  CHECK(collected.lines.back() == "D4");
}

TEST_CASE("a line split across reads arrives whole, CRLF split included") {
  LineFramer framer;
  Collected collected;
  framer.feed("01095040", collected.handler());
  framer.feed("00059101\r", collected.handler());
  framer.feed("\n10AB\n", collected.handler());
  CHECK(collected.lines == std::vector<std::string>{"0109504000059101", "10AB"});
}

TEST_CASE("a group separator inside a scan is kept") {
  LineFramer framer;
  Collected collected;
  framer.feed(
      "]C10109504000059101"
      "10AB\x1d"
      "17261231\r\n",
      collected.handler());
  REQUIRE(collected.lines.size() == 1);
  CHECK(collected.lines[0] ==
        "]C1010950400005910110AB\x1d"
        "17261231");
}

TEST_CASE("an overlong line is reported once and dropped whole, and reading goes on") {
  LineFramer framer(8);
  Collected collected;
  framer.feed("123456789012\nOK\n", collected.handler());
  CHECK(collected.lines == std::vector<std::string>{"OK"});
  REQUIRE(collected.errors.size() == 1);
  CHECK(collected.errors[0] == "line longer than 8 bytes dropped");
}

TEST_CASE("finishing without a pending line delivers nothing") {
  LineFramer framer;
  Collected collected;
  framer.feed("A\n", collected.handler());
  framer.finish(collected.handler());
  CHECK(collected.lines.size() == 1);
  CHECK(collected.errors.empty());
}

TEST_CASE("an abandoned stream drops its unterminated line with an error and never joins it to the next") {
  LineFramer framer;
  Collected collected;
  framer.feed("A1\r59012341", collected.handler());
  framer.abandon(collected.handler());
  framer.feed("23457\r", collected.handler());
  framer.abandon(collected.handler());  // nothing begun: nothing to report
  CHECK(collected.lines == std::vector<std::string>{"A1", "23457"});
  CHECK(collected.errors ==
        std::vector<std::string>{"incomplete line of 8 bytes dropped when the input ended: scan again"});
}

}  // namespace recount::agent
