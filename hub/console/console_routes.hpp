// The console's pages and files (docs/api.md "The console"): GET / (index.html), GET /login
// (login.html) and GET /assets/NAME, public because they hold no data; the data comes from the
// /api/v1 routes once the page has a session.
#pragma once

#include <span>

#include "hub/console/assets.hpp"
#include "hub/http/router.hpp"

namespace recount::hub::console {

// Adds a route per asset in `assets` (each at /assets/NAME, exactly, so no other path can name a
// file) and / and /login for index.html and login.html, if present. Each answer carries its
// Content-Type, ETag (If-None-Match with it gets 304), Cache-Control: no-cache (revalidate each
// time: the names do not change with the contents) and the console's security headers
// (kSecurityHeaders). `assets` must outlive the router.
void add_console_routes(Router& router, std::span<const Asset> assets);

// Content-Security-Policy and the other headers every console file is served with: scripts,
// styles and fetches only from the hub itself, no inline script or style, no framing.
inline constexpr std::pair<std::string_view, std::string_view> kSecurityHeaders[] = {
    {"Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
};

}  // namespace recount::hub::console
