// A console session (docs/api.md "The console's session"): what a browser's cookie stands for.
// It acts with its token's name, role and approval limit, for as long as it is used and at most
// a day.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hub/auth/role.hpp"

namespace recount::hub::auth {

// The cookie that carries a session's id.
inline constexpr std::string_view kSessionCookie = "recount_session";

// How long a session lives: idle_ms after its last use (sliding), and absolute_ms after login
// whatever the use, so a stolen cookie is of use for a working day at most.
struct SessionLimits {
  std::int64_t idle_ms = std::int64_t{8} * 60 * 60 * 1000;
  std::int64_t absolute_ms = std::int64_t{24} * 60 * 60 * 1000;
};

struct Session {
  std::string id;  // the cookie's value: a secret, of which the database keeps only a hash
  Principal principal;
  // Sent back in X-CSRF-Token by every state-changing request the cookie authenticates: a page of
  // another site can make the browser send the cookie, but cannot read this.
  std::string csrf_token;
  std::int64_t expires_ms = 0;  // the earlier of the idle and the absolute expiry, as of its last use
};

}  // namespace recount::hub::auth
