// Small files written whole or not at all: settings, secrets, broker password and ACL files.
#pragma once

#include <filesystem>
#include <string_view>

#include "shared/core/result.hpp"

namespace recount::storage {

// Replaces `file` with `contents`: writes FILE.new with `mode`, flushes it to disk and renames it
// over `file`, so a reader (or a crash) sees the old file or the new one, never half of one. When
// running as root and `file` existed, the new one keeps its owner and group (a broker's files stay
// readable by the broker's user). Errors (kIo, naming the file): it cannot be written or renamed.
// Blocks; concurrent writers of one file must be serialized by the caller.
Result<void> write_file_atomically(const std::filesystem::path& file, std::string_view contents,
                                   std::filesystem::perms mode);

// The whole of `file`. Errors (kIo, naming the file): it cannot be read.
Result<std::string> read_whole_file(const std::filesystem::path& file);

// Owner read and write only: keys and passwords.
inline constexpr auto kOwnerOnly = std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;
// Readable by all, writable by the owner: certificates and settings without secrets.
inline constexpr auto kWorldReadable =
    kOwnerOnly | std::filesystem::perms::group_read | std::filesystem::perms::others_read;

}  // namespace recount::storage
