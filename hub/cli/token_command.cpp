// recountctl token: audited writes to the hub database's token table.
#include "hub/cli/token_command.hpp"

#include <cstdlib>
#include <fstream>

#include "hub/auth/token_store.hpp"
#include "hub/http/router.hpp"
#include "hub/ledger/ledger.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// The ledger and the token store of a hub data directory, opened for one command.
struct Opened {
  Ledger ledger;
  auth::TokenStore tokens;
};

Result<Opened> open(const HubData& hub) {
  auto ledger = Ledger::open_hub(hub.dir, hub.ledger_url);
  if (!ledger) return ledger.error();
  auto tokens = auth::TokenStore::open(ledger->database());
  if (!tokens) return tokens.error();
  return Opened{std::move(*ledger), std::move(*tokens)};
}

// Runs `change` and its audit entry in one write transaction.
template <typename Change>
Result<void> audited(Ledger& ledger, const std::string& kind, const std::string& subject, const Json& detail,
                     Change change) {
  auto write = ledger.begin_write();
  if (!write) return write.error();
  if (auto ok = change(); !ok) return ok;
  if (auto ok = write->audit(kind, subject, dump_json(detail)); !ok) return ok;
  return write->commit();
}

Json limit_json(const std::optional<std::int64_t>& limit) { return limit ? Json(*limit) : Json(nullptr); }

}  // namespace

CommandOutput token_create_command(const HubData& hub, const std::string& name, const std::string& role,
                                   std::optional<std::int64_t> approval_limit_cents, OutputFormat format) {
  const auto parsed_role = auth::parse_role(role);
  if (!parsed_role) return failed("--role: must be one of " + auth::role_names() + " (got '" + role + "')");
  auto opened = open(hub);
  if (!opened) return failed(opened.error().describe());
  std::string token;
  auto made =
      audited(opened->ledger, "auth.token_created", name,
              {{"role", role}, {"approval_limit_cents", limit_json(approval_limit_cents)}}, [&]() -> Result<void> {
                auto created = opened->tokens.create(name, *parsed_role, approval_limit_cents, system_wall_clock()());
                if (!created) return created.error();
                token = std::move(*created);
                return {};
              });
  if (!made) return failed(made.error().describe());
  if (format == OutputFormat::kJson) return CommandOutput{0, dump_json({{"token", token}}) + "\n", ""};
  return CommandOutput{0, token + "\n",
                       "recountctl: token '" + name + "' (" + role +
                           ") created; it is shown only this once: keep it in $RECOUNT_TOKEN or "
                           "~/.config/recount/token\n"};
}

CommandOutput token_list_command(const HubData& hub, OutputFormat format) {
  auto opened = open(hub);
  if (!opened) return failed(opened.error().describe());
  auto tokens = opened->tokens.list();
  if (!tokens) return failed(tokens.error().describe());
  Json list = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& token : *tokens) {
    list.push_back({{"name", token.name},
                    {"role", auth::to_string(token.role)},
                    {"approval_limit_cents", limit_json(token.approval_limit_cents)},
                    {"created_ms", token.created_ms},
                    {"revoked_ms", limit_json(token.revoked_ms)}});
    rows.push_back({token.name, std::string(auth::to_string(token.role)),
                    token.approval_limit_cents ? std::to_string(*token.approval_limit_cents) : "-",
                    utc_time(token.created_ms), token.revoked_ms ? utc_time(*token.revoked_ms) : "-"});
  }
  if (format == OutputFormat::kJson) return CommandOutput{0, dump_json({{"tokens", list}}) + "\n", ""};
  if (rows.empty()) return CommandOutput{0, "no tokens\n", ""};
  return CommandOutput{0, table({"NAME", "ROLE", "APPROVAL_LIMIT", "CREATED", "REVOKED"}, rows), ""};
}

CommandOutput token_revoke_command(const HubData& hub, const std::string& name) {
  auto opened = open(hub);
  if (!opened) return failed(opened.error().describe());
  auto revoked = audited(opened->ledger, "auth.token_revoked", name, Json::object(),
                         [&] { return opened->tokens.revoke(name, system_wall_clock()()); });
  if (!revoked) return failed(revoked.error().describe());
  return CommandOutput{0, "token '" + name + "' revoked\n", ""};
}

FoundToken find_token(const std::string& flag) {
  if (!flag.empty()) return {flag, "--token"};
  if (const char* value = std::getenv("RECOUNT_TOKEN"); value != nullptr && *value != '\0') {
    return {value, "$RECOUNT_TOKEN"};
  }
  std::filesystem::path file;
  if (const char* config = std::getenv("XDG_CONFIG_HOME"); config != nullptr && *config != '\0') {
    file = std::filesystem::path(config) / "recount" / "token";
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    file = std::filesystem::path(home) / ".config" / "recount" / "token";
  }
  std::string token;
  if (std::ifstream in(file); !file.empty() && in) std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (!token.empty()) return {token, file.string()};
  return {"", "none of --token, $RECOUNT_TOKEN and " +
                  (file.empty() ? std::string("~/.config/recount/token") : file.string()) + " gives one"};
}

}  // namespace recount::hub
