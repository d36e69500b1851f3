// `recountctl --data DIR [--ledger URL] token create|list|revoke`: the operators' API tokens, written
// straight into a hub database (also while the hub runs: it looks tokens up per request), and where
// recountctl finds the token it sends.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "hub/cli/commands.hpp"

namespace recount::hub {

// Makes a token for `name` with `role` (viewer, counter-lead, approver, admin) and, if given, its
// own approval limit; prints the token once (as {"token": …} with kJson). Token and audit entry
// ("auth.token_created") commit together. Exit 2 naming the problem: a bad name or role, a name
// already used, a database that cannot be opened or written. Blocks (up to SQLite's busy timeout
// while the hub writes).
CommandOutput token_create_command(const HubData& hub, const std::string& name, const std::string& role,
                                   std::optional<std::int64_t> approval_limit_cents, OutputFormat format);

// Every token: name, role, approval limit, when created and revoked; never the token. Exit 2 when
// the database cannot be read.
CommandOutput token_list_command(const HubData& hub, OutputFormat format);

// Revokes the token of `name` (audited as "auth.token_revoked"); the hub refuses it from its next
// request on. Exit 2 for an unknown or already revoked name.
CommandOutput token_revoke_command(const HubData& hub, const std::string& name);

struct FoundToken {
  std::string token;   // empty when none was found
  std::string source;  // "--token", "$RECOUNT_TOKEN", the file; or, when none, where it looked
};

// The token recountctl sends: `flag` (--token) if not empty, else $RECOUNT_TOKEN, else the first
// line of $XDG_CONFIG_HOME/recount/token (or ~/.config/recount/token). Reads the environment and
// the file; never fails.
FoundToken find_token(const std::string& flag);

}  // namespace recount::hub
