// The PostgreSQL adapter against a real server: values round-trip, placeholders, errors, a
// transaction lost with its server, and the ledger's tables made on it.
#include "hub/storage/postgres.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "hub/ledger/schema.hpp"
#include "shared/storage/migrations.hpp"
#include "shared/storage/statement_set.hpp"
#include "tests/support/postgres.hpp"

namespace recount::storage {
namespace {

using testing::PostgresServer;

PostgresConnection connect(const PostgresServer& server) {
  auto opened = PostgresConnection::open(server.url());
  REQUIRE_MESSAGE(opened.has_value(), (opened ? "" : opened.error().message));
  return std::move(*opened);
}

Statement prepared(Connection& connection, std::string_view sql) {
  auto statement = connection.prepare(sql);
  REQUIRE_MESSAGE(statement.has_value(), (statement ? "" : statement.error().message));
  return std::move(*statement);
}

// A table of unique keys, and the statement that inserts one.
Statement keys_table(Connection& connection) {
  REQUIRE(connection.execute("CREATE TABLE keys (k TEXT PRIMARY KEY)").has_value());
  return prepared(connection, "INSERT INTO keys (k) VALUES (?)");
}

std::int64_t count_rows(Connection& connection, std::string_view table) {
  auto count = prepared(connection, "SELECT COUNT(*) FROM " + std::string(table));
  return single_int(count).value();
}

TEST_CASE("SQLite placeholders become PostgreSQL's, outside literals, quoted names and comments") {
  int parameters = 0;
  CHECK(postgres_placeholders("SELECT ?, ?, ?5, ?", parameters) == "SELECT $1, $2, $5, $6");
  CHECK(parameters == 6);
  CHECK(postgres_placeholders("SELECT '?', 'it''s ?2', \"a?\" -- ?\n, ? /* ?3 */", parameters) ==
        "SELECT '?', 'it''s ?2', \"a?\" -- ?\n, $1 /* ?3 */");
  CHECK(parameters == 1);
  CHECK(postgres_placeholders("WHERE (device = ?1 OR ?1 = '') AND id > ?2", parameters) ==
        "WHERE (device = $1 OR $1 = '') AND id > $2");
  CHECK(parameters == 2);
}

TEST_CASE("integers at the ends of 64 bits, NULL, quoted text and blobs with NUL bytes round-trip") {
  PostgresServer server;
  auto connection = connect(server);
  REQUIRE(connection.execute("CREATE TABLE kept (id BIGINT, label TEXT, bytes BYTEA)").has_value());
  const std::string blob("\0a\xff\0'?\\x", 8);
  const std::string label = "it's a \"quote\" and a ? and ?2 and $1";
  auto insert = prepared(connection, "INSERT INTO kept (id, label, bytes) VALUES (?1, ?2, ?3)");
  const std::int64_t extremes[] = {std::numeric_limits<std::int64_t>::min(), -1, 0,
                                   std::numeric_limits<std::int64_t>::max()};
  for (const auto value : extremes) {
    REQUIRE(insert.bind(1, value).bind(2, label).bind_blob(3, blob).run().has_value());
  }
  REQUIRE(insert.bind_null(1).bind_null(2).bind_blob(3, "").run().has_value());

  auto read = prepared(connection, "SELECT id, label, bytes FROM kept WHERE label = ?1 OR ?1 = '' ORDER BY id");
  read.bind(1, label);
  for (const auto value : extremes) {
    REQUIRE(read.step().value());
    CHECK(read.column_int(0) == value);
    CHECK(read.column_text(1) == label);
    CHECK(read.column_text(2) == blob);
    CHECK_FALSE(read.column_is_null(0));
  }
  CHECK_FALSE(read.step().value());
  read.reset();

  auto nulls = prepared(connection, "SELECT id, label, bytes FROM kept WHERE id IS NULL");
  REQUIRE(nulls.step().value());
  CHECK(nulls.column_is_null(0));
  CHECK(nulls.column_int(0) == 0);
  CHECK(nulls.column_text(1).empty());
  CHECK(nulls.column_text(2).empty());
  CHECK_FALSE(nulls.column_is_null(2));
}

TEST_CASE("a literal '?' is kept as text, and a parameter is bound beside it") {
  PostgresServer server;
  auto connection = connect(server);
  auto select = prepared(connection, "SELECT '?', 'it''s ?1', CAST(?1 AS BIGINT) + 1, ?2 = 'x'");
  REQUIRE(select.bind(1, std::int64_t{41}).bind(2, "x").step().value());
  CHECK(select.column_text(0) == "?");
  CHECK(select.column_text(1) == "it's ?1");
  CHECK(select.column_int(2) == 42);
  CHECK(select.column_int(3) == 1);  // a boolean reads as SQLite's 1 or 0
}

TEST_CASE("an insert that ON CONFLICT DO NOTHING skips counts zero rows written") {
  PostgresServer server;
  auto connection = connect(server);
  REQUIRE(connection.execute("CREATE TABLE keys (k TEXT PRIMARY KEY)").has_value());
  auto insert = prepared(connection, "INSERT INTO keys (k) VALUES (?) ON CONFLICT DO NOTHING");
  CHECK(insert.bind(1, "a").run_counted().value() == 1);
  CHECK(insert.bind(1, "a").run_counted().value() == 0);
  CHECK(wrote_row(insert.bind(1, "b")).value());
}

TEST_CASE("an insert written by returning_id returns each new row's id from the server") {
  PostgresServer server;
  auto connection = connect(server);
  REQUIRE(
      connection.execute("CREATE TABLE t (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v TEXT)").has_value());
  auto insert = prepared(connection, returning_id(connection, "INSERT INTO t (v) VALUES (?1)"));
  const std::int64_t first = inserted_id(connection, insert.bind(1, "a")).value();
  const std::int64_t second = inserted_id(connection, insert.bind(1, "b")).value();
  CHECK(second > first);
  auto id_of = prepared(connection, "SELECT id FROM t WHERE v = ?1");
  CHECK(single_int(id_of.bind(1, "b")).value() == second);
  REQUIRE(connection.execute("CREATE UNIQUE INDEX t_v ON t (v)").has_value());
  auto skipping =
      prepared(connection, returning_id(connection, "INSERT INTO t (v) VALUES (?1) ON CONFLICT DO NOTHING"));
  auto skipped = inserted_id(connection, skipping.bind(1, "a"));
  REQUIRE_FALSE(skipped.has_value());
  CHECK(skipped.error().code == ErrorCode::kConflict);
}

TEST_CASE("a syntax error fails prepare, naming the server's reason") {
  PostgresServer server;
  auto connection = connect(server);
  auto statement = connection.prepare("SELEC 1");
  REQUIRE_FALSE(statement.has_value());
  CHECK(statement.error().code == ErrorCode::kIo);
  CHECK(statement.error().message.find("syntax error") != std::string::npos);
  CHECK(statement.error().message.find("postgresql://recount@") != std::string::npos);
  // The connection goes on.
  auto one = prepared(connection, "SELECT 1");
  CHECK(single_int(one).value() == 1);
}

TEST_CASE("a unique violation is a conflict that ends the transaction until it is rolled back") {
  PostgresServer server;
  auto connection = connect(server);
  auto insert = keys_table(connection);
  {
    auto transaction = Transaction::begin(connection);
    REQUIRE(transaction.has_value());
    REQUIRE(insert.bind(1, "a").run().has_value());
    auto again = insert.bind(1, "a").run();
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == ErrorCode::kConflict);
    CHECK(again.error().message.find("23505") != std::string::npos);
    CHECK(connection.rollbacks() == 1);
    auto after = insert.bind(1, "b").run();
    REQUIRE_FALSE(after.has_value());
    CHECK(after.error().message.find("roll it back first") != std::string::npos);
    CHECK_FALSE(transaction->commit().has_value());
  }
  CHECK(connection.rollbacks() == 1);
  CHECK(count_rows(connection, "keys") == 0);
  // Outside a transaction each statement commits alone.
  REQUIRE(insert.bind(1, "a").run().has_value());
  CHECK(insert.bind(1, "a").run().error().code == ErrorCode::kConflict);
  CHECK(insert.bind(1, "b").run().has_value());
  CHECK(count_rows(connection, "keys") == 2);
}

TEST_CASE("a rolled-back transaction leaves nothing and is counted, a committed one stays") {
  PostgresServer server;
  auto connection = connect(server);
  auto insert = keys_table(connection);
  {
    auto transaction = Transaction::begin(connection);
    REQUIRE(insert.bind(1, "gone").run().has_value());
  }
  CHECK(connection.rollbacks() == 1);
  {
    auto transaction = Transaction::begin(connection);
    REQUIRE(insert.bind(1, "kept").run().has_value());
    REQUIRE(transaction->commit().has_value());
  }
  CHECK(connection.rollbacks() == 1);
  auto other = connect(server);
  auto kept = prepared(other, "SELECT k FROM keys");
  CHECK(first_text(kept).value() == "kept");
  CHECK(count_rows(other, "keys") == 1);
}

TEST_CASE("text holding a NUL character is refused before it reaches the server") {
  PostgresServer server;
  auto connection = connect(server);
  auto select = prepared(connection, "SELECT ?");
  auto row = select.bind(1, std::string_view("a\0b", 3)).step();
  REQUIRE_FALSE(row.has_value());
  CHECK(row.error().code == ErrorCode::kInvalidInput);
  CHECK(row.error().message.find("parameter 1") != std::string::npos);
}

TEST_CASE("a server that refuses connections is unavailable, named without a password") {
  const auto url = testing::refused_postgres_url();
  auto opened = PostgresConnection::open("postgresql://recount:secret@" + url.substr(url.find('@') + 1));
  REQUIRE_FALSE(opened.has_value());
  CHECK(opened.error().code == ErrorCode::kUnavailable);
  CHECK(opened.error().message.find("secret") == std::string::npos);
  CHECK(opened.error().message.find("recount@127.0.0.1") != std::string::npos);
}

// The hub waits for a server that is down (kUnavailable) and stops on one that refuses its login:
// a wrong database, user or password does not mend itself.
TEST_CASE(
    "a server that is up but refuses the login is invalid input naming why, and one that is down is unavailable") {
  PostgresServer server;
  auto url = server.url();
  const auto database = url.find("/recount?");
  REQUIRE(database != std::string::npos);
  auto refused = PostgresConnection::open(url.replace(database, 8, "/no_such_database"));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kInvalidInput);
  CHECK(refused.error().message.find("no_such_database") != std::string::npos);
  CHECK(refused.error().message.find("does not exist") != std::string::npos);
  auto no_such_user = PostgresConnection::open("postgresql://nobody@/recount?host=" + server.socket_dir().string());
  REQUIRE_FALSE(no_such_user.has_value());
  CHECK(no_such_user.error().code == ErrorCode::kInvalidInput);
  CHECK(no_such_user.error().message.find("\"nobody\"") != std::string::npos);
  server.stop_immediately();
  auto down = PostgresConnection::open(server.url());
  REQUIRE_FALSE(down.has_value());
  CHECK(down.error().code == ErrorCode::kUnavailable);
}

