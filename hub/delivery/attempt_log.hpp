// Every delivery attempt the hub makes (a file written, a webhook POST), stored with its time,
// status and error in the hub database, so an operator sees why something was not delivered
// (docs/corrections.md). Owned here for every feature that delivers: corrections now, alerts later.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shared/core/result.hpp"
#include "shared/storage/migrations.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub::delivery {

// The "delivery" component (shared/storage/migrations.hpp). It came after schema_versions, so it
// has no legacy version.
storage::SchemaComponent delivery_schema();

// Creates or migrates the table; call it outside any transaction. Errors: as storage::migrate.
Result<void> open_attempt_log(storage::Connection& database);

struct Attempt {
  std::string subject;          // what was delivered: "correction", ...
  std::int64_t subject_id = 0;  // its id
  std::string channel;          // "file" or "webhook"
  std::string target;           // the file's path or the webhook's URL
  std::int64_t started_ms = 0;
  std::int64_t finished_ms = 0;
  unsigned status = 0;  // the HTTP status; 0: none (files, or no answer)
  std::string outcome;  // "delivered", "retry", "refused" (AttemptOutcome)
  std::string error;    // empty when delivered
};

// Appends `attempt` on `database`, in the caller's transaction if one is open. Errors: SQLite's.
Result<void> record_attempt(storage::Connection& database, const Attempt& attempt);

// The attempts at `subject` `subject_id`, oldest first. Errors: SQLite's.
Result<std::vector<Attempt>> list_attempts(storage::Connection& database, std::string_view subject,
                                           std::int64_t subject_id);

}  // namespace recount::hub::delivery
