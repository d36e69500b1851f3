// What the hub keeps about connected systems' imports (docs/channels.md), beside the snapshot
// and movement events themselves: each import, the SKU aliases operators mapped, the SKUs
// reports named that the catalog does not know, and the system's own names and extra figures of
// each snapshot (for its detail and for the corrections sent back in the system's own terms).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/core/result.hpp"
#include "shared/storage/connection.hpp"
#include "shared/storage/migrations.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::channels {

// The channels' tables as a component of the hub database (shared/storage/migrations.hpp).
storage::SchemaComponent channel_schema();

struct StoredImport {
  std::string system;
  std::string site;
  std::string kind;
  std::string sha256;
  std::int64_t as_of_ms = 0;
  std::string actor;
  std::int64_t at_ms = 0;
  std::size_t rows = 0;
  std::size_t stored = 0;
  std::size_t unchanged = 0;
};

// A SKU a report named that the catalog does not know, waiting for an operator to map it.
struct UnmappedSku {
  std::string system;
  std::string site;
  std::string system_sku;  // as the system spells it (or the barcode a POS line gave)
  std::string item_ref;    // the system's own identity of the item (FNSKU/ASIN, Handle + options)
  std::int64_t quantity = 0;
  std::int64_t last_seen_ms = 0;

  bool operator==(const UnmappedSku&) const = default;
};

// The system's own names and extra figures of a snapshot.
struct SnapshotFacts {
  std::string event_id;
  std::string system_sku;
  std::string system_location;
  std::string item_ref;
  std::string details;  // JSON object: the report's other quantities by name
};

// Where an operator's case with a read-only system (an FBA reimbursement claim or investigation)
// stands: filed with Amazon, then reimbursed or denied, which closes the discrepancy.
enum class ClaimState { kFiled, kReimbursed, kDenied };
std::string_view to_string(ClaimState state);
// The names to_string gives; nullopt for anything else.
std::optional<ClaimState> parse_claim_state(std::string_view text);

// One step of such a case, as recorded: every step is kept, the newest is where it stands.
struct Claim {
  std::int64_t discrepancy_id = 0;
  std::string case_id;  // the system's own case number (Amazon's case id)
  ClaimState state = ClaimState::kFiled;
  std::string note;
  std::string actor;
  std::int64_t at_ms = 0;

  bool operator==(const Claim&) const = default;
};

// Prepared statements over the channel_ tables, on the ledger's connection (SQLite or
// PostgreSQL): writes run inside the caller's LedgerWrite. Every call blocks on the database;
// kIo when it fails. Not thread-safe; use it on the ledger's thread. `database` must outlive the
// store.
class ChannelStore {
 public:
  // Creates or migrates the tables; call outside any write.
  static Result<ChannelStore> open(storage::Connection& database);

  // The import of the same file (system, site, SHA-256) stored before, if any: its as-of time is
  // the one a file without its own takes again, so importing it again changes nothing.
  Result<std::optional<StoredImport>> earlier_import(const std::string& system, const std::string& site,
                                                     const std::string& sha256);
  Result<void> record_import(const StoredImport& stored);
  Result<std::vector<StoredImport>> imports(const std::string& site, std::size_t limit);

  // The catalog SKU an operator mapped `system_sku` of `system` to, if any.
  Result<std::optional<std::string>> alias(const std::string& system, const std::string& system_sku);
  // Maps a system's SKU to a catalog SKU (replacing an earlier mapping) and drops it from the
  // unmapped list of every site.
  Result<void> map_sku(const std::string& system, const std::string& system_sku, const std::string& sku,
                       const std::string& actor, std::int64_t at_ms);
  Result<void> note_unmapped(const UnmappedSku& unmapped);
  // Unmapped SKUs, of one site when `site` is not "", by system, site, SKU.
  Result<std::vector<UnmappedSku>> unmapped(const std::string& site);

  Result<void> record_facts(const SnapshotFacts& facts);
  Result<std::optional<SnapshotFacts>> facts(const std::string& event_id);

  Result<void> record_claim(const Claim& claim);
  // The steps of the cases taken up about a discrepancy, oldest first.
  Result<std::vector<Claim>> claims(std::int64_t discrepancy_id);

 private:
  enum class Sql;
  explicit ChannelStore(storage::StatementSet<Sql> statements) : statements_(std::move(statements)) {}
  storage::Statement& statement(Sql which) { return statements_[which]; }

  storage::StatementSet<Sql> statements_;
};

}  // namespace recount::hub::channels
