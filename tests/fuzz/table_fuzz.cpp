// libFuzzer target for the table reader (hub/catalog/csv.hpp): every input is read under each
// combination of delimiter, encoding and quoting, with small limits. Reading must not crash or trip
// a sanitizer, and must keep its promises: an error has a message and no records; otherwise every
// field is UTF-8, lines rise, the records stay within the limit, the delimiter and encoding are the
// ones given (or one of the candidates), and an amount that parse_cents() takes reads back the same.
// Anything else aborts with the reason, which libFuzzer reports as a crash with its input.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hub/catalog/csv.hpp"
#include "shared/domain/identifiers.hpp"

namespace recount::hub {
namespace {

constexpr std::size_t kMaxRecords = 64;
constexpr std::size_t kMaxTextBytes = 64 * 1024;

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "table_fuzz: %s (input of %zu bytes)\n", what.c_str(), input.size());
  std::abort();
}

// The amount as parse_cents() reads it back, for the round trip.
std::string written_cents(std::int64_t cents) {
  const bool negative = cents < 0;
  const auto magnitude = negative ? -cents : cents;
  std::string fraction = std::to_string(magnitude % 100);
  if (fraction.size() < 2) fraction.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + "." + fraction;
}

void check_amount(std::string_view field, std::string_view input) {
  for (const auto mark : {DecimalMark::kPoint, DecimalMark::kPointOrComma}) {
    const auto cents = parse_cents("amount", field, mark);
    if (!cents) {
      if (cents.error().message.empty() || cents.error().field != "amount") fail("an amount error unnamed", input);
      continue;
    }
    const auto again = parse_cents("amount", written_cents(*cents), DecimalMark::kPoint);
    if (!again || *again != *cents) fail("an amount does not read back as itself", input);
  }
}

void check(std::string_view input, const TableOptions& options) {
  const auto table = read_table(input, options);
  if (table.error) {
    if (table.error->message.empty()) fail("an error without message", input);
    if (!table.records.empty()) fail("records beside an error", input);
    return;
  }
  if (table.records.size() > options.max_records) fail("more records than the limit", input);
  if (options.encoding != TextEncoding::kAuto && table.encoding != options.encoding) fail("another encoding", input);
  if (table.encoding == TextEncoding::kAuto) fail("kAuto answered as the encoding", input);
  const auto given = delimiter_char(options.delimiter);
  if (given ? table.delimiter != *given
            : (table.delimiter != ',' && table.delimiter != ';' && table.delimiter != '\t')) {
    fail("a delimiter that was not asked for", input);
  }
  std::size_t last_line = 0;
  for (const auto& record : table.records) {
    if (record.line <= last_line) fail("lines do not rise", input);
    last_line = record.line;
    if (record.fields.empty()) fail("a record without fields", input);
    for (const auto& field : record.fields) {
      if (!is_valid_utf8(field)) fail("a field that is not UTF-8", input);
      if (options.quoting == Quoting::kOff && field.find(table.delimiter) != std::string::npos) {
        fail("a delimiter inside a field with quoting off", input);
      }
    }
  }
  if (table.records.empty()) return;
  const auto& header = table.records.front();
  for (const auto& name : header.fields) {
    if (find_column(header, name, HeaderMatch::kLoose) < 0) fail("a header name not found loosely", input);
  }
  for (const auto& record : table.records) check_amount(record.fields.front(), input);
}

}  // namespace
}  // namespace recount::hub

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace recount::hub;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::array kDelimiters{Delimiter::kDetect, Delimiter::kComma, Delimiter::kSemicolon, Delimiter::kTab};
  constexpr std::array kEncodings{TextEncoding::kUtf8, TextEncoding::kWindows1252, TextEncoding::kAuto};
  constexpr std::array kQuotings{Quoting::kRfc4180, Quoting::kOff};
  for (const auto delimiter : kDelimiters) {
    for (const auto encoding : kEncodings) {
      for (const auto quoting : kQuotings) {
        check(input, TableOptions{delimiter, encoding, quoting, kMaxRecords, kMaxTextBytes});
      }
    }
  }
  return 0;
}
