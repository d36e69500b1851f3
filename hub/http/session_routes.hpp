// The console's login (docs/api.md "The console's session"): POST /api/v1/session trades an API
// token for a session cookie, GET reads the cookie's session, DELETE logs out. The server
// (hub/http/server.hpp) resumes the session of each request's cookie and checks its CSRF token.
#pragma once

#include "hub/auth/login_throttle.hpp"
#include "hub/auth/session_store.hpp"
#include "hub/auth/token_store.hpp"
#include "hub/http/router.hpp"
#include "hub/ledger/ledger.hpp"
#include "shared/core/hlc.hpp"

namespace recount::hub {

// Adds the three /api/v1/session routes. Login is public, limited per client address by
// `throttle` (429 with Retry-After past it) and audited: "auth.session_started" (subject the
// token's name) or "auth.session_refused" (subject the client address; the token is never
// written anywhere); logout is audited as "auth.session_ended". Handlers run on the io_context's
// thread, which must be the one that uses the stores and the ledger; all must outlive the router.
void add_session_routes(Router& router, auth::SessionStore& sessions, auth::TokenStore& tokens, Ledger& ledger,
                        auth::LoginThrottle& throttle, WallClock wall);

}  // namespace recount::hub
