// The copy of a hub database from SQLite into PostgreSQL: discovery of the tables, the keyset
// pages and the multi-row INSERTs.
#include "hub/storage/database_copy.hpp"

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "hub/catalog/catalog_schema.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub {
namespace {

// How a column's values travel: as numbers, as text, or as bytes.
enum class Kind { kInteger, kText, kBlob };

struct Column {
  std::string name;
  Kind kind = Kind::kText;
  bool identity = false;  // an identity column on PostgreSQL, whose sequence follows the copied ids
};

struct Table {
  std::string name;
  std::vector<Column> columns;  // in the target's order
};

// The migration writes the target's own versions; the source's are checked equal before the copy.
constexpr std::string_view kVersionsTable = "schema_versions";

// A name as a quoted SQL identifier (both engines double a quote inside).
std::string identifier(std::string_view name) {
  std::string text = "\"";
  for (const char c : name) text += c == '"' ? std::string("\"\"") : std::string(1, c);
  return text + "\"";
}

Error mismatch(const std::string& message) { return Error{ErrorCode::kCorrupt, "", message}; }

Result<std::vector<std::string>> texts(storage::Connection& database, const std::string& sql,
                                       std::string_view parameter = {}) {
  auto query = database.prepare(sql);
  if (!query) return query.error();
  if (!parameter.empty()) query->bind(1, parameter);
  return storage::collect_rows<std::string>(
      *query, [](const storage::Statement& row) -> Result<std::string> { return row.column_text(0); });
}

Result<std::int64_t> count_rows(storage::Connection& database, const std::string& table) {
  auto query = database.prepare("SELECT count(*) FROM " + identifier(table));
  if (!query) return query.error();
  return storage::single_int(*query);
}

// Every table of the target's schema but schema_versions, in name order.
Result<std::vector<std::string>> target_tables(storage::Connection& target) {
  return texts(target,
               "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
               " AND table_type = 'BASE TABLE' AND table_name <> 'schema_versions' ORDER BY table_name");
}

// A target that holds anything would be merged into: refused, naming what it holds.
Result<void> refuse_filled(storage::Connection& target) {
  auto tables = target_tables(target);
  if (!tables) return tables.error();
  // The events first: a ledger is what the message should name when there is one.
  std::stable_partition(tables->begin(), tables->end(), [](const std::string& table) { return table == "events"; });
  for (const auto& table : *tables) {
    auto rows = count_rows(target, table);
    if (!rows) return rows.error();
    if (*rows == 0) continue;
    if (table == "events") {
      return Error{ErrorCode::kConflict, "",
                   target.name() + " already holds a ledger with " + std::to_string(*rows) +
                       " events: a migration never merges two ledgers; give an empty database"};
    }
    return Error{ErrorCode::kConflict, "",
                 target.name() + " already holds " + std::to_string(*rows) + " rows in " + table +
                     ": a migration fills an empty database only"};
  }
  return {};
}

Result<void> check_source_versions(storage::Database& source, std::span<const storage::SchemaComponent> components) {
  for (const auto& component : components) {
    auto version = storage::schema_version(source, component);
    if (!version) return version.error();
    const auto latest = static_cast<int>(component.steps.size());
    if (*version == latest) continue;
    return Error{
        ErrorCode::kUnsupportedVersion, "",
        "the " + component.name + " tables of " + source.name() + " are at version " + std::to_string(*version) +
            ", this program's at " + std::to_string(latest) + ": " +
            (*version < latest ? "start this version of recount-hub on it once (it upgrades them), then migrate"
                               : "migrate with the newer recountctl that wrote them")};
  }
  return {};
}

Result<Kind> kind_of(const std::string& table, const std::string& column, const std::string& type) {
  if (type == "bigint" || type == "integer" || type == "smallint") return Kind::kInteger;
  if (type == "text" || type == "character varying") return Kind::kText;
  if (type == "bytea") return Kind::kBlob;
  return mismatch("the column " + table + "." + column + " is of type " + type +
                  " on the target, which the copy does not carry");
}

Result<Table> target_table(storage::Connection& target, const std::string& name) {
  auto query = target.prepare(
      "SELECT column_name, data_type, is_identity FROM information_schema.columns"
      " WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position");
  if (!query) return query.error();
  query->bind(1, name);
  Table table{name, {}};
  while (true) {
    auto row = query->step();
    if (!row) return row.error();
    if (!*row) break;
    auto kind = kind_of(name, query->column_text(0), query->column_text(1));
    if (!kind) return kind.error();
    table.columns.push_back(Column{query->column_text(0), *kind, query->column_text(2) == "YES"});
  }
  query->reset();
  return table;
}

// A source table as read: its columns and the key its pages follow.
struct SourceShape {
  std::vector<std::string> select;  // per target column, what the source's SELECT reads
  std::vector<std::size_t> key;     // indexes into the SELECT's columns, in key order
};

// What the SELECT of `table` reads from the source for each target column, and its key: SQLite's
// rowid (read last, after the columns), or the primary key of a table WITHOUT ROWID.
Result<SourceShape> source_shape(storage::Database& source, const Table& table) {
  auto query = source.prepare("SELECT name, pk FROM pragma_table_info(?1) ORDER BY cid");
  if (!query) return query.error();
  query->bind(1, table.name);
  std::map<std::string, std::int64_t> source_columns;  // name -> position in the primary key (0: none)
  while (true) {
    auto row = query->step();
    if (!row) return row.error();
    if (!*row) break;
    source_columns.emplace(query->column_text(0), query->column_int(1));
  }
  query->reset();
  auto without_rowid_query = source.prepare("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?1");
  if (!without_rowid_query) return without_rowid_query.error();
  auto without_rowid = storage::first_int(without_rowid_query->bind(1, table.name));
  if (!without_rowid) return without_rowid.error();

  SourceShape shape;
  std::vector<std::pair<std::int64_t, std::size_t>> primary_key;
  for (const auto& column : table.columns) {
    const auto found = source_columns.find(column.name);
    if (found != source_columns.end()) {
      if (found->second > 0) primary_key.emplace_back(found->second, shape.select.size());
      shape.select.push_back(identifier(column.name));
      source_columns.erase(found);
    } else if (column.name == "rowid" && without_rowid->value_or(0) == 0) {
      // SQLite's implicit rowid, which the target spells out (the events' order as stored).
      shape.select.emplace_back("rowid");
    } else {
      return mismatch("the target's table " + table.name + " has a column " + column.name + " that " + source.name() +
                      " lacks");
    }
  }
  if (!source_columns.empty()) {
    return mismatch(source.name() + " has a column " + table.name + "." + source_columns.begin()->first +
                    " that the target lacks");
  }
  if (without_rowid->value_or(0) == 0) {
    shape.key.push_back(shape.select.size());
    shape.select.emplace_back("rowid");
  } else {
    std::sort(primary_key.begin(), primary_key.end());
    for (const auto& [position, index] : primary_key) shape.key.push_back(index);
  }
  return shape;
}

// Refuses a value that is not of its column's kind: read as the column's kind it would change
// (a real read as an integer, say).
Result<void> check_kinds(storage::Database& source, const Table& table, const SourceShape& shape) {
  std::string sql = "SELECT 0";
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    const char* allowed = table.columns[i].kind == Kind::kInteger ? "'integer', 'null'"
                          : table.columns[i].kind == Kind::kText  ? "'text', 'null'"
                                                                  : "'blob', 'text', 'null'";
    sql += ", coalesce(sum(typeof(" + shape.select[i] + ") NOT IN (" + allowed + ")), 0)";
  }
  auto query = source.prepare(sql + " FROM " + identifier(table.name));
  if (!query) return query.error();
  auto row = query->step();
  if (!row) return row.error();
  for (std::size_t i = 0; *row && i < table.columns.size(); ++i) {
    const auto wrong = query->column_int(static_cast<int>(i) + 1);
    if (wrong == 0) continue;
    query->reset();
    return mismatch(source.name() + ": " + std::to_string(wrong) + " values of " + table.name + "." +
                    table.columns[i].name + " are not of the column's kind");
  }
  query->reset();
  return {};
}

