// ISO-8601 times with offsets, as baseline imports carry them: accepted shapes, and a clear
// refusal naming the field for everything else.
#include "shared/core/iso_time.hpp"

#include <doctest/doctest.h>

namespace recount {
namespace {

constexpr std::int64_t k2026Nov1At5Utc = 1'793'509'200'000;  // 2026-11-01T05:00:00Z

TEST_CASE("a time with an offset, with Z and with a fraction gives the same instant in Unix milliseconds") {
  CHECK(parse_iso8601_ms("as_of", "2026-11-01T06:00:00+01:00").value() == k2026Nov1At5Utc);
  CHECK(parse_iso8601_ms("as_of", "2026-11-01T05:00:00Z").value() == k2026Nov1At5Utc);
  CHECK(parse_iso8601_ms("as_of", "2026-10-31T23:30:00-05:30").value() == k2026Nov1At5Utc);
  CHECK(parse_iso8601_ms("as_of", "2026-11-01T05:00:00.250Z").value() == k2026Nov1At5Utc + 250);
  CHECK(parse_iso8601_ms("as_of", "2026-11-01T05:00:00.1239999Z").value() == k2026Nov1At5Utc + 123);
  CHECK(parse_iso8601_ms("as_of", "1970-01-01T00:00:00Z").value() == 0);
  CHECK(parse_iso8601_ms("as_of", "2028-02-29T00:00:00Z").has_value());  // a leap day
}

TEST_CASE("other shapes, impossible dates and times before 1970 are refused naming the field") {
  for (const char* text : {"", "2026-11-01", "2026-11-01T06:00:00", "2026-11-01 06:00:00Z", "2026-11-01T06:00Z",
                           "2026-11-01T06:00:00+0100", "2026-11-01T06:00:00+01", "2026-11-01T06:00:00.Z",
                           "2026-11-01T06:00:00Zjunk", "26-11-01T06:00:00Z", "2026-1-01T06:00:00Z",
                           "2026-11-01T06:00:00.1234567890Z", "2026-11-01T06:0a:00Z"}) {
    const auto parsed = parse_iso8601_ms("as_of", text);
    INFO(text);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().field == "as_of");
    CHECK(parsed.error().code == ErrorCode::kInvalidInput);
  }
  for (const char* text : {"2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z",
                           "2026-11-01T24:00:00Z", "2026-11-01T23:60:00Z", "2026-11-01T23:59:60Z"}) {
    INFO(text);
    CHECK(parse_iso8601_ms("as_of", text).error().message.find("does not exist") != std::string::npos);
  }
  CHECK(parse_iso8601_ms("as_of", "2026-11-01T06:00:00+24:00").error().message.find("offset") != std::string::npos);
  CHECK(parse_iso8601_ms("as_of", "1969-12-31T23:59:59Z").error().message.find("before 1970") != std::string::npos);
}

}  // namespace
}  // namespace recount
