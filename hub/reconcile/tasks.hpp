// Blind recount tasks (DESIGN §6): what the hub publishes, retained, on each site's task topic.
// A task names a position, its round and the user who may not do it; never the expected
// quantity. Counts carrying its task_id answer it; task_ack events record that a device has it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/reconcile/position.hpp"
#include "hub/reconcile/rules.hpp"
#include "shared/core/result.hpp"
#include "shared/protocol/messages.hpp"
#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::reconcile {

enum class TaskState { kOpen, kDone, kCancelled };
// Which tasks a listing shows.
enum class TaskFilter { kOpen, kAll };
std::string_view to_string(TaskState state);
std::optional<TaskState> parse_task_state(std::string_view text);

struct Task {
  protocol::RecountTask task;  // exactly what devices receive
  std::string site;
  std::int64_t discrepancy_id = 0;
  std::int64_t position_id = 0;
  TaskState state = TaskState::kOpen;
  std::optional<std::int64_t> acked_ms;  // when the first device's task_ack arrived
  std::string acked_device;
  std::optional<std::int64_t> finished_ms;
};

// "rt-<discrepancy id>-<round>": unique, and stable if the same round is asked for again.
std::string task_id_for(std::int64_t discrepancy_id, std::uint32_t round);

// What the counter is told besides where to count. Never a quantity the ledger expects: only
// what to watch for (a pack size for a UoM error, movement for an ambiguous count).
std::string recount_hint(Verdict verdict, std::int64_t pack_qty, std::uint32_t round);

// A site's task list version (protocol::TaskList::version; 0 never appears: lists start at 1).
struct ListVersion {
  std::string site;
  std::int64_t version = 0;
};

// Prepared statements over reconcile_tasks and reconcile_task_lists. Writes run in the
// caller's transaction. Every call blocks on SQLite; kIo when SQLite fails, kCorrupt for an
// unknown stored state. Not thread-safe; must not outlive the Database.
class TaskStore {
 public:
  static Result<TaskStore> prepare(storage::Connection& database);

  // Opens a task for round `round` of a discrepancy and moves the site's list version on.
  Result<protocol::RecountTask> create(const std::string& site, std::int64_t discrepancy_id, std::int64_t position_id,
                                       const PositionKey& position, std::uint32_t round,
                                       const std::string& exclude_user, const std::string& hint,
                                       std::int64_t created_ms);

  Result<std::optional<Task>> find(const std::string& task_id);

  // Records the first device of the task's site to acknowledge an open task; later acks, other
  // sites' devices and unknown or finished tasks change nothing. Returns whether it recorded one.
  Result<bool> acknowledge(const std::string& task_id, const std::string& site, const std::string& device,
                           std::int64_t at_ms);

  // Marks an open task done or cancelled and moves its site's list version on; returns the site,
  // or nullopt when the task was not open.
  Result<std::optional<std::string>> finish(const std::string& task_id, TaskState state, std::int64_t at_ms);

  // Cancels every open task of a discrepancy; returns the sites whose list changed.
  Result<std::vector<std::string>> cancel_open(std::int64_t discrepancy_id, std::int64_t at_ms);

  // The site's oldest open tasks by creation, at most limits::kMaxTasksPerList, as published;
  // version 0 when the site never had one.
  Result<protocol::TaskList> task_list(const std::string& site);

  // Moves the site's list version on (a list that changed without a recount task changing: its
  // planned counts, hub/writes/plan_feed.hpp).
  Result<void> bump(const std::string& site);
  // Moves the site's list version up to `at_least` if it is below: the ledger went back in time
  // (a failover to a standby that lagged) and devices hold a list of a version it lost.
  Result<void> raise(const std::string& site, std::int64_t at_least);

  // Sites with an open task no device has acknowledged yet: their list is worth republishing.
  Result<std::vector<std::string>> sites_awaiting_ack();

  // Every site's list version, by site: one read of a row a site.
  Result<std::vector<ListVersion>> list_versions();

  // The tasks of a site (all sites when "") that `filter` lets through, newest first, at most
  // `limit`.
  Result<std::vector<Task>> tasks(const std::string& site, TaskFilter filter, std::size_t limit);
  // Every task of a discrepancy, by round.
  Result<std::vector<Task>> tasks_of(std::int64_t discrepancy_id);

 private:
  enum class Sql;
  explicit TaskStore(storage::StatementSet<Sql> statements) : statements_(std::move(statements)) {}
  storage::Statement& statement(Sql which) { return statements_[which]; }

  storage::StatementSet<Sql> statements_;
};

}  // namespace recount::hub::reconcile
