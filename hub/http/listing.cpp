// The page parameters of a listing.
#include "hub/http/listing.hpp"

#include <limits>

namespace recount::hub {
namespace {

constexpr std::int64_t kMaxPage = 1000;
constexpr std::int64_t kDefaultPage = 100;
constexpr std::int64_t kMaxId = std::numeric_limits<std::int64_t>::max();

}  // namespace

Result<Page> page_of(const Request& request, const std::string& after_name) {
  auto after = request.integer(after_name, 0, 0, kMaxId);
  if (!after) return after.error();
  auto limit = page_limit(request);
  if (!limit) return limit.error();
  return Page{*after, *limit};
}

Result<std::size_t> page_limit(const Request& request) {
  auto limit = request.integer("limit", kDefaultPage, 1, kMaxPage);
  if (!limit) return limit.error();
  return static_cast<std::size_t>(*limit);
}

}  // namespace recount::hub