// The server answers but has no connection slot left: it will once a client leaves, so the hub
// waits rather than stopping as on a refused login.
TEST_CASE("a server out of connection slots is unavailable, and is reached once a slot is free") {
  PostgresServer server;
  {
    auto admin = connect(server);
    REQUIRE(admin.execute("ALTER SYSTEM SET max_connections = 3").has_value());
    REQUIRE(admin.execute("ALTER SYSTEM SET superuser_reserved_connections = 0").has_value());
  }
  server.stop_immediately();
  server.start();
  std::vector<PostgresConnection> held;
  held.reserve(3);
  for (int i = 0; i < 3; ++i) held.push_back(connect(server));
  auto full = PostgresConnection::open(server.url());
  REQUIRE_FALSE(full.has_value());
  CHECK(full.error().code == ErrorCode::kUnavailable);
  CHECK(full.error().message.find("too many clients") != std::string::npos);
  held.pop_back();
  // Its server process ends a moment after the client left.
  CHECK(testing::eventually([&] { return PostgresConnection::open(server.url()).has_value(); },
                            std::chrono::seconds(10), std::chrono::milliseconds(20)));
}

// A failover in progress: the primary is gone and the standby not yet promoted. The standby answers
// and takes the login, but not as the writable server the URL asks for; the hub must wait for the
// promotion, not stop as on a wrong login.
TEST_CASE("a URL of primary and standby that wants a writable server is unavailable until the standby is promoted") {
  PostgresServer primary;
  PostgresServer standby(PostgresServer::StandbyOf{primary, PostgresServer::Replication::kSynchronous});
  const auto url = testing::failover_url(primary, standby);
  {
    auto writer = PostgresConnection::open(url);
    REQUIRE_MESSAGE(writer.has_value(), (writer ? "" : writer.error().message));
    CHECK(writer->name().find(primary.socket_dir().string()) != std::string::npos);
    auto insert = keys_table(*writer);
    REQUIRE(insert.bind(1, "committed on the primary").run().has_value());
  }
  primary.stop_immediately();
  auto during = PostgresConnection::open(url);
  REQUIRE_FALSE(during.has_value());
  CHECK(during.error().code == ErrorCode::kUnavailable);
  CHECK(during.error().message.find("read-only") != std::string::npos);
  standby.promote();
  auto after = PostgresConnection::open(url);
  REQUIRE_MESSAGE(after.has_value(), (after ? "" : after.error().message));
  CHECK(after->name().find(standby.socket_dir().string()) != std::string::npos);
  auto rows = prepared(*after, "SELECT k FROM keys");
  CHECK(first_text(rows).value() == "committed on the primary");
}

