// recountctl migrate sqlite-to-postgresql.
#include "hub/cli/migrate_command.hpp"

#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

#include "hub/daemon/data_dir_lock.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/storage/database_copy.hpp"
#include "hub/storage/hub_schema.hpp"
#include "hub/storage/postgres.hpp"

namespace recount::hub {

CommandOutput migrate_to_postgres_command(const std::filesystem::path& data_dir, const std::string& url) {
  if (data_dir.empty()) return failed("migrate reads the hub's data directory: give --data DIR");
  if (url.empty()) return failed("migrate sqlite-to-postgresql: give --ledger postgresql://USER@HOST:PORT/DB");
  auto lock = DataDirLock::acquire(data_dir);
  if (!lock) {
    if (lock.error().code != ErrorCode::kConflict) return failed(lock.error().describe());
    return failed(lock.error().message + "; stop the hub before migrating its database");
  }
  const auto file = Ledger::file_in(data_dir);
  auto source = storage::Database::open(file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal,
                                        Ledger::kApplicationId);
  if (!source) {
    if (source.error().code == ErrorCode::kNotFound) {
      return failed(data_dir.string() + " holds no hub database (" + file.string() + ")");
    }
    return failed(source.error().describe());
  }
  auto target = storage::PostgresConnection::open(url);
  if (!target) return failed(target.error().describe());
  const std::string target_name = target->name();

  const auto started = std::chrono::steady_clock::now();
  const auto components = hub_schema_components();
  auto copy = copy_to_postgres(*source, *target, components);
  // Closed before anything is reported: the hub may start on either afterwards.
  auto closed = storage::Database::close_cleanly(std::move(*source));
  if (!copy) {
    return failed("nothing was migrated into " + target_name + " (it is left as it was): " + copy.error().describe());
  }

  // What `recountctl audit verify` checks, on the copy as the hub will open it.
  auto ledger = Ledger::connect(url);
  if (!ledger) return failed("migrated into " + target_name + ", but it does not open: " + ledger.error().describe());
  auto verified = ledger->audit().verify();
  if (!verified)
    return failed("migrated into " + target_name +
                  ", but its audit chain cannot be read: " + verified.error().describe());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  std::vector<std::vector<std::string>> rows;
  rows.reserve(copy->tables.size());
  for (const auto& table : copy->tables) rows.push_back({table.name, std::to_string(table.rows)});
  std::string out = table({"TABLE", "ROWS"}, rows);
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.1f", seconds);
  out += "migrated " + std::to_string(copy->tables.size()) + " tables, " + std::to_string(copy->rows) + " rows from " +
         file.string() + " into " + target_name + " in " + duration + " s\n";
  std::string err;
  if (!closed) {
    err = "recountctl: warning: " + file.string() + " was not closed cleanly (" + closed.error().describe() +
          "): the next recount-hub on it checks it first\n";
  }
  if (verified->broken_id) {
    out += "audit log broken at entry " + std::to_string(*verified->broken_id) + ": " + verified->problem + "\n";
    return CommandOutput{kExitBroken, out, err};
  }
  out += "audit chain verified: " + std::to_string(verified->entries) + " entries, head " + verified->head_hash + "\n";
  out += file.string() + " is left as it was: keep it as the way back\n";
  return CommandOutput{0, out, err};
}

}  // namespace recount::hub
