// ChannelStore: the channel_ tables.
#include "hub/channels/channel_store.hpp"

#include <iterator>

#include "shared/storage/migrations.hpp"

namespace recount::hub::channels {

enum class ChannelStore::Sql {
  kEarlierImport,
  kRecordImport,
  kImports,
  kAlias,
  kMapSku,
  kDropUnmapped,
  kNoteUnmapped,
  kUnmapped,
  kRecordFacts,
  kFacts,
  kRecordClaim,
  kClaims,
  kCount,
};

namespace {

// Step i takes the tables from version i to i + 1. Append; never edit one that has shipped.
const storage::MigrationStep kSteps[] = {
    // 1: imports, SKU aliases, unmapped SKUs and the system's names of each snapshot.
    {R"sql(
CREATE TABLE channel_imports (
  id        INTEGER PRIMARY KEY,
  system    TEXT    NOT NULL,
  site      TEXT    NOT NULL,
  kind      TEXT    NOT NULL,
  sha256    TEXT    NOT NULL,
  as_of_ms  INTEGER NOT NULL,
  actor     TEXT    NOT NULL,
  at_ms     INTEGER NOT NULL,
  rows      INTEGER NOT NULL,
  stored    INTEGER NOT NULL,
  unchanged INTEGER NOT NULL
);
CREATE INDEX channel_imports_by_file ON channel_imports (system, site, sha256);
CREATE INDEX channel_imports_by_site ON channel_imports (site, id);
CREATE TABLE channel_aliases (
  system     TEXT    NOT NULL,
  system_sku TEXT    NOT NULL,
  sku        TEXT    NOT NULL,
  actor      TEXT    NOT NULL,
  at_ms      INTEGER NOT NULL,
  PRIMARY KEY (system, system_sku)
) WITHOUT ROWID;
CREATE TABLE channel_unmapped (
  system       TEXT    NOT NULL,
  site         TEXT    NOT NULL,
  system_sku   TEXT    NOT NULL,
  item_ref     TEXT    NOT NULL,
  quantity     INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  PRIMARY KEY (system, site, system_sku)
) WITHOUT ROWID;
CREATE TABLE channel_snapshot_facts (
  event_id        TEXT PRIMARY KEY,
  system_sku      TEXT NOT NULL,
  system_location TEXT NOT NULL,
  item_ref        TEXT NOT NULL,
  details         TEXT NOT NULL
) WITHOUT ROWID;
)sql"},
    // 2: what operators took up with a read-only system (FBA) about a discrepancy, each step a row.
    {R"sql(
CREATE TABLE channel_claims (
  id             INTEGER PRIMARY KEY,
  discrepancy_id INTEGER NOT NULL,
  case_id        TEXT    NOT NULL,
  state          TEXT    NOT NULL CHECK (state IN ('filed', 'reimbursed', 'denied')),
  note           TEXT    NOT NULL,
  actor          TEXT    NOT NULL,
  at_ms          INTEGER NOT NULL
);
CREATE INDEX channel_claims_by_discrepancy ON channel_claims (discrepancy_id, id);
)sql"},
};

constexpr std::string_view kImportSelect =
    "SELECT system, site, kind, sha256, as_of_ms, actor, at_ms, rows, stored, unchanged FROM channel_imports";

// Indexed by ChannelStore::Sql.
const std::string kSql[] = {
    // kEarlierImport
    std::string(kImportSelect) + " WHERE system = ?1 AND site = ?2 AND sha256 = ?3 ORDER BY id LIMIT 1",
    // kRecordImport
    "INSERT INTO channel_imports (system, site, kind, sha256, as_of_ms, actor, at_ms, rows, stored, unchanged)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    // kImports
    std::string(kImportSelect) + " WHERE ?1 = '' OR site = ?1 ORDER BY id DESC LIMIT ?2",
    // kAlias
    "SELECT sku FROM channel_aliases WHERE system = ?1 AND system_sku = ?2",
    // kMapSku
    "INSERT INTO channel_aliases (system, system_sku, sku, actor, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT (system, system_sku) DO UPDATE SET sku = excluded.sku, actor = excluded.actor, at_ms = "
    "excluded.at_ms",
    // kDropUnmapped
    "DELETE FROM channel_unmapped WHERE system = ?1 AND system_sku = ?2",
    // kNoteUnmapped
    "INSERT INTO channel_unmapped (system, site, system_sku, item_ref, quantity, last_seen_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (system, site, system_sku) DO UPDATE SET"
    " item_ref = excluded.item_ref, quantity = excluded.quantity, last_seen_ms = excluded.last_seen_ms",
    // kUnmapped
    "SELECT system, site, system_sku, item_ref, quantity, last_seen_ms FROM channel_unmapped"
    " WHERE ?1 = '' OR site = ?1 ORDER BY system, site, system_sku",
    // kRecordFacts
    "INSERT INTO channel_snapshot_facts (event_id, system_sku, system_location, item_ref, details)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (event_id) DO NOTHING",
    // kFacts
    "SELECT event_id, system_sku, system_location, item_ref, details FROM channel_snapshot_facts WHERE event_id = ?1",
    // kRecordClaim
    "INSERT INTO channel_claims (discrepancy_id, case_id, state, note, actor, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    // kClaims
    "SELECT discrepancy_id, case_id, state, note, actor, at_ms FROM channel_claims WHERE discrepancy_id = ?1 ORDER BY "
    "id",
};

Result<StoredImport> read_import(const storage::Statement& row) {
  return StoredImport{row.column_text(0),
                      row.column_text(1),
                      row.column_text(2),
                      row.column_text(3),
                      row.column_int(4),
                      row.column_text(5),
                      row.column_int(6),
                      static_cast<std::size_t>(row.column_int(7)),
                      static_cast<std::size_t>(row.column_int(8)),
                      static_cast<std::size_t>(row.column_int(9))};
}

Result<SnapshotFacts> read_facts(const storage::Statement& row) {
  return SnapshotFacts{row.column_text(0), row.column_text(1), row.column_text(2), row.column_text(3),
                       row.column_text(4)};
}

}  // namespace

storage::SchemaComponent channel_schema() {
  return storage::SchemaComponent{"channels", "recount-hub", {std::begin(kSteps), std::end(kSteps)}};
}

Result<ChannelStore> ChannelStore::open(Ledger& ledger) {
  const storage::SchemaComponent components[] = {channel_schema()};
  if (auto ok = storage::migrate(ledger.database(), components); !ok) return ok.error();
  auto statements = storage::StatementSet<Sql>::prepare(ledger.database(), kSql);
  if (!statements) return statements.error();
  return ChannelStore(std::move(*statements));
}

Result<std::optional<StoredImport>> ChannelStore::earlier_import(const std::string& system, const std::string& site,
                                                                 const std::string& sha256) {
  auto found = storage::collect_rows<StoredImport>(
      statement(Sql::kEarlierImport).bind(1, system).bind(2, site).bind(3, sha256), read_import);
  if (!found) return found.error();
  if (found->empty()) return std::optional<StoredImport>();
  return std::optional<StoredImport>(std::move(found->front()));
}

Result<void> ChannelStore::record_import(const StoredImport& stored) {
  return statement(Sql::kRecordImport)
      .bind(1, stored.system)
      .bind(2, stored.site)
      .bind(3, stored.kind)
      .bind(4, stored.sha256)
      .bind(5, stored.as_of_ms)
      .bind(6, stored.actor)
      .bind(7, stored.at_ms)
      .bind(8, static_cast<std::int64_t>(stored.rows))
      .bind(9, static_cast<std::int64_t>(stored.stored))
      .bind(10, static_cast<std::int64_t>(stored.unchanged))
      .run();
}

Result<std::vector<StoredImport>> ChannelStore::imports(const std::string& site, std::size_t limit) {
  return storage::collect_rows<StoredImport>(
      statement(Sql::kImports).bind(1, site).bind(2, static_cast<std::int64_t>(limit)), read_import);
}

Result<std::optional<std::string>> ChannelStore::alias(const std::string& system, const std::string& system_sku) {
  return storage::first_text(statement(Sql::kAlias).bind(1, system).bind(2, system_sku));
}

Result<void> ChannelStore::map_sku(const std::string& system, const std::string& system_sku, const std::string& sku,
                                   const std::string& actor, std::int64_t at_ms) {
  if (auto ok =
          statement(Sql::kMapSku).bind(1, system).bind(2, system_sku).bind(3, sku).bind(4, actor).bind(5, at_ms).run();
      !ok) {
    return ok;
  }
  return statement(Sql::kDropUnmapped).bind(1, system).bind(2, system_sku).run();
}

Result<void> ChannelStore::note_unmapped(const UnmappedSku& unmapped) {
  return statement(Sql::kNoteUnmapped)
      .bind(1, unmapped.system)
      .bind(2, unmapped.site)
      .bind(3, unmapped.system_sku)
      .bind(4, unmapped.item_ref)
      .bind(5, unmapped.quantity)
      .bind(6, unmapped.last_seen_ms)
      .run();
}

Result<std::vector<UnmappedSku>> ChannelStore::unmapped(const std::string& site) {
  return storage::collect_rows<UnmappedSku>(
      statement(Sql::kUnmapped).bind(1, site), [](const storage::Statement& row) -> Result<UnmappedSku> {
        return UnmappedSku{row.column_text(0), row.column_text(1), row.column_text(2),
                           row.column_text(3), row.column_int(4),  row.column_int(5)};
      });
}

Result<void> ChannelStore::record_facts(const SnapshotFacts& facts) {
  return statement(Sql::kRecordFacts)
      .bind(1, facts.event_id)
      .bind(2, facts.system_sku)
      .bind(3, facts.system_location)
      .bind(4, facts.item_ref)
      .bind(5, facts.details)
      .run();
}

Result<std::optional<SnapshotFacts>> ChannelStore::facts(const std::string& event_id) {
  auto found = storage::collect_rows<SnapshotFacts>(statement(Sql::kFacts).bind(1, event_id), read_facts);
  if (!found) return found.error();
  if (found->empty()) return std::optional<SnapshotFacts>();
  return std::optional<SnapshotFacts>(std::move(found->front()));
}

std::string_view to_string(ClaimState state) {
  switch (state) {
    case ClaimState::kFiled: return "filed";
    case ClaimState::kReimbursed: return "reimbursed";
    case ClaimState::kDenied: return "denied";
  }
  return "filed";
}

std::optional<ClaimState> parse_claim_state(std::string_view text) {
  for (const auto state : {ClaimState::kFiled, ClaimState::kReimbursed, ClaimState::kDenied}) {
    if (text == to_string(state)) return state;
  }
  return std::nullopt;
}

Result<void> ChannelStore::record_claim(const Claim& claim) {
  return statement(Sql::kRecordClaim)
      .bind(1, claim.discrepancy_id)
      .bind(2, claim.case_id)
      .bind(3, to_string(claim.state))
      .bind(4, claim.note)
      .bind(5, claim.actor)
      .bind(6, claim.at_ms)
      .run();
}

Result<std::vector<Claim>> ChannelStore::claims(std::int64_t discrepancy_id) {
  return storage::collect_rows<Claim>(
      statement(Sql::kClaims).bind(1, discrepancy_id), [](const storage::Statement& row) -> Result<Claim> {
        const auto state = parse_claim_state(row.column_text(2));
        if (!state) return Error{ErrorCode::kCorrupt, "state", "a stored claim's state '" + row.column_text(2) + "'"};
        return Claim{row.column_int(0),  row.column_text(1), *state,
                     row.column_text(3), row.column_text(4), row.column_int(5)};
      });
}

}  // namespace recount::hub::channels
