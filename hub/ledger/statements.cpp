// Batch preparation of statements.
#include "hub/ledger/statements.hpp"

namespace recount::hub {

Result<std::vector<storage::Statement>> prepare_all(storage::Database& database,
                                                    std::span<const std::string_view> sql) {
  std::vector<storage::Statement> statements;
  statements.reserve(sql.size());
  for (const auto text : sql) {
    auto statement = database.prepare(text);
    if (!statement) return statement.error();
    statements.push_back(std::move(*statement));
  }
  return statements;
}

}  // namespace recount::hub
