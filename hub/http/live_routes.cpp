// The live feed's route.
#include "hub/http/live_routes.hpp"

namespace recount::hub {

void add_live_routes(Router& router, LiveFeed& feed) {
  router.add("GET", "/api/v1/live", auth::Role::kViewer, [&feed](const Request&) {
    if (feed.full()) {
      return Response::error(503, "too_many_streams",
                             "the hub serves " + std::to_string(feed.limits().streams) +
                                 " live streams at most: close another console, or try again later");
    }
    Response stream;
    stream.live = &feed;
    return stream;
  });
}

}  // namespace recount::hub
