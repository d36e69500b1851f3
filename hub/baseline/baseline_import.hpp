// Opening balances from a CSV file (header site,location,sku,lot,quantity,as_of; docs/api.md):
// each row becomes a `baseline` event that the hub stores as its own and applies to
// reconciliation, the whole file in one transaction or nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/catalog/csv.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/reconcile/reconciler.hpp"
#include "hub/writes/hub_writer.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"

namespace recount::hub {

// What an import did, or why it stored nothing: when `errors` is not empty the file was rejected
// as a whole and every problem is listed with its line.
struct BaselineReport {
  std::size_t rows = 0;                         // data rows read
  std::size_t stored = 0;                       // baselines this import stored
  std::size_t unchanged = 0;                    // rows an earlier import stored already, identical: skipped
  char delimiter = ',';                         // the delimiter the file was read with (given or detected)
  TextEncoding encoding = TextEncoding::kUtf8;  // the encoding it was read in (never kAuto)
  std::vector<ImportError> errors;              // the first ImportErrors::kMaxListed problems
  std::size_t unlisted_errors = 0;              // problems past those
};

// The event id of the baseline of a position as of a time: a UUIDv8 made from their SHA-256, so
// that importing the same row again finds the event it stored before instead of adding another.
std::string baseline_event_id(const reconcile::PositionKey& position, std::int64_t as_of_ms);

// The HLC stamp of a baseline as of `as_of_ms`: the first stamp of that millisecond. Counts
// stamped at or after as_of are judged against the balance it sets (a movement with a count's
// stamp precedes the count); events stamped before as_of precede it, and when they arrive late the
// baseline absorbs them (docs/reconciliation.md).
HlcStamp baseline_stamp(std::int64_t as_of_ms);

// Validates the whole file (read by a TableReader under `options`: the delimiter detected unless
// given, UTF-8 unless said otherwise; site an identifier; location,
// sku and lot (optional) codes; quantity a whole number from 0 to 1000000000; as_of an ISO-8601
// time with an offset, not after the hub's now; no position and as_of twice). Then, through
// `writer` in one write transaction: stores each new row as a hub event made now (device `hub`,
// LedgerWrite::record_hub_event), which the writer applies to its reconciler (re-judging the
// counts at or after it), audits the import ("baseline.import": rows, stored, unchanged, SHA-256, size), and
// settles.
//
// Importing a file again doubles nothing: a row whose position and as_of an earlier import stored
// with the same quantity is skipped (`unchanged`); with another quantity it is an error on that
// line, since a stored baseline is never rewritten (a correction is a baseline with a later
// as_of). A rejected file stores nothing but its audit entry ("baseline.import_rejected": error
// count, the first error, SHA-256, size).
//
// The file is read twice, a row at a time, inside the one write: first to check every row (the
// (position, as_of) pairs seen kept in the staging table import_keys, not in memory), then, when
// no row has a problem, to store them; memory does not grow with the file. The first
// ImportErrors::kMaxListed problems are listed, the rest counted (unlisted_errors).
//
// Returns the report; an Error only when SQLite fails. `ledger` is that of `writer`. Blocks;
// call on the io_context thread that owns them.
Result<BaselineReport> import_baselines(HubWriter& writer, Ledger& ledger, std::string_view csv,
                                        const TableOptions& options = {});

}  // namespace recount::hub
