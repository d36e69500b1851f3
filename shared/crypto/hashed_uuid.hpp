// A UUID derived from what a thing is rather than drawn at random: the same identity always gives
// the same id, so storing a thing twice finds the first (the hub's baseline, snapshot and system
// movement events; docs/channels.md, docs/baseline.md).
#pragma once

#include <string>
#include <string_view>

namespace recount {

// A UUIDv8 (RFC 9562: version 8, bits the application defines; the RFC variant) made from the
// first 128 bits of the SHA-256 of `identity`, as 36 lowercase characters 8-4-4-4-12. Callers
// spell the identity so its parts stay apart whatever characters they hold (a JSON array). Ids
// already stored were made by it: never change what it returns. Pure; thread-safe.
std::string hashed_uuid(std::string_view identity);

}  // namespace recount
