// Embedding JSON text the hub already holds.
#include "hub/http/json_text.hpp"

#include <cstdlib>
#include <iostream>

#include "shared/protocol/json_document.hpp"

namespace recount::hub {

void write_members_of(protocol::JsonWriter& out, std::string_view object,
                      std::initializer_list<std::string_view> except) {
  const Result<protocol::JsonDocument> document = protocol::JsonDocument::parse(object);
  if (!document || !document->root().is_object()) {
    std::cerr << "recount: invariant violated: the hub's own encoding is not a JSON object: " << object << '\n';
    std::abort();
  }
  out.members(document->root(), except);
}

void write_stored(protocol::JsonWriter& out, std::string_view text, std::initializer_list<std::string_view> except) {
  const Result<protocol::JsonDocument> document = protocol::JsonDocument::parse(text);
  if (!document) {
    out.string(text);
  } else if (document->root().is_object()) {
    out.begin_object();
    out.members(document->root(), except);
    out.end_object();
  } else {
    out.raw(document->root().source());
  }
}

}  // namespace recount::hub
