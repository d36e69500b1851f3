// The hub's MQTT client id: made once per data directory, kept there, and hard to guess.
#pragma once

#include <filesystem>
#include <string>

#include "shared/core/result.hpp"

namespace recount::hub {

// The client id stored in `data_dir`/mqtt-client-id, or, on the first call for that directory, a
// new "recount-hub-" + 16 random characters stored there (mode 0600). A broker lets a new client
// with a connected client's id take its place; a well-known id would let anyone kick the hub off,
// and two hubs sharing one would kick each other. Keeping it per data directory keeps the hub's
// persistent session across restarts. Errors (kIo): the file cannot be read or written, or holds
// no id. Blocks on file I/O; call before the hub starts (the data directory's lock serializes).
Result<std::string> hub_client_id(const std::filesystem::path& data_dir);

}  // namespace recount::hub
