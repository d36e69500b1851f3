// recountctl migrate sqlite-to-postgresql against a real PostgreSQL server of the test's own: a
// hub populated through its own stores and routes (devices' batches with a conflict and a dead
// letter, a catalog import, a connected system's import with discrepancies, a resolution and a
// correction, tokens and a session) moves row for row; the target takes no second migration, is
// left empty by one that fails midway, and goes on from the devices' cursors afterwards.
#include "hub/cli/migrate_command.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "hub/auth/session_store.hpp"
#include "hub/auth/token_store.hpp"
#include "hub/daemon/data_dir_lock.hpp"
#include "hub/storage/database_copy.hpp"
#include "hub/storage/hub_schema.hpp"
#include "hub/storage/postgres.hpp"
#include "shared/storage/statement_set.hpp"
#include "tests/hub/channel_fixtures.hpp"
#include "tests/hub/delivery_fixtures.hpp"

namespace recount::hub {
namespace {

const Origin kDevice2 = testing::origin_of("device-2", "00000000000000e2", "s1");
// More than a page of the copy (kCopyPageRows), so the events go over in several.
constexpr std::uint64_t kDevice2Events = 1'234;

// A hub that has run for a while: every table a hub writes in ordinary work holds rows.
struct PopulatedHub : ChannelHub {
  PopulatedHub() {
    // What the hub's start does: every component at its latest version.
    REQUIRE(storage::migrate(store.ledger.database(), hub_schema_components(testing::fixed_clock())).has_value());
    auto tokens = auth::TokenStore::open(store.ledger.database());
    REQUIRE(tokens.has_value());
    REQUIRE(tokens->create("ops-anna", auth::Role::kAdmin, std::nullopt, testing::kFixedNowMs).has_value());
    REQUIRE(tokens->create("lead-ben", auth::Role::kApprover, 50'000, testing::kFixedNowMs).has_value());
    REQUIRE(tokens->revoke("lead-ben", testing::kFixedNowMs + 1).has_value());
    auto sessions = auth::SessionStore::open(store.ledger.database());
    REQUIRE(sessions.has_value());
    REQUIRE(sessions->start(auth::Principal{"ops-anna", auth::Role::kAdmin, std::nullopt}, testing::kFixedNowMs)
                .has_value());

    // Three devices, one of them in two epochs; a different event at a stored seq; a dead letter
    // whose payload has a NUL byte.
    store.apply(testing::batch_of(kDevice2, 1, kDevice2Events, 2));
    store.apply(testing::batch_of(testing::origin_of("device-3", "00000000000000e3", "s1"), 1, 25, 3));
    store.apply(testing::batch_of(testing::origin_of("device-3", "00000000000000f3", "s1"), 1, 10, 4));
    CHECK(store.apply(testing::batch_of(kDevice2, 5, 5, 9)).conflicts == 1);
    {
      auto write = store.ledger.begin_write();
      REQUIRE(write.has_value());
      DeadLetter letter;
      letter.received_ms = testing::kFixedNowMs;
      letter.topic = "recount/v1/s1/device-3/events";
      letter.origin = testing::origin_of("device-3", "00000000000000f3", "s1");
      letter.seq = 11;
      letter.event_id = testing::event_id_for(4, 11);
      letter.field = "qty";
      letter.reason = "must be between 0 and 1000000000";
      letter.payload = std::string("{\"qty\":-1}\0tail", 15);
      letter.payload_bytes = letter.payload.size();
      REQUIRE(write->reject(letter).has_value());
      REQUIRE(write->commit().has_value());
    }
    // A shortage of device-1's resolved by an operator, which makes an adjustment of the hub's.
    reconcile::Policy policy;
    policy.max_recount_rounds = 0;
    REQUIRE(writer.write(
        [&](LedgerWrite&, std::int64_t now_ms) { return reconciler.set_policy(policy, "migrate-test", now_ms); }));
    testing::deliver(store.ledger, reconciler, testing::shortage_events());
    const auto shortages = queries.discrepancies(reconcile::DiscrepancyQuery{"site-1"}).value();
    const auto shortage =
        std::find_if(shortages.begin(), shortages.end(), [](const auto& each) { return each.position.sku == "SKU-1"; });
    REQUIRE(shortage != shortages.end());
    REQUIRE(resolve(shortage->id, "approve").status == 200);
    // A connected system's report, and a correction sent to it.
    imported(kShopify, channel_fixture("shopify/inventory-available-wide.csv"));
    const auto mugs = of_system("shopify");
    const auto mug =
        std::find_if(mugs.begin(), mugs.end(), [](const auto& each) { return each.position.sku == "MUG-BLUE"; });
    REQUIRE(mug != mugs.end());
    REQUIRE(resolve(mug->id, "correct-system").status == 200);
  }

  // A stopped hub's data directory holding this hub's database as committed.
  const std::filesystem::path& stopped_copy() {
    REQUIRE(store.ledger.sqlite()->backup_to(Ledger::file_in(stopped.path())).has_value());
    return stopped.path();
  }

  testing::TempDir stopped;
};

std::string file_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::vector<std::string> texts(storage::Connection& database, const std::string& sql) {
  auto query = database.prepare(sql);
  REQUIRE_MESSAGE(query.has_value(), (query ? "" : query.error().describe()));
  auto rows = storage::collect_rows<std::string>(
      *query, [](const storage::Statement& row) -> Result<std::string> { return row.column_text(0); });
  REQUIRE_MESSAGE(rows.has_value(), (rows ? "" : rows.error().describe()));
  return std::move(*rows);
}

std::int64_t count_of(storage::Connection& database, const std::string& sql) {
  auto query = database.prepare(sql);
  REQUIRE_MESSAGE(query.has_value(), (query ? "" : query.error().describe()));
  auto count = storage::single_int(*query);
  REQUIRE(count.has_value());
  return *count;
}

// Every row of `table`, each its columns' values ("NULL", or "=" and the value as text or bytes),
// in the order of all its columns.
std::vector<std::vector<std::string>> rows_of(storage::Connection& database, const std::string& table,
                                              const std::vector<std::string>& columns) {
  std::string select;
  std::string order;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    // SQLite's implicit rowid is read by its bare name; the others quoted ("user" is a keyword).
    select += (i == 0 ? "" : ", ") + (columns[i] == "rowid" ? columns[i] : "\"" + columns[i] + "\"");
    order += (i == 0 ? "" : ", ") + std::to_string(i + 1) + " NULLS FIRST";
  }
  auto query = database.prepare("SELECT " + select + " FROM \"" + table + "\" ORDER BY " + order);
  REQUIRE_MESSAGE(query.has_value(), (query ? "" : query.error().describe()));
  auto rows = storage::collect_rows<std::vector<std::string>>(
      *query, [&](const storage::Statement& row) -> Result<std::vector<std::string>> {
        std::vector<std::string> values;
        values.reserve(columns.size());
        for (int i = 0; i < static_cast<int>(columns.size()); ++i) {
          values.push_back(row.column_is_null(i) ? "NULL" : "=" + row.column_text(i));
        }
        return values;
      });
  REQUIRE_MESSAGE(rows.has_value(), (rows ? "" : rows.error().describe()));
  return std::move(*rows);
}

storage::PostgresConnection connect(const testing::PostgresServer& server) {
  auto connection = storage::PostgresConnection::open(server.url());
  REQUIRE_MESSAGE(connection.has_value(), (connection ? "" : connection.error().describe()));
  return std::move(*connection);
}

std::int64_t tables_in(storage::Connection& target) {
  return count_of(target, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()");
}

TEST_CASE("migrate copies every table of a stopped hub into PostgreSQL row for row, and its chain verifies") {
  PopulatedHub hub;
  const auto& data = hub.stopped_copy();
  const auto file = Ledger::file_in(data);
  {
    // Devices past a page: a WITHOUT ROWID table goes over in pages of its text key.
    auto source = storage::Database::open(file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal);
    REQUIRE(source.has_value());
    REQUIRE(
        source->execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)"
                        " INSERT INTO devices (device, site, last_seen_ms) SELECT 'scanner-' || i, 's2', i FROM n"));
  }
  const std::string before = file_bytes(file);
  testing::PostgresServer server;

