// The auth component of the hub database (docs/storage.md): the tables of API tokens and console
// sessions, which TokenStore and SessionStore share and either may create.
#pragma once

#include "shared/core/result.hpp"
#include "shared/storage/connection.hpp"
#include "shared/storage/migrations.hpp"

namespace recount::hub::auth {

// The auth tables as a component of the hub database (shared/storage/migrations.hpp).
storage::SchemaComponent auth_schema();

// Creates or migrates the auth tables (the "auth" component of schema_versions; older hubs kept
// its version in auth_meta). Errors: kUnsupportedVersion when a newer hub made them, kIo. Blocks;
// call outside any transaction.
Result<void> migrate_auth_tables(storage::Connection& database);

}  // namespace recount::hub::auth
