// `recountctl --data DIR hub-key`: the public half of the hub's signing key, for provisioning
// devices (`recount-agent run --hub-key FILE`).
#pragma once

#include <filesystem>

#include "hub/cli/commands.hpp"

namespace recount::hub {

// Prints the hub's public key as PEM, read from DIR/hub-signing.key, which is made when missing
// (as the hub makes it at start; safe while the hub runs or starts). Exit 2 when `data_dir` is
// empty (no --data) or the key cannot be read or written. Blocks on file I/O; thread-safe.
CommandOutput hub_key_command(const std::filesystem::path& data_dir);

}  // namespace recount::hub
