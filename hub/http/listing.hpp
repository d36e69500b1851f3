// Paged listings of the /api/v1 JSON API (docs/api.md, "Listings"): every route that lists
// takes `limit` and an `after` cursor and answers with `next_after`, the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/http/router.hpp"
#include "shared/core/result.hpp"

namespace recount::hub {

// "limit" (1–1000, default 100) and an "after" cursor (default 0), as every listing takes them.
struct Page {
  std::int64_t after = 0;
  std::size_t limit = 0;
};

// The page a request asks for; the cursor is the query parameter `after_name`. Errors:
// kInvalidInput naming the parameter.
Result<Page> page_of(const Request& request, const std::string& after_name);

// {"<name>": [...], "next_after": <cursor of the last item, or null when the page was not full>}
template <typename T, typename ToJson, typename CursorOf>
Response listing(const std::string& name, const std::vector<T>& items, const Page& page, ToJson to_json,
                 CursorOf cursor_of) {
  nlohmann::json list = nlohmann::json::array();
  for (const T& item : items) list.push_back(to_json(item));
  nlohmann::json next = items.size() == page.limit ? nlohmann::json(cursor_of(items.back())) : nlohmann::json(nullptr);
  return Response::json(200, {{name, std::move(list)}, {"next_after", std::move(next)}});
}

}  // namespace recount::hub