// One value read from the source, kept until the page's INSERT binds it.
struct Cell {
  bool null = false;
  std::int64_t number = 0;
  std::string text;
};

void bind_cell(storage::Statement& insert, int index, const Cell& cell, Kind kind) {
  if (cell.null) {
    insert.bind_null(index);
  } else if (kind == Kind::kInteger) {
    insert.bind(index, cell.number);
  } else if (kind == Kind::kBlob) {
    insert.bind_blob(index, cell.text);
  } else {
    insert.bind(index, std::string_view(cell.text));
  }
}

std::string insert_sql(const Table& table, std::int64_t rows) {
  std::string names;
  std::string values = "(";
  for (const auto& column : table.columns) {
    names += (names.empty() ? "" : ", ") + identifier(column.name);
    values += values.size() == 1 ? "?" : ", ?";
  }
  values += ")";
  // OVERRIDING SYSTEM VALUE: the ids of GENERATED ALWAYS columns are the source's too.
  std::string sql = "INSERT INTO " + identifier(table.name) + " (" + names + ") OVERRIDING SYSTEM VALUE VALUES ";
  for (std::int64_t row = 0; row < rows; ++row) sql += (row == 0 ? "" : ", ") + values;
  return sql;
}

// Copies `table` page by page; returns its rows.
Result<std::int64_t> copy_table(storage::Database& source, storage::Connection& target, const Table& table,
                                const CopyProgress& progress) {
  auto shape = source_shape(source, table);
  if (!shape) return shape.error();
  if (auto ok = check_kinds(source, table, *shape); !ok) return ok.error();

  const auto columns = static_cast<std::int64_t>(table.columns.size());
  const std::int64_t page_rows = std::clamp<std::int64_t>(65535 / columns, 1, kCopyPageRows);
  std::string select;
  std::string order;
  std::string after;
  for (std::size_t i = 0; i < shape->select.size(); ++i) select += (i == 0 ? "" : ", ") + shape->select[i];
  for (std::size_t i = 0; i < shape->key.size(); ++i) {
    order += (i == 0 ? "" : ", ") + shape->select[shape->key[i]];
    after += (i == 0 ? "?" : ", ?") + std::to_string(i + 1);
  }
  const std::string from = "SELECT " + select + " FROM " + identifier(table.name);
  const std::string limit = " LIMIT ?" + std::to_string(shape->key.size() + 1);
  auto first_page = source.prepare(from + " ORDER BY " + order + " LIMIT ?1");
  if (!first_page) return first_page.error();
  auto next_page = source.prepare(from + " WHERE (" + order + ") > (" + after + ") ORDER BY " + order + limit);
  if (!next_page) return next_page.error();
  auto full_insert = target.prepare(insert_sql(table, page_rows));
  if (!full_insert) return full_insert.error();

  std::vector<Cell> cells(static_cast<std::size_t>(page_rows * columns));
  std::vector<Cell> last_key(shape->key.size());
  std::int64_t copied = 0;
  for (bool first = true;; first = false) {
    storage::Statement& page = first ? *first_page : *next_page;
    if (first) {
      page.bind(1, page_rows);
    } else {
      for (std::size_t i = 0; i < last_key.size(); ++i) {
        const int index = static_cast<int>(i) + 1;
        // The rowid key is an integer; a primary key's column has its column's kind.
        const bool number =
            shape->key[i] >= table.columns.size() || table.columns[shape->key[i]].kind == Kind::kInteger;
        if (number) {
          page.bind(index, last_key[i].number);
        } else {
          page.bind(index, std::string_view(last_key[i].text));
        }
      }
      page.bind(static_cast<int>(last_key.size()) + 1, page_rows);
    }
    std::int64_t rows = 0;
    while (rows < page_rows) {
      auto row = page.step();
      if (!row) return row.error();
      if (!*row) break;
      for (std::int64_t c = 0; c < columns; ++c) {
        Cell& cell = cells[static_cast<std::size_t>(rows * columns + c)];
        const int at = static_cast<int>(c);
        cell.null = page.column_is_null(at);
        cell.number = table.columns[static_cast<std::size_t>(c)].kind == Kind::kInteger ? page.column_int(at) : 0;
        cell.text =
            table.columns[static_cast<std::size_t>(c)].kind == Kind::kInteger ? std::string() : page.column_text(at);
      }
      for (std::size_t i = 0; i < shape->key.size(); ++i) {
        const int at = static_cast<int>(shape->key[i]);
        last_key[i].number = page.column_int(at);
        last_key[i].text = page.column_text(at);
      }
      ++rows;
    }
    page.reset();
    if (rows == 0) break;

    std::optional<storage::Statement> partial_insert;
    if (rows < page_rows) {
      auto prepared = target.prepare(insert_sql(table, rows));
      if (!prepared) return prepared.error();
      partial_insert.emplace(std::move(*prepared));
    }
    storage::Statement& insert = partial_insert ? *partial_insert : *full_insert;
    for (std::int64_t r = 0; r < rows; ++r) {
      for (std::int64_t c = 0; c < columns; ++c) {
        bind_cell(insert, static_cast<int>(r * columns + c) + 1, cells[static_cast<std::size_t>(r * columns + c)],
                  table.columns[static_cast<std::size_t>(c)].kind);
      }
    }
    auto written = insert.run_counted();
    if (!written) return written.error();
    if (*written != rows) {
      return mismatch("the target stored " + std::to_string(*written) + " of a page of " + std::to_string(rows) +
                      " rows of " + table.name);
    }
    copied += rows;
    if (progress) progress(table.name, copied);
    if (rows < page_rows) break;
  }
  return copied;
}

