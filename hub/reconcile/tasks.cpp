// Recount tasks and the per-site task lists.
#include "hub/reconcile/tasks.hpp"

#include <iterator>

#include "hub/reconcile/names.hpp"
#include "shared/domain/limits.hpp"

namespace recount::hub::reconcile {

enum class TaskStore::Sql {
  kInsert,
  kBump,
  kFind,
  kAcknowledge,
  kFinish,
  kOpenOf,
  kOpenTasks,
  kVersion,
  kAwaitingAck,
  kList,
  kOfDiscrepancy,
  kVersions,
  kRaise,
  kCount,
};

namespace {

constexpr NameTable<TaskState, 3> kStateNames{{
    {TaskState::kOpen, "open"},
    {TaskState::kDone, "done"},
    {TaskState::kCancelled, "cancelled"},
}};

const std::string kSelect =
    "SELECT task_id, location, sku, lot, round, exclude_user, hint, created_ms, site, discrepancy_id, position_id,"
    " state, acked_ms, acked_device, finished_ms FROM reconcile_tasks";

// Indexed by TaskStore::Sql.
const std::string kSql[] = {
    // kInsert
    "INSERT INTO reconcile_tasks (task_id, discrepancy_id, site, position_id, location, sku, lot, round,"
    " exclude_user, hint, created_ms, state, acked_device) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
    " 'open', '')",
    // kBump: versions start at 1, as the protocol wants.
    "INSERT INTO reconcile_task_lists (site, version) VALUES (?1, 1)"
    " ON CONFLICT (site) DO UPDATE SET version = reconcile_task_lists.version + 1",
    // kFind
    kSelect + " WHERE task_id = ?1",
    // kAcknowledge
    "UPDATE reconcile_tasks SET acked_ms = ?4, acked_device = ?3 WHERE task_id = ?1 AND site = ?2"
    " AND state = 'open' AND acked_ms IS NULL",
    // kFinish
    "UPDATE reconcile_tasks SET state = ?2, finished_ms = ?3 WHERE task_id = ?1 AND state = 'open' RETURNING site",
    // kOpenOf
    "SELECT task_id FROM reconcile_tasks WHERE discrepancy_id = ?1 AND state = 'open'",
    // kOpenTasks
    kSelect + " WHERE site = ?1 AND state = 'open' ORDER BY created_ms, task_id LIMIT ?2",
    // kVersion
    "SELECT version FROM reconcile_task_lists WHERE site = ?1",
    // kAwaitingAck
    "SELECT DISTINCT site FROM reconcile_tasks WHERE state = 'open' AND acked_ms IS NULL ORDER BY site",
    // kList
    kSelect +
        " WHERE (?1 = '' OR site = ?1) AND (?3 = 0 OR state = 'open') ORDER BY created_ms DESC, task_id DESC"
        " LIMIT ?2",
    // kOfDiscrepancy
    kSelect + " WHERE discrepancy_id = ?1 ORDER BY round",
    // kVersions
    "SELECT site, version FROM reconcile_task_lists ORDER BY site",
    // kRaise
    "INSERT INTO reconcile_task_lists (site, version) VALUES (?1, ?2)"
    " ON CONFLICT (site) DO UPDATE SET version = excluded.version WHERE reconcile_task_lists.version < "
    "excluded.version",
};

Result<Task> read_task(const storage::Statement& row) {
  Task task;
  task.task = protocol::RecountTask{row.column_text(0),
                                    row.column_text(1),
                                    row.column_text(2),
                                    row.column_text(3),
                                    static_cast<std::uint32_t>(row.column_int(4)),
                                    row.column_text(5),
                                    row.column_text(6),
                                    row.column_int(7)};
  task.site = row.column_text(8);
  task.discrepancy_id = row.column_int(9);
  task.position_id = row.column_int(10);
  const auto state = parse_task_state(row.column_text(11));
  if (!state) return corrupt_value("tasks.state", row.column_text(11));
  task.state = *state;
  if (!row.column_is_null(12)) task.acked_ms = row.column_int(12);
  task.acked_device = row.column_text(13);
  if (!row.column_is_null(14)) task.finished_ms = row.column_int(14);
  return task;
}

Result<std::string> read_text(const storage::Statement& row) { return row.column_text(0); }

}  // namespace

std::string_view to_string(TaskState state) { return name_in(kStateNames, state); }
std::optional<TaskState> parse_task_state(std::string_view text) { return value_in(kStateNames, text); }

std::string task_id_for(std::int64_t discrepancy_id, std::uint32_t round) {
  return "rt-" + std::to_string(discrepancy_id) + "-" + std::to_string(round);
}

std::string recount_hint(Verdict verdict, std::int64_t pack_qty, std::uint32_t round) {
  std::string hint;
  if (verdict == Verdict::kUomError) {
    hint = "uom_error: check case vs each (packs of " + std::to_string(pack_qty) + ")";
  } else if (verdict == Verdict::kAmbiguous) {
    hint = "stock moved during the count: count what is there now";
  }
  if (round > 1)
    hint += std::string(hint.empty() ? "" : "; ") + "round " + std::to_string(round) + ": recounts disagree";
  return hint;
}

Result<TaskStore> TaskStore::prepare(storage::Connection& database) {
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return TaskStore(std::move(*statements));
}

Result<void> TaskStore::bump(const std::string& site) { return statement(Sql::kBump).bind(1, site).run(); }

Result<void> TaskStore::raise(const std::string& site, std::int64_t at_least) {
  return statement(Sql::kRaise).bind(1, site).bind(2, at_least).run();
}

Result<protocol::RecountTask> TaskStore::create(const std::string& site, std::int64_t discrepancy_id,
                                                std::int64_t position_id, const PositionKey& position,
                                                std::uint32_t round, const std::string& exclude_user,
                                                const std::string& hint, std::int64_t created_ms) {
  protocol::RecountTask task{task_id_for(discrepancy_id, round),
                             position.location,
                             position.sku,
                             position.lot,
                             round,
                             exclude_user,
                             hint,
                             created_ms};
  auto& insert = statement(Sql::kInsert);
  insert.bind(1, task.task_id)
      .bind(2, discrepancy_id)
      .bind(3, site)
      .bind(4, position_id)
      .bind(5, task.location)
      .bind(6, task.sku)
      .bind(7, task.lot)
      .bind(8, std::int64_t{round})
      .bind(9, exclude_user)
      .bind(10, hint)
      .bind(11, created_ms);
  if (auto ok = insert.run(); !ok) return ok.error();
  if (auto ok = bump(site); !ok) return ok.error();
  return task;
}

Result<std::optional<Task>> TaskStore::find(const std::string& task_id) {
  auto found = collect_rows<Task>(statement(Sql::kFind).bind(1, task_id), read_task);
  if (!found) return found.error();
  if (found->empty()) return std::optional<Task>();
  return std::optional<Task>(std::move(found->front()));
}

Result<bool> TaskStore::acknowledge(const std::string& task_id, const std::string& site, const std::string& device,
                                    std::int64_t at_ms) {
  return wrote_row(statement(Sql::kAcknowledge).bind(1, task_id).bind(2, site).bind(3, device).bind(4, at_ms));
}

Result<std::optional<std::string>> TaskStore::finish(const std::string& task_id, TaskState state, std::int64_t at_ms) {
  auto sites = collect_rows<std::string>(
      statement(Sql::kFinish).bind(1, task_id).bind(2, to_string(state)).bind(3, at_ms), read_text);
  if (!sites) return sites.error();
  if (sites->empty()) return std::optional<std::string>();
  if (auto ok = bump(sites->front()); !ok) return ok.error();
  return std::optional<std::string>(sites->front());
}

Result<std::vector<std::string>> TaskStore::cancel_open(std::int64_t discrepancy_id, std::int64_t at_ms) {
  auto open = collect_rows<std::string>(statement(Sql::kOpenOf).bind(1, discrepancy_id), read_text);
  if (!open) return open.error();
  std::vector<std::string> sites;
  for (const auto& task_id : *open) {
    auto site = finish(task_id, TaskState::kCancelled, at_ms);
    if (!site) return site.error();
    if (*site) sites.push_back(**site);
  }
  return sites;
}

Result<protocol::TaskList> TaskStore::task_list(const std::string& site) {
  auto version = single_int(statement(Sql::kVersion).bind(1, site));
  if (!version) return version.error();
  auto open = collect_rows<Task>(
      statement(Sql::kOpenTasks).bind(1, site).bind(2, static_cast<std::int64_t>(limits::kMaxTasksPerList)), read_task);
  if (!open) return open.error();
  protocol::TaskList list{site, static_cast<std::uint64_t>(*version), {}};
  for (auto& task : *open) list.tasks.push_back(std::move(task.task));
  return list;
}

Result<std::vector<std::string>> TaskStore::sites_awaiting_ack() {
  return collect_rows<std::string>(statement(Sql::kAwaitingAck), read_text);
}

Result<std::vector<ListVersion>> TaskStore::list_versions() {
  return collect_rows<ListVersion>(statement(Sql::kVersions), [](const storage::Statement& row) -> Result<ListVersion> {
    return ListVersion{row.column_text(0), row.column_int(1)};
  });
}

Result<std::vector<Task>> TaskStore::tasks(const std::string& site, TaskFilter filter, std::size_t limit) {
  auto& list = statement(Sql::kList);
  list.bind(1, site).bind(2, static_cast<std::int64_t>(limit)).bind(3, std::int64_t{filter == TaskFilter::kOpen});
  return collect_rows<Task>(list, read_task);
}

Result<std::vector<Task>> TaskStore::tasks_of(std::int64_t discrepancy_id) {
  return collect_rows<Task>(statement(Sql::kOfDiscrepancy).bind(1, discrepancy_id), read_task);
}

}  // namespace recount::hub::reconcile
