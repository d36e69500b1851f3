// `recountctl audit verify [--data DIR [--ledger URL] | --hub URL] [--checkpoint FILE] [--hub-key FILE]`: checks the
// audit chain, the events its entries record, and the chain against a signed checkpoint.
#pragma once

#include <filesystem>
#include <optional>

#include "hub/cli/commands.hpp"
#include "hub/http/address.hpp"

namespace recount::hub {

struct AuditVerifyOptions {
  // A signed checkpoint (hub/audit/checkpoint.hpp) the chain must extend.
  std::optional<std::filesystem::path> checkpoint;
  // The hub's public key (PEM) that signed it; none: the key in the data directory.
  std::optional<std::filesystem::path> hub_key;
};

// Verifies the hub database of `hub` (hub.db in its directory, or its PostgreSQL ledger) directly,
// without trusting a hub process (read-only, safe while the hub runs): the chain and the events its entries record
// (AuditLog::verify), then the checkpoint, if given: its signature (saying which key, and where it came from), that the
// chain reaches its entry, and that the entry's hash is the signed one. Exit 0 intact; 1 broken,
// naming the first bad entry and why; 2 when the database, the checkpoint or the key cannot be
// read or the checkpoint's signature does not verify. Blocks.
CommandOutput audit_verify_local(const HubData& hub, const AuditVerifyOptions& options = {});

// The same through the hub's API (GET /api/v1/audit/verify, and GET /api/v1/audit for the entry the
// checkpoint signed), trusting the hub's answers; a checkpoint needs options.hub_key here.
CommandOutput audit_verify_remote(const HubEndpoint& hub, const AuditVerifyOptions& options = {});

}  // namespace recount::hub