  const auto output = migrate_to_postgres_command(data, server.url());
  INFO(output.out);
  INFO(output.err);
  REQUIRE(output.exit_code == 0);
  CHECK(output.out.find("audit chain verified") != std::string::npos);
  CHECK(file_bytes(file) == before);  // the way back is kept as it was

  auto source = storage::Database::open(file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal);
  REQUIRE(source.has_value());
  auto target = connect(server);
  const auto tables = texts(target,
                            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                            " AND table_name <> 'schema_versions' ORDER BY table_name");
  CHECK(tables.size() > 30);
  std::int64_t rows = 0;
  for (const auto& table : tables) {
    INFO(table);
    const auto columns =
        texts(target,
              "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
              " AND table_name = '" +
                  table + "' ORDER BY ordinal_position");
    const auto in_source = rows_of(*source, table, columns);
    CHECK(rows_of(target, table, columns) == in_source);
    rows += static_cast<std::int64_t>(in_source.size());
  }
  CHECK(output.out.find(std::to_string(rows) + " rows") != std::string::npos);
  // What the hub wrote in its ordinary work is among what was compared.
  for (const char* table : {"events", "cursors", "devices", "conflicts", "dead_letters", "audit_log", "hub_journal",
                            "catalog_items", "catalog_barcodes", "reconcile_discrepancies", "reconcile_transitions",
                            "auth_tokens", "auth_sessions", "channel_imports", "corrections"}) {
    INFO(table);
    CHECK(count_of(*source, std::string("SELECT count(*) FROM ") + table) > 0);
  }