TEST_CASE("a server killed mid-transaction fails it as kIo, keeps none of it, and is reached again") {
  PostgresServer server;
  auto connection = connect(server);
  auto insert = keys_table(connection);
  {
    auto transaction = Transaction::begin(connection);
    REQUIRE(transaction.has_value());
    REQUIRE(insert.bind(1, "before the crash").run().has_value());
    server.stop_immediately();
    auto lost = insert.bind(1, "after the crash").run();
    REQUIRE_FALSE(lost.has_value());
    CHECK(lost.error().code == ErrorCode::kIo);
    CHECK(lost.error().message.find("connection") != std::string::npos);
    auto committed = transaction->commit();
    REQUIRE_FALSE(committed.has_value());
    CHECK(committed.error().code == ErrorCode::kIo);
  }
  CHECK(connection.rollbacks() == 1);
  server.start();
  // The same connection object connects again, and its statements are prepared again.
  REQUIRE(insert.bind(1, "after the restart").run().has_value());
  auto rows = prepared(connection, "SELECT k FROM keys ORDER BY k");
  CHECK(first_text(rows).value() == "after the restart");
  CHECK(count_rows(connection, "keys") == 1);
}

TEST_CASE("a snapshot reads one moment of the database while another connection commits, and writes nothing") {
  PostgresServer server;
  auto reader = connect(server);
  auto writer = connect(server);
  auto insert = keys_table(writer);
  REQUIRE(insert.bind(1, "before").run().has_value());
  {
    auto snapshot = Transaction::snapshot(reader);
    REQUIRE(snapshot.has_value());
    CHECK(count_rows(reader, "keys") == 1);
    REQUIRE(insert.bind(1, "during").run().has_value());
    CHECK(count_rows(reader, "keys") == 1);
    CHECK_FALSE(Transaction::snapshot(reader).has_value());  // one transaction at a time
    REQUIRE(snapshot->commit().has_value());
  }
  CHECK(count_rows(reader, "keys") == 2);
  CHECK(reader.rollbacks() == 0);
  {
    auto snapshot = Transaction::snapshot(reader);
    REQUIRE(snapshot.has_value());
    auto refused = reader.execute("INSERT INTO keys (k) VALUES ('from a snapshot')");
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.find("read-only") != std::string::npos);
  }
  CHECK(count_rows(reader, "keys") == 2);
}

