// The checks of table_fuzz, shared with its corpus's regression test in the normal build: every
// input is read by the table reader (hub/catalog/csv.hpp) under each combination of delimiter,
// encoding and quoting, with small limits. Reading must keep its promises: an error has a message
// and no records; otherwise every field is UTF-8, lines rise, the records stay within the limit,
// the delimiter and encoding are the ones given (or one of the candidates), and an amount that
// parse_cents() takes reads back the same.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hub/catalog/csv.hpp"
#include "shared/domain/identifiers.hpp"

namespace recount::fuzz {

// The amount as parse_cents() reads it back, for the round trip.
inline std::string written_cents(std::int64_t cents) {
  const bool negative = cents < 0;
  const auto magnitude = negative ? -cents : cents;
  std::string fraction = std::to_string(magnitude % 100);
  if (fraction.size() < 2) fraction.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + "." + fraction;
}

inline std::string amount_problem(std::string_view field) {
  using namespace hub;
  for (const auto mark : {DecimalMark::kPoint, DecimalMark::kPointOrComma}) {
    const auto cents = parse_cents("amount", field, mark);
    if (!cents) {
      if (cents.error().message.empty() || cents.error().field != "amount") return "an amount error unnamed";
      continue;
    }
    const auto again = parse_cents("amount", written_cents(*cents), DecimalMark::kPoint);
    if (!again || *again != *cents) return "an amount does not read back as itself";
  }
  return {};
}

// "" when `input` read with `options` keeps the promises above; else what broke.
inline std::string table_problem(std::string_view input, const hub::TableOptions& options) {
  using namespace hub;
  const auto table = read_table(input, options);
  if (table.error) {
    if (table.error->message.empty()) return "an error without message";
    if (!table.records.empty()) return "records beside an error";
    return {};
  }
  if (table.records.size() > options.max_records) return "more records than the limit";
  if (options.encoding != TextEncoding::kAuto && table.encoding != options.encoding) return "another encoding";
  if (table.encoding == TextEncoding::kAuto) return "kAuto answered as the encoding";
  const auto given = delimiter_char(options.delimiter);
  if (given ? table.delimiter != *given
            : (table.delimiter != ',' && table.delimiter != ';' && table.delimiter != '\t')) {
    return "a delimiter that was not asked for";
  }
  std::size_t last_line = 0;
  for (const auto& record : table.records) {
    if (record.line <= last_line) return "lines do not rise";
    last_line = record.line;
    if (record.fields.empty()) return "a record without fields";
    for (const auto& field : record.fields) {
      if (!is_valid_utf8(field)) return "a field that is not UTF-8";
      if (options.quoting == Quoting::kOff && field.find(table.delimiter) != std::string::npos) {
        return "a delimiter inside a field with quoting off";
      }
    }
  }
  if (table.records.empty()) return {};
  const auto& header = table.records.front();
  for (const auto& name : header.fields) {
    if (find_column(header, name, HeaderMatch::kLoose) < 0) return "a header name not found loosely";
  }
  for (const auto& record : table.records) {
    if (auto problem = amount_problem(record.fields.front()); !problem.empty()) return problem;
  }
  return {};
}

// table_problem() under every delimiter, encoding and quoting, with at most 64 records of 64 KiB.
inline std::string table_problem(std::string_view input) {
  using namespace hub;
  constexpr std::size_t kMaxRecords = 64;
  constexpr std::size_t kMaxTextBytes = std::size_t{64} * 1024;
  constexpr std::array kDelimiters{Delimiter::kDetect, Delimiter::kComma, Delimiter::kSemicolon, Delimiter::kTab};
  constexpr std::array kEncodings{TextEncoding::kUtf8, TextEncoding::kWindows1252, TextEncoding::kAuto};
  constexpr std::array kQuotings{Quoting::kRfc4180, Quoting::kOff};
  for (const auto delimiter : kDelimiters) {
    for (const auto encoding : kEncodings) {
      for (const auto quoting : kQuotings) {
        TableOptions options;
        options.delimiter = delimiter;
        options.encoding = encoding;
        options.quoting = quoting;
        options.max_records = kMaxRecords;
        options.max_text_bytes = kMaxTextBytes;
        if (auto problem = table_problem(input, options); !problem.empty()) return problem;
      }
    }
  }
  return {};
}

}  // namespace recount::fuzz
