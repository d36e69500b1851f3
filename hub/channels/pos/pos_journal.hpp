// A point of sale's journal (CSV, header time,register,receipt,line,sku,barcode,quantity,kind,
// reason) read into a channels::Report of movements (docs/channels-formats.md).
#pragma once

#include <string_view>

#include "hub/channels/report.hpp"

namespace recount::hub::channels::pos {

struct PosOptions {
  TextEncoding encoding = TextEncoding::kAuto;  // kAuto: UTF-8 when the bytes are valid UTF-8, else windows-1252
};

// Reads a journal into a Report with system "pos", kind "pos-journal" and one movement per row:
// kind `sale` → kSale of `quantity`; `return` → kAdjust +quantity, reason return; `damage` →
// kAdjust −quantity, reason damage or the reason column's code. `quantity` is a whole number ≥ 1;
// `time` ISO-8601 with an offset; a row names a sku or a barcode (or both; a barcode alone is
// for the import to resolve). key = "register/receipt/line": a key given twice with the same
// content is a note (read once), with other content an error. Every problem is an entry of
// `errors` (line, column, the value). The journal has no as-of time. Pure; never throws.
Report read_pos_journal(std::string_view bytes, const PosOptions& options = {});

}  // namespace recount::hub::channels::pos
