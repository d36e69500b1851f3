// A parsed GS1 message: its AI elements in order, with typed accessors for what inventory
// needs (GTIN, lot, expiry, serial, SSCC, count) and its bracketed and raw renderings.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recount::gs1 {

struct Element {
  std::string ai;     // "01", "3103", ...
  std::string value;  // the data as carried, no reformatting
  // For AIs whose data starts with a YYMMDD date (11, 13, 15, 17, 7003, 7006, ...): that date,
  // with the century and day 00 resolved.
  std::optional<std::chrono::year_month_day> date;
  // For implied-decimal AIs (310n..369n, 390n..395n): the value with its decimal point and
  // without leading zeros, e.g. (3103)001250 -> "1.250".
  std::optional<std::string> decimal;

  bool operator==(const Element&) const = default;
};

// Whether raw data said it was GS1 data (GS1 General Specifications: FNC1 in first position, which
// scanners transmit as a GS1 symbology identifier such as ]C1 or ]d2, or as a leading GS).
enum class Fnc1 {
  kNotApplicable,  // bracketed form, Digital Link URI or a plain EAN/UPC/ITF scan
  kFirstPosition,  // raw data marked as GS1 data by its identifier or a leading GS
  kMissing,        // raw data with neither: a plain barcode read as AIs because they parse
};

// "not_applicable", "first_position" or "missing".
std::string_view to_string(Fnc1 fnc1);

// What gs1::parse returns; every element has been validated against the AI table. A plain value:
// const member functions are safe to call from several threads at once.
struct ElementString {
  std::string symbology_identifier;  // "]C1", "]d2", "]E0", ... or empty when none was sent
  std::vector<Element> elements;     // in message order; empty for a plain GTIN scan
  // For a plain EAN/UPC/ITF-14 scan (identifier ]E0, ]E4, ]I0 or ]I1): the digits as sent.
  std::optional<std::string> plain_gtin;
  Fnc1 fnc1 = Fnc1::kNotApplicable;

  // The first element with this AI, or nullptr. The pointer lives as long as this object.
  const Element* find(std::string_view ai) const;
  // The value of the first element with this AI.
  std::optional<std::string> value_of(std::string_view ai) const;

  // (01), or the plain GTIN scan normalised to 14 digits: the key the catalog looks up.
  std::optional<std::string> gtin() const;
  // (02): the GTIN of the trade items a logistic unit holds.
  std::optional<std::string> content_gtin() const { return value_of("02"); }
  std::optional<std::string> lot() const { return value_of("10"); }
  std::optional<std::string> serial() const { return value_of("21"); }
  std::optional<std::string> sscc() const { return value_of("00"); }
  std::optional<std::string> expiry() const;  // (17) as an ISO date, "2021-03-31"
  // The first of (30) variable count and (37) count of contained items, whichever comes first
  // (nullopt also when its value is not a number, which parse() never lets through).
  std::optional<std::int64_t> count() const;

  // "(01)07032069804988(10)0329": the human-readable interpretation printed under a barcode.
  std::string hri() const;
  // The element string as a barcode carries it, without symbology identifier: AIs and values
  // run together, with GS (ASCII 29) after every element whose AI has no predefined length,
  // except the last.
  std::string raw() const;
};

}  // namespace recount::gs1
