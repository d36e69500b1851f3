// Paged listings of the /api/v1 JSON API (docs/api.md, "Listings"): every route that lists
// takes `limit` and an `after` cursor and answers with `next_after`, the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/http/router.hpp"
#include "shared/core/result.hpp"
#include "shared/protocol/json_writer.hpp"

namespace recount::hub {

// "limit" (1–1000, default 100) and an "after" cursor (default 0), as every listing takes them.
struct Page {
  std::int64_t after = 0;
  std::size_t limit = 0;
};

// The page a request asks for; the cursor is the query parameter `after_name`. Errors:
// kInvalidInput naming the parameter.
Result<Page> page_of(const Request& request, const std::string& after_name);
// Its "limit" alone, for a listing whose cursor is not a number. Errors: as page_of's.
Result<std::size_t> page_limit(const Request& request);

// {"<name>": [...], "next_after": <cursor of the last item, or null when the page was not full>}.
// Each item is written by write_item(protocol::JsonWriter&, const T&); routes that still build an
// item as nlohmann::json pass to_json(const T&) -> nlohmann::json instead.
template <typename T, typename WriteItem, typename CursorOf>
Response listing(const std::string& name, const std::vector<T>& items, const Page& page, WriteItem write_item,
                 CursorOf cursor_of) {
  protocol::JsonWriter out(64 + 256 * items.size());
  out.begin_object();
  out.key(name);
  out.begin_array();
  for (const T& item : items) {
    if constexpr (std::is_invocable_v<WriteItem&, protocol::JsonWriter&, const T&>) {
      write_item(out, item);
    } else {
      out.raw(dump_json(write_item(item)));
    }
  }
  out.end_array();
  out.key("next_after");
  if (items.size() == page.limit) {
    out.integer(cursor_of(items.back()));
  } else {
    out.null();
  }
  out.end_object();
  return Response::encoded(200, std::move(out).finish());
}

}  // namespace recount::hub