  SUBCASE("a second migration into the same database is refused and changes nothing") {
    const auto again = migrate_to_postgres_command(data, server.url());
    CHECK(again.exit_code == kExitFailed);
    CHECK(again.err.find("already holds a ledger with") != std::string::npos);
    CHECK(count_of(target, "SELECT count(*) FROM events") == count_of(*source, "SELECT count(*) FROM events"));
  }

  SUBCASE("the migrated ledger opens on PostgreSQL and continues each device's cursor") {
    auto ledger = Ledger::connect(server.url(), testing::fixed_clock());
    REQUIRE_MESSAGE(ledger.has_value(), (ledger ? "" : ledger.error().describe()));
    CHECK(ledger->hub_epoch() == hub.store.ledger.hub_epoch());
    const auto stored_before = count_of(target, "SELECT count(*) FROM events");
    const auto last_rowid = count_of(target, "SELECT max(rowid) FROM events");
    const auto apply = [&](const IncomingBatch& batch) {
      auto write = ledger->begin_write();
      REQUIRE(write.has_value());
      auto outcome = write->apply(batch);
      REQUIRE_MESSAGE(outcome.has_value(), (outcome ? "" : outcome.error().describe()));
      REQUIRE(write->commit().has_value());
      return *outcome;
    };
    const auto resent = apply(testing::batch_of(kDevice2, 1, 40, 2));  // a device resending what was acked
    CHECK(resent.stored == 0);
    CHECK(resent.duplicates == 40);
    const auto next = apply(testing::batch_of(kDevice2, kDevice2Events + 1, kDevice2Events + 5, 2));
    CHECK(next.stored == 5);
    CHECK(next.cursor.acked_through == kDevice2Events + 5);
    CHECK(next.cursor.events == kDevice2Events + 5);
    CHECK(count_of(target, "SELECT count(*) FROM events") == stored_before + 5);
    // Above every copied rowid (PostgreSQL's identity also spends a value on each insert that
    // ON CONFLICT skipped, the resent batch's, so not necessarily the next one).
    CHECK(count_of(target, "SELECT min(rowid) FROM events WHERE device = 'device-2' AND seq > " +
                               std::to_string(kDevice2Events)) > last_rowid);
    const auto verified = ledger->audit().verify();
    REQUIRE(verified.has_value());
    CHECK_FALSE(verified->broken_id.has_value());
  }
}

TEST_CASE("a migration that fails midway leaves the target without a ledger, and a rerun succeeds") {
  PopulatedHub hub;
  const auto& data = hub.stopped_copy();
  testing::PostgresServer server;
  {
    auto source =
        storage::Database::open(Ledger::file_in(data), storage::OpenMode::kExistingOnly, storage::Durability::kNormal);
    REQUIRE(source.has_value());
    auto target = connect(server);
    int pages = 0;
    const auto components = hub_schema_components(testing::fixed_clock());
    // The server goes away after a few tables are in: the copy stands in the open transaction.
    const auto copy = copy_to_postgres(*source, target, components, [&](const std::string&, std::int64_t) {
      if (++pages == 5) server.stop_immediately();
    });
    REQUIRE_FALSE(copy.has_value());
    CHECK(pages == 5);
  }
  server.start();
  auto target = connect(server);
  CHECK(tables_in(target) == 0);

  const auto output = migrate_to_postgres_command(data, server.url());
  INFO(output.out);
  INFO(output.err);
  CHECK(output.exit_code == 0);
  CHECK(count_of(target, "SELECT count(*) FROM events") ==
        count_of(hub.store.ledger.database(), "SELECT count(*) FROM events"));
}

TEST_CASE("migrate refuses while the hub runs, and a source table the target lacks, naming it") {
  PopulatedHub hub;
  const auto& data = hub.stopped_copy();
  testing::PostgresServer server;
  {
    auto running = DataDirLock::acquire(data);
    REQUIRE(running.has_value());
    const auto output = migrate_to_postgres_command(data, server.url());
    CHECK(output.exit_code == kExitFailed);
    CHECK(output.err.find("stop the hub") != std::string::npos);
  }
  {
    auto source =
        storage::Database::open(Ledger::file_in(data), storage::OpenMode::kExistingOnly, storage::Durability::kNormal);
    REQUIRE(source.has_value());
    REQUIRE(source->execute("CREATE TABLE local_notes (note TEXT); INSERT INTO local_notes VALUES ('x')"));
  }
  const auto output = migrate_to_postgres_command(data, server.url());
  CHECK(output.exit_code == kExitFailed);
  CHECK(output.err.find("local_notes") != std::string::npos);
  auto target = connect(server);
  CHECK(tables_in(target) == 0);
}

}  // namespace
}  // namespace recount::hub
