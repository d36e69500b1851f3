// The floor users import (`site,badge,name,role,pin`) on the catalog's tables: import_into()'s
// users, apart from its items and locations because of what a PIN needs (hashing, never echoing it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hub/catalog/catalog_store.hpp"
#include "hub/catalog/csv.hpp"
#include "shared/core/result.hpp"
#include "shared/protocol/messages.hpp"
#include "shared/storage/connection.hpp"

namespace recount::hub {

// import_into() for a users file: each site in the file gets exactly the file's users, only the
// sites whose users changed are rewritten, and the version is raised only when one is. In the
// caller's write transaction, as import_into(). Errors: the engine's. Blocks: one PBKDF2 per PIN.
Result<ImportReport> import_users_into(storage::Connection& database, std::string_view csv,
                                       const TableOptions& options);

// The floor users of `site`, by badge, with their PIN hashes. Errors: the engine's.
Result<std::vector<protocol::CatalogUser>> floor_users_of(storage::Connection& database, const std::string& site);

}  // namespace recount::hub
