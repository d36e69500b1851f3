// GET /api/v1/live (docs/api.md): the console's Server-Sent Events stream of `feed`.
#pragma once

#include "hub/http/live_feed.hpp"
#include "hub/http/router.hpp"

namespace recount::hub {

// Adds GET /api/v1/live (viewer): the server turns its answer into a stream of `feed`, or answers
// 503 "too_many_streams" when the feed is full. `feed` must outlive the router.
void add_live_routes(Router& router, LiveFeed& feed);

}  // namespace recount::hub
