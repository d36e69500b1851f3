// What a browser sends the hub that is read outside the router's query parsing: the Cookie
// header, If-None-Match and the login body. Each reads untrusted text and never throws.
#pragma once

#include <string>
#include <string_view>

#include "shared/core/result.hpp"

namespace recount::hub {

// The value of cookie `name` in a Cookie header ("a=1; recount_session=…"); empty when absent.
// The view points into `header`.
std::string_view cookie_value(std::string_view header, std::string_view name);

// Whether an If-None-Match header (one entity tag, a comma-separated list, or *) names `etag`
// (weakly: a W/ prefix is ignored, which is enough for GET).
bool names_etag(std::string_view if_none_match, std::string_view etag);

// The token in a login body {"token": "..."}. Errors: kInvalidInput naming "token" when the body
// is not a JSON object or its token is not a non-empty string.
Result<std::string> login_token_of(std::string_view body);

}  // namespace recount::hub