// A foreign key of the target, dropped during the copy (rows arrive table by table, and a
// correction may name a later one as its successor) and made again after it, which checks every
// copied row against it.
struct ForeignKey {
  std::string table;
  std::string name;
  std::string definition;
};

Result<std::vector<ForeignKey>> foreign_keys(storage::Connection& target) {
  auto query = target.prepare(
      "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
      " WHERE contype = 'f' AND connamespace = current_schema()::regnamespace ORDER BY conname");
  if (!query) return query.error();
  return storage::collect_rows<ForeignKey>(*query, [](const storage::Statement& row) -> Result<ForeignKey> {
    return ForeignKey{row.column_text(0), row.column_text(1), row.column_text(2)};
  });
}

// Moves each identity column's sequence past the copied ids, so the next row the hub writes
// gets the id after the highest copied, as SQLite's rowid would.
Result<void> follow_identities(storage::Connection& target, const Table& table) {
  for (const auto& column : table.columns) {
    if (!column.identity) continue;
    auto query = target.prepare("SELECT setval(pg_get_serial_sequence(?1, ?2), coalesce((SELECT max(" +
                                identifier(column.name) + ") FROM " + identifier(table.name) + "), 0) + 1, false)");
    if (!query) return query.error();
    if (auto ok = query->bind(1, identifier(table.name)).bind(2, column.name).step(); !ok) return ok.error();
    query->reset();
  }
  return {};
}

