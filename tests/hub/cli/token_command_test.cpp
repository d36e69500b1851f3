// recountctl token as functions on a hub database in a temp directory, and where recountctl finds
// the token it sends.
#include "hub/cli/token_command.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include "hub/auth/token_store.hpp"
#include "hub/ledger/ledger.hpp"
#include "shared/crypto/sha256.hpp"
#include "tests/support/postgres.hpp"
#include "tests/support/process.hpp"

namespace recount::hub {
namespace {

// A hub as recountctl --data DIR [--ledger URL] names it: hub.db in a fresh directory, or a
// PostgreSQL database of a server of its own.
struct FileHub {
  testing::TempDir dir;
  HubData hub{dir.path(), ""};
};
struct PostgresHub {
  testing::TempDir dir;
  testing::PostgresServer server;
  HubData hub{dir.path(), server.url()};
};

// Sets (or, with nullopt, unsets) an environment variable for one scope, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST_CASE_TEMPLATE("token create prints a token once, only its hash is stored, and the creation is audited", Backend,
                   FileHub, PostgresHub) {
  Backend data;
  const auto made = token_create_command(data.hub, "ops-anna", "approver", 5000, OutputFormat::kJson);
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
  const std::string token = nlohmann::json::parse(made.out).at("token");
  CHECK(token.size() == 43);  // 32 random bytes, base64url

  auto ledger = Ledger::open_hub(data.hub.dir, data.hub.ledger_url).value();
  auto tokens = auth::TokenStore::open(ledger.database()).value();
  const auto principal = tokens.authenticate(token).value();
  REQUIRE(principal.has_value());
  CHECK(principal->name == "ops-anna");
  CHECK(principal->role == auth::Role::kApprover);
  CHECK(principal->approval_limit_cents == 5000);
  auto stored = ledger.database().prepare("SELECT token_hash FROM auth_tokens WHERE name = 'ops-anna'").value();
  REQUIRE(stored.step().value());
  CHECK(stored.column_text(0) == sha256_hex(token));
  const auto entries = ledger.audit().entries(0, 10).value();
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].kind == "auth.token_created");
  CHECK(entries[0].subject == "ops-anna");
  CHECK(nlohmann::json::parse(entries[0].detail) ==
        nlohmann::json{{"role", "approver"}, {"approval_limit_cents", 5000}});

  const auto table = token_create_command(data.hub, "ops-bo", "viewer", std::nullopt, OutputFormat::kTable);
  CHECK(table.exit_code == 0);
  CHECK(table.out.size() == 44);  // the token and a newline, nothing else on stdout
  CHECK(table.err.find("shown only this once") != std::string::npos);
}

TEST_CASE_TEMPLATE("token create refuses a bad role, a bad name and a name already used, naming the problem", Backend,
                   FileHub, PostgresHub) {
  Backend data;
  const auto role = token_create_command(data.hub, "ops-anna", "boss", std::nullopt, OutputFormat::kTable);
  CHECK(role.exit_code == kExitFailed);
  CHECK(role.err == "recountctl: --role: must be one of viewer, counter-lead, approver, admin (got 'boss')\n");
  const auto name = token_create_command(data.hub, "ops anna", "viewer", std::nullopt, OutputFormat::kTable);
  CHECK(name.exit_code == kExitFailed);
  CHECK(name.err.find("--name") != std::string::npos);
  REQUIRE(token_create_command(data.hub, "ops-anna", "viewer", std::nullopt, OutputFormat::kTable).exit_code == 0);
  REQUIRE(token_revoke_command(data.hub, "ops-anna").exit_code == 0);
  const auto again = token_create_command(data.hub, "ops-anna", "admin", std::nullopt, OutputFormat::kTable);
  CHECK(again.exit_code == kExitFailed);
  CHECK(again.err.find("a token named 'ops-anna' already exists") != std::string::npos);
}

TEST_CASE_TEMPLATE(
    "token list shows names, roles, limits and revocations but never a token, and revoke is audited and refused "
    "twice",
    Backend, FileHub, PostgresHub) {
  Backend data;
  const auto made = token_create_command(data.hub, "ops-anna", "admin", std::nullopt, OutputFormat::kJson);
  const std::string token = nlohmann::json::parse(made.out).at("token");
  REQUIRE(token_create_command(data.hub, "ops-bo", "approver", 250, OutputFormat::kJson).exit_code == 0);
  CHECK(token_revoke_command(data.hub, "ops-anna").out == "token 'ops-anna' revoked\n");
  const auto twice = token_revoke_command(data.hub, "ops-anna");
  CHECK(twice.exit_code == kExitFailed);
  CHECK(twice.err.find("already revoked") != std::string::npos);
  CHECK(token_revoke_command(data.hub, "ops-nobody").err.find("no token is named 'ops-nobody'") != std::string::npos);

  const auto listed = nlohmann::json::parse(token_list_command(data.hub, OutputFormat::kJson).out)["tokens"];
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["name"] == "ops-anna");
  CHECK(listed[0]["role"] == "admin");
  CHECK(listed[0]["revoked_ms"].is_number());
  CHECK(listed[1]["approval_limit_cents"] == 250);
  CHECK(listed[1]["revoked_ms"].is_null());
  const auto table = token_list_command(data.hub, OutputFormat::kTable).out;
  CHECK(table.starts_with("NAME      ROLE      APPROVAL_LIMIT  CREATED"));
  CHECK(table.find(token) == std::string::npos);

  auto ledger = Ledger::open_hub(data.hub.dir, data.hub.ledger_url).value();
  auto tokens = auth::TokenStore::open(ledger.database()).value();
  CHECK_FALSE(tokens.authenticate(token).value().has_value());
  CHECK(ledger.audit().entries(0, 10).value().back().kind == "auth.token_revoked");
  CHECK(ledger.audit().verify().value().broken_id == std::nullopt);
}

TEST_CASE(
    "the token comes from --token, else $RECOUNT_TOKEN, else the config file, and when none the message says "
    "where it looked") {
  testing::TempDir dir;
  ScopedEnv config("XDG_CONFIG_HOME", dir.path().string());
  ScopedEnv variable("RECOUNT_TOKEN", "from-env");
  std::filesystem::create_directories(dir / "recount");
  std::ofstream(dir / "recount" / "token") << "from-file\n";
  CHECK(find_token("from-flag").token == "from-flag");
  CHECK(find_token("from-flag").source == "--token");
  CHECK(find_token("").token == "from-env");
  CHECK(find_token("").source == "$RECOUNT_TOKEN");
  {
    ScopedEnv unset("RECOUNT_TOKEN", std::nullopt);
    CHECK(find_token("").token == "from-file");
    CHECK(find_token("").source == (dir / "recount" / "token").string());
    std::filesystem::remove(dir / "recount" / "token");
    const auto none = find_token("");
    CHECK(none.token.empty());
    CHECK(none.source == "none of --token, $RECOUNT_TOKEN and " + (dir / "recount" / "token").string() + " gives one");
  }
}

}  // namespace
}  // namespace recount::hub

TYPE_TO_STRING_AS("sqlite", recount::hub::FileHub);
TYPE_TO_STRING_AS("postgresql", recount::hub::PostgresHub);
