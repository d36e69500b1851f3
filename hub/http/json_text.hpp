// JSON text the hub already holds (its own encodings of protocol messages, documents stored in
// the ledger), written into a response as it is: read once with protocol::JsonDocument, which
// builds no DOM, and copied verbatim, never re-encoded.
#pragma once

#include <initializer_list>
#include <string_view>

#include "shared/protocol/json_writer.hpp"

namespace recount::hub {

// The members of `object`, the JSON text of an object the hub encoded itself (a protocol message),
// into the object `out` has open, except those named in `except`. Aborts when `object` is not
// JSON: the hub's own encoders made it, so that is a programming error.
void write_members_of(protocol::JsonWriter& out, std::string_view object,
                      std::initializer_list<std::string_view> except = {});

// `text`, a document read from storage, as one JSON value: verbatim when it is JSON (an object
// without the members named in `except`), else as a JSON string, so that a damaged row still shows.
void write_stored(protocol::JsonWriter& out, std::string_view text,
                  std::initializer_list<std::string_view> except = {});

}  // namespace recount::hub