// Fills the target inside the caller's transactions (the target's write, the source's snapshot).
Result<DatabaseCopy> fill(storage::Database& source, storage::Connection& target,
                          std::span<const storage::SchemaComponent> components, const CopyProgress& progress) {
  if (auto ok = refuse_filled(target); !ok) return ok.error();
  if (auto ok = storage::migrate_in_transaction(target, components); !ok) return ok.error();
  // The catalog's staging tables exist on PostgreSQL as this session's temporary tables.
  if (auto ok = begin_import_staging(target); !ok) return ok.error();

  auto names = target_tables(target);
  if (!names) return names.error();
  auto temporary =
      texts(target, "SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema() AND relkind = 'r'");
  if (!temporary) return temporary.error();
  auto source_names = texts(source,
                            "SELECT name FROM sqlite_master WHERE type = 'table'"
                            " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  if (!source_names) return source_names.error();

  const std::set<std::string> target_names(names->begin(), names->end());
  const std::set<std::string> temporary_names(temporary->begin(), temporary->end());
  for (const auto& name : *source_names) {
    if (name == kVersionsTable || target_names.contains(name)) continue;
    if (!temporary_names.contains(name)) {
      return mismatch(source.name() + " has a table " + name + " that the target lacks");
    }
    // Empty but inside an import's transaction: a stopped hub's hold nothing.
    auto rows = count_rows(source, name);
    if (!rows) return rows.error();
    if (*rows != 0) {
      return mismatch(source.name() + "'s staging table " + name + " holds " + std::to_string(*rows) +
                      " rows; it is empty between imports");
    }
  }
  const std::set<std::string> source_set(source_names->begin(), source_names->end());
  for (const auto& name : *names) {
    if (!source_set.contains(name))
      return mismatch("the target has a table " + name + " that " + source.name() + " lacks");
  }

  auto keys = foreign_keys(target);
  if (!keys) return keys.error();
  for (const auto& key : *keys) {
    if (auto ok = target.execute("ALTER TABLE " + key.table + " DROP CONSTRAINT " + identifier(key.name)); !ok)
      return ok.error();
  }
  DatabaseCopy copy;
  for (const auto& name : *names) {
    // Rows the migration seeded (the hub's journal epoch, the catalog's version): the source's replace them.
    if (auto ok = target.execute("DELETE FROM " + identifier(name)); !ok) return ok.error();
    auto table = target_table(target, name);
    if (!table) return table.error();
    auto rows = copy_table(source, target, *table, progress);
    if (!rows) return rows.error();
    if (auto ok = follow_identities(target, *table); !ok) return ok.error();
    copy.tables.push_back(CopiedTable{name, *rows});
    copy.rows += *rows;
  }
  for (const auto& key : *keys) {
    if (auto ok = target.execute("ALTER TABLE " + key.table + " ADD CONSTRAINT " + identifier(key.name) + " " +
                                 key.definition);
        !ok) {
      return ok.error();
    }
  }
  for (const auto& table : copy.tables) {
    auto in_target = count_rows(target, table.name);
    if (!in_target) return in_target.error();
    auto in_source = count_rows(source, table.name);
    if (!in_source) return in_source.error();
    if (*in_target != *in_source) {
      return mismatch("the target's " + table.name + " holds " + std::to_string(*in_target) + " rows, " +
                      source.name() + "'s " + std::to_string(*in_source));
    }
  }
  return copy;
}

}  // namespace

Result<DatabaseCopy> copy_to_postgres(storage::Database& source, storage::Connection& target,
                                      std::span<const storage::SchemaComponent> components,
                                      const CopyProgress& progress) {
  if (target.dialect() != storage::Dialect::kPostgres) {
    return Error{ErrorCode::kInvalidInput, "", target.name() + " is not a PostgreSQL database"};
  }
  auto snapshot = storage::Transaction::snapshot(source);
  if (!snapshot) return snapshot.error();
  if (auto ok = check_source_versions(source, components); !ok) return ok.error();
  auto write = storage::Transaction::begin(target);
  if (!write) return write.error();
  auto copy = fill(source, target, components, progress);
  if (!copy) return copy.error();
  if (auto ok = write->commit(); !ok) return ok.error();
  if (auto ok = snapshot->commit(); !ok) return ok.error();
  return copy;
}

}  // namespace recount::hub
