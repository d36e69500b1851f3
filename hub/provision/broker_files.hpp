// Mosquitto's password file and ACL file, edited one device at a time by `recountctl device
// provision`: each device's entry is added, replaced or removed; every other line stays as it was.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "shared/core/result.hpp"

namespace recount::hub {

// One password file line as `mosquitto_passwd` 2.0 writes it: "USER:$7$101$SALT$HASH" with a
// random 12-byte salt and PBKDF2-HMAC-SHA512 over 101 rounds (base64, 64-byte hash); no newline.
std::string mosquitto_password_line(std::string_view username, std::string_view password);

// The ACL lines of one device, between marker comments: it may publish only its own events,
// hello and status, and read only its own ack and nack and its site's catalog and tasks. Its user
// name is protocol::device_username(site, device).
std::string device_acl_block(std::string_view site, std::string_view device);

// Each edits an existing file in place (atomically; owner, group and mode kept, so the broker can
// still read it) and blocks on file I/O. Errors (kIo, naming the file): it does not exist (create
// it once, owned as the broker needs: docs/deployment-broker.md), or cannot be read or written.
// Concurrent edits of one file must be serialized by the caller.

// Adds `username`'s line, or replaces the one there.
Result<void> set_password(const std::filesystem::path& password_file, std::string_view username,
                          std::string_view password);
// Removes `username`'s line, if any.
Result<void> remove_password(const std::filesystem::path& password_file, std::string_view username);
// Adds the device's block at the end, or replaces the one there.
Result<void> set_device_acl(const std::filesystem::path& acl_file, std::string_view site, std::string_view device);
// Removes the device's block, if any.
Result<void> remove_device_acl(const std::filesystem::path& acl_file, std::string_view site, std::string_view device);

}  // namespace recount::hub
