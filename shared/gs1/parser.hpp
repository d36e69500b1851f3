// Parsing GS1 data from scanners, labels and imports: raw element strings with FNC1/GS
// separators and AIM symbology identifiers, the bracketed human-readable form, and GS1 Digital
// Link URIs. Input is untrusted: nothing here throws; errors say what is wrong and where.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "shared/core/result.hpp"
#include "shared/gs1/element_string.hpp"

namespace recount::gs1 {

// Longest input parse() reads; a GS1 DataMatrix holds at most about 2,300 characters.
inline constexpr std::size_t kMaxInput = 4096;

enum class IdentifierPolicy {
  kOptional,  // raw data may come without an AIM symbology identifier (most scanners' default)
  kRequired,  // raw data must start with a GS1 identifier (]C1, ]d2, ]Q3, ]e0, ]J1) or a GS
};

enum class PairingRules {
  kIgnore,   // check each element on its own (what scanning needs: labels are what they are)
  kEnforce,  // also apply GS1's AI pairing rules (pairing_rules.hpp), for strict validation
};

struct ParseOptions {
  // Characters that end a variable-length field besides GS, for scanners configured to send a
  // printable substitute for FNC1 (e.g. "|"). They can then not occur inside values.
  std::string extra_separators;
  IdentifierPolicy identifier = IdentifierPolicy::kOptional;
  PairingRules pairing = PairingRules::kIgnore;
  // The date that anchors the century of two-digit years (dates.hpp); nullopt: today in UTC.
  std::optional<std::chrono::year_month_day> today;
};

// Parses `text`, recognising its notation by its start:
// - "(": bracketed human-readable form, "(01)09506000134352(10)ABC".
// - "http://" or "https://": a Digital Link URI (digital_link.hpp).
// - anything else: raw scanner data. It may start with an AIM symbology identifier:
//   ]C1 (GS1-128), ]d2 (GS1 DataMatrix), ]Q3 (GS1 QR), ]e0 (GS1 DataBar), ]J1 (GS1 DotCode)
//   carry an element string; ]E0/]E4 (EAN-13, UPC-A, EAN-8) and ]I0/]I1 (ITF) carry a plain
//   GTIN, returned as plain_gtin with no elements; ]Q1, ]d1, ]C0 (plain QR, DataMatrix,
//   Code 128) are accepted only when they carry a Digital Link URI. A leading GS stands for FNC1
//   in first position. Raw data with neither identifier nor leading GS (a plain barcode, or a
//   scanner that sends no identifiers) is read as an element string when it parses as one, and
//   the result's fnc1 is Fnc1::kMissing to say that nothing in the scan marked it as GS1 data. Elements with a
//   predefined length (01, 17, ...) need no separator; every other element ends at a GS (or an extra separator) or at
//   the end. Repeated and trailing separators are ignored.
// Every value is validated against the AI table (validation.hpp). Errors (kInvalidInput) name
// the AI as field "(AI)" where one is concerned, and the rule and the character of the input
// (counted from 1) in the message: empty input or no data after the identifier, an unknown or
// unsupported symbology identifier, no known AI at a position, a value too short, too long or
// with a separator inside a fixed-length field, a character outside the AI's set, a wrong check
// digit, an impossible date, leftover data, input over kMaxInput, and with
// PairingRules::kEnforce a broken pairing rule. Thread-safe.
Result<ElementString> parse(std::string_view text, const ParseOptions& options = {});

}  // namespace recount::gs1
