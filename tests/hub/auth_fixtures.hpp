// What tests of the hub's routes share: requests as an authenticated operator would send them.
#pragma once

#include <string>
#include <utility>

#include "hub/http/router.hpp"

namespace recount::testing {

// `request` as the server hands it to the router after authenticating a token of `role` named
// `name` (the audited actor), with the token's own approval limit if given.
inline hub::Request signed_in(hub::Request request, hub::auth::Role role = hub::auth::Role::kAdmin,
                              std::string name = "ops-anna", std::optional<std::int64_t> approval_limit = {}) {
  request.principal = hub::auth::Principal{std::move(name), role, approval_limit};
  return request;
}

}  // namespace recount::testing
