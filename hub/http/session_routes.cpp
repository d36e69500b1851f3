// Login, session and logout handlers.
#include "hub/http/session_routes.hpp"

#include "hub/http/console_input.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// The session's cookie: HttpOnly (page scripts cannot read it), SameSite=Strict (other sites'
// pages do not send it), for every path, for the session's absolute lifetime; Secure over HTTPS.
std::string cookie(std::string_view value, std::int64_t max_age_s, Scheme scheme) {
  std::string text = std::string(auth::kSessionCookie) + "=" + std::string(value) +
                     "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" + std::to_string(max_age_s);
  if (scheme == Scheme::kHttps) text += "; Secure";
  return text;
}

Response session_answer(const auth::Session& session) {
  const auth::Principal& who = session.principal;
  const bool approves = auth::grants(who.role, auth::Role::kApprover);
  return Response::json(
      200, {{"name", who.name},
            {"role", auth::to_string(who.role)},
            {"approval_limit_cents", approves ? optional_json(who.effective_approval_limit()) : Json(nullptr)},
            {"csrf_token", session.csrf_token},
            {"expires_ms", session.expires_ms}});
}

// Appends one audit entry in a transaction of its own.
Result<void> audit(Ledger& ledger, std::string kind, std::string subject, const Json& detail) {
  auto write = ledger.begin_write();
  if (!write) return write.error();
  if (auto ok = write->audit(std::move(kind), std::move(subject), dump_json(detail)); !ok) return ok;
  return write->commit();
}

}  // namespace

void add_session_routes(Router& router, auth::SessionStore& sessions, auth::TokenStore& tokens, Ledger& ledger,
                        auth::LoginThrottle& throttle, WallClock wall) {
  router.add_public("POST", "/api/v1/session", [&, wall](const Request& request) {
    const std::int64_t now_ms = wall();
    if (const auto wait_ms = throttle.retry_after_ms(request.client_address, now_ms); wait_ms > 0) {
      Response refused = Response::error(429, "too_many_attempts",
                                         "too many failed logins from " + request.client_address + ": try again in " +
                                             std::to_string((wait_ms + 999) / 1000) + " s");
      refused.headers.emplace_back("Retry-After", std::to_string((wait_ms + 999) / 1000));
      return refused;
    }
    auto token = login_token_of(request.body);
    if (!token) return Response::from(token.error());
    auto principal = tokens.authenticate(*token);
    if (!principal) return Response::from(principal.error());
    if (!*principal) {
      throttle.failed(request.client_address, now_ms);
      if (auto ok = audit(ledger, "auth.session_refused", request.client_address,
                          {{"address", request.client_address}, {"reason", "unknown or revoked token"}});
          !ok) {
        return Response::from(ok.error());
      }
      return Response::unauthorized("the API token is unknown or was revoked");
    }
    auto write = ledger.begin_write();
    if (!write) return Response::from(write.error());
    auto session = sessions.start(**principal, now_ms);
    if (!session) return Response::from(session.error());
    const Json detail = {{"role", auth::to_string(session->principal.role)},
                         {"address", request.client_address},
                         {"expires_ms", session->expires_ms}};
    if (auto ok = write->audit("auth.session_started", session->principal.name, dump_json(detail)); !ok) {
      return Response::from(ok.error());
    }
    if (auto ok = write->commit(); !ok) return Response::from(ok.error());
    Response answer = session_answer(*session);
    answer.headers.emplace_back("Set-Cookie",
                                cookie(session->id, sessions.limits().absolute_ms / 1000, request.scheme));
    answer.headers.emplace_back("Cache-Control", "no-store");
    return answer;
  });

  router.add("GET", "/api/v1/session", auth::Role::kViewer, [](const Request& request) {
    if (!request.session) {
      return Response::unauthorized("this request has no console session: POST /api/v1/session makes one");
    }
    Response answer = session_answer(*request.session);
    answer.headers.emplace_back("Cache-Control", "no-store");
    return answer;
  });

  // Public, so that a browser whose session already expired can still clear its cookie. The
  // server has checked the CSRF token of a request whose cookie is a live session.
  router.add_public("DELETE", "/api/v1/session", [&, wall](const Request& request) {
    if (request.session) {
      const std::int64_t now_ms = wall();
      auto write = ledger.begin_write();
      if (!write) return Response::from(write.error());
      if (auto ok = sessions.end(request.session->id, now_ms); !ok) return Response::from(ok.error());
      if (auto ok = write->audit("auth.session_ended", request.session->principal.name,
                                 dump_json({{"address", request.client_address}}));
          !ok) {
        return Response::from(ok.error());
      }
      if (auto ok = write->commit(); !ok) return Response::from(ok.error());
    }
    Response answer{204, {}, {}};
    answer.headers.emplace_back("Set-Cookie", cookie("", 0, request.scheme));
    return answer;
  });
}

}  // namespace recount::hub
