// `recount-agent gs1 TEXT`: parses GS1 data (raw scanner output, bracketed form or Digital Link
// URI) and prints it as JSON, or says what is wrong with it.
#pragma once

#include <iosfwd>
#include <string>

namespace recount::agent {

struct Gs1CommandOptions {
  std::string extra_separators;     // --separator: characters that also end variable-length fields
  bool require_identifier = false;  // --require-identifier: raw data must start with ]C1, ]d2, ]Q3, ]e0, ]J1 or GS
  bool enforce_pairing = false;     // --pairing: apply GS1's AI pairing rules
  std::string today;                // --today YYYY-MM-DD: anchors two-digit years; empty: today (UTC)
};

// On success writes one compact JSON object to `out` and returns 0:
//   {"symbology_identifier":"]d2",
//    "elements":[{"ai":"01","title":"GTIN","value":"09504000059101"},
//                {"ai":"3103","title":"NET WEIGHT (kg)","value":"001250","decimal":"1.250"}, ...],
//    "hri":"(01)...(3103)001250","raw":"01...","dates":{"17":"2026-12-31"},
//    "fnc1":"first_position" (raw data marked as GS1 by its identifier or a leading GS), "missing"
//           (raw data without either, accepted because it parses) or "not_applicable",
//    "gtin":..., "content_gtin":..., "lot":..., "serial":..., "sscc":..., "expiry":..., "count":N,
//    "plain_gtin":...}
// where the typed fields from "gtin" on appear only when present. On invalid input writes
// "recount-agent gs1: <what is wrong>" to `err` and returns 1; a malformed --today returns 2.
int print_gs1(const std::string& text, const Gs1CommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace recount::agent
