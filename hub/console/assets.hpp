// The console's static files (hub/console/assets/), compiled into the hub by
// hub/console/embed_assets.cmake, so recount-hub serves its web console with nothing installed
// beside it.
#pragma once

#include <span>
#include <string_view>

namespace recount::hub::console {

struct Asset {
  std::string_view name;   // relative to hub/console/assets/, '/'-separated: "login.html", "vendor/x.js"
  std::string_view bytes;  // the file's contents
  std::string_view etag;   // a strong ETag, quoted: the first 128 bits of the SHA-256 of bytes
};

// Every asset, sorted by name. The data is static: the span and its views live as long as the
// program. Thread-safe.
std::span<const Asset> embedded_assets();

// The Content-Type for `name` by its extension ("text/html; charset=utf-8" for .html, …);
// application/octet-stream for an extension the console does not use. Pure.
std::string_view content_type(std::string_view name);

}  // namespace recount::hub::console