TEST_CASE("the ledger's tables are made on PostgreSQL once, at the ledger's latest version") {
  PostgresServer server;
  auto connection = connect(server);
  REQUIRE(hub::migrate(connection).has_value());
  CHECK(hub::schema_version(connection).value() == hub::current_schema_version());
  REQUIRE(hub::migrate(connection).has_value());  // current: nothing runs again
  auto other = connect(server);
  REQUIRE(hub::migrate(other).has_value());
  CHECK(count_rows(connection, "hub_journal") == 1);
  auto epoch = prepared(connection, "SELECT epoch FROM hub_journal");
  CHECK(first_text(epoch).value().value_or("").size() == 16);
}

TEST_CASE("a component made on PostgreSQL is upgraded by its upgrades, and one made before its DDL is refused") {
  PostgresServer server;
  auto connection = connect(server);
  SchemaComponent first{"widgets",
                        "recount-hub",
                        {{"CREATE TABLE widgets (id INTEGER)"}},
                        {},
                        SchemaComponent::Postgres{1, "CREATE TABLE widgets (id BIGINT)"}};
  REQUIRE(migrate(connection, std::span(&first, 1)).has_value());
  SchemaComponent later = first;
  later.steps.push_back({"ALTER TABLE widgets ADD COLUMN name TEXT"});
  later.steps.push_back({"CREATE TABLE gadgets (id INTEGER)"});
  later.postgres->upgrades = {"ALTER TABLE widgets ADD COLUMN name TEXT", "CREATE TABLE gadgets (id BIGINT)"};
  REQUIRE(migrate(connection, std::span(&later, 1)).has_value());
  CHECK(schema_version(connection, later).value() == 3);
  CHECK(connection.execute("INSERT INTO widgets (id, name) VALUES (1, 'one'); INSERT INTO gadgets VALUES (2)")
            .has_value());
  // A new database runs the DDL and then every upgrade.
  auto fresh = connect(server);
  REQUIRE(fresh.execute("CREATE SCHEMA fresh; SET search_path TO fresh").has_value());
  REQUIRE(migrate(fresh, std::span(&later, 1)).has_value());
  CHECK(fresh.execute("INSERT INTO widgets (id, name) VALUES (1, 'one'); INSERT INTO gadgets VALUES (2)").has_value());
  // Tables at a version before the DDL's cannot be upgraded on PostgreSQL: the DDL was all it had.
  SchemaComponent rebased = later;
  rebased.postgres = SchemaComponent::Postgres{2, "", {"CREATE TABLE gadgets (id BIGINT)"}};
  auto old = connect(server);
  REQUIRE(old.execute("CREATE SCHEMA old; SET search_path TO old").has_value());
  REQUIRE(migrate(old, std::span(&first, 1)).has_value());
  auto refused = migrate(old, std::span(&rebased, 1));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kUnsupportedVersion);
  CHECK(refused.error().message.find("cannot upgrade on PostgreSQL") != std::string::npos);
}

TEST_CASE("stored events and audit entries stay append-only on PostgreSQL") {
  PostgresServer server;
  auto connection = connect(server);
  REQUIRE(hub::migrate(connection).has_value());
  REQUIRE(connection
              .execute("INSERT INTO audit_log (at_ms, kind, subject, detail, prev_hash, hash)"
                       " VALUES (1, 'k', 's', '{}', '', 'h')")
              .has_value());
  auto changed = connection.execute("UPDATE audit_log SET kind = 'other'");
  REQUIRE_FALSE(changed.has_value());
  CHECK(changed.error().message.find("append-only") != std::string::npos);
  CHECK_FALSE(connection.execute("DELETE FROM audit_log").has_value());
  CHECK_FALSE(connection.execute("TRUNCATE events").has_value());
  CHECK(count_rows(connection, "audit_log") == 1);
}

}  // namespace
}  // namespace recount::storage
