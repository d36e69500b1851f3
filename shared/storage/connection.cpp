// What the storage interface does the same on every backend: running statements to their end and
// the transaction guard.
#include "shared/storage/connection.hpp"

namespace recount::storage {

Result<void> Statement::run() {
  auto row = step();
  reset();
  if (!row) return row.error();
  return {};
}

Result<std::int64_t> Statement::run_counted() {
  auto row = step();
  const std::int64_t changed = backend_->changes();
  reset();
  if (!row) return row.error();
  return changed;
}

Result<Transaction> Transaction::begin(Connection& connection) {
  if (auto ok = connection.begin(); !ok) return ok.error();
  return Transaction(connection);
}

Result<Transaction> Transaction::snapshot(Connection& connection) {
  if (auto ok = connection.begin_snapshot(); !ok) return ok.error();
  return Transaction(connection);
}

Transaction::~Transaction() {
  if (connection_ != nullptr) connection_->rollback();
}

Result<void> Transaction::commit() {
  auto ok = connection_->commit();
  if (ok) connection_ = nullptr;
  return ok;
}

}  // namespace recount::storage
