// recountctl audit verify: the chain, the events and the checkpoint.
#include "hub/cli/audit_command.hpp"

#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/audit/checkpoint.hpp"
#include "hub/daemon/signing_key.hpp"
#include "hub/ledger/audit_log.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/storage/postgres.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// A checkpoint as read and checked, and the line that says whose signature it carries.
struct SignedCheckpoint {
  Checkpoint checkpoint;
  std::string signer;
};

Result<SignedCheckpoint> load_checkpoint(const std::filesystem::path& file, const crypto::PublicKey& key,
                                         const std::string& key_source) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{ErrorCode::kIo, "", "cannot read the checkpoint " + file.string()};
  const std::string text(std::istreambuf_iterator<char>(in), {});
  auto checkpoint = read_checkpoint(text, key);
  if (!checkpoint) {
    return Error{checkpoint.error().code, "",
                 "the checkpoint " + file.string() + " does not verify with key " + key.fingerprint() + " (" +
                     key_source + "): " + checkpoint.error().describe()};
  }
  return SignedCheckpoint{
      *checkpoint, "checkpoint " + file.string() + ": entry " + std::to_string(checkpoint->entry_id) + " signed at " +
                       utc_time(checkpoint->at_ms) + " by key " + key.fingerprint() + " (" + key_source + ")\n"};
}

Result<crypto::PublicKey> given_key(const std::filesystem::path& file) {
  auto key = crypto::PublicKey::load(file);
  if (!key) return Error{key.error().code, "--hub-key", key.error().describe()};
  return key;
}

// The checkpoint of options, with the key given, else the one in `data_dir` if any.
Result<std::optional<SignedCheckpoint>> checkpoint_of(const AuditVerifyOptions& options,
                                                      const std::optional<std::filesystem::path>& data_dir) {
  if (!options.checkpoint) return std::optional<SignedCheckpoint>();
  if (options.hub_key) {
    auto key = given_key(*options.hub_key);
    if (!key) return key.error();
    auto loaded = load_checkpoint(*options.checkpoint, *key, "--hub-key " + options.hub_key->string());
    if (!loaded) return loaded.error();
    return std::optional(std::move(*loaded));
  }
  if (!data_dir) {
    return Error{ErrorCode::kInvalidInput, "--hub-key",
                 "is needed to check a checkpoint through --hub: give the hub's public key (PEM)"};
  }
  const auto file = *data_dir / kSigningKeyFile;
  auto key = crypto::SigningKey::load(file);
  if (!key) return key.error();
  auto loaded = load_checkpoint(*options.checkpoint, key->public_key(), "the data directory's " + file.string());
  if (!loaded) return loaded.error();
  return std::optional(std::move(*loaded));
}

CommandOutput broken(std::int64_t id, const std::string& problem, const std::string& before) {
  return CommandOutput{kExitBroken, before + "audit log broken at entry " + std::to_string(id) + ": " + problem + "\n",
                       ""};
}

// The verdict: the chain's own, then against the checkpoint, if any.
CommandOutput report(const AuditVerification& verification, const std::optional<SignedCheckpoint>& checkpoint,
                     const std::optional<std::string>& hash_at_checkpoint) {
  const std::string signer = checkpoint ? checkpoint->signer : std::string();
  if (verification.broken_id) {
    return broken(*verification.broken_id,
                  verification.problem + " (" + std::to_string(verification.entries) + " entries before it verify)",
                  signer);
  }
  std::string out = signer;
  if (checkpoint) {
    const auto comparison = compare_with_checkpoint(checkpoint->checkpoint, verification.entries, hash_at_checkpoint);
    if (comparison.broken_id) return broken(*comparison.broken_id, comparison.problem, signer);
    out += "the chain extends the checkpoint\n";
  }
  out += "audit log intact: " + std::to_string(verification.entries) + " entries" +
         (verification.entries > 0 ? ", head " + verification.head_hash : "") + "\n";
  return CommandOutput{0, out, ""};
}

// The hub's database opened to be checked: hub.db after SQLite's integrity check, which runs
// even after a clean stop (the offline check of a hub's files), or the PostgreSQL database, whose
// server checks its own files.
Result<std::unique_ptr<storage::Connection>> open_to_check(const HubData& hub) {
  if (!hub.ledger_url.empty()) {
    auto connection = storage::PostgresConnection::open(hub.ledger_url);
    if (!connection) return connection.error();
    return std::unique_ptr<storage::Connection>(std::make_unique<storage::PostgresConnection>(std::move(*connection)));
  }
  auto database =
      storage::Database::open(Ledger::file_in(hub.dir), storage::OpenMode::kExistingOnly, storage::Durability::kNormal,
                              Ledger::kApplicationId, storage::StartCheck::kAlways);
  if (!database) return database.error();
  return std::unique_ptr<storage::Connection>(std::make_unique<storage::Database>(std::move(*database)));
}

}  // namespace

CommandOutput audit_verify_local(const HubData& hub, const AuditVerifyOptions& options) {
  auto checkpoint = checkpoint_of(options, hub.dir);
  if (!checkpoint) return failed(checkpoint.error().describe());
  auto database = open_to_check(hub);
  if (!database) return failed(database.error().describe());
  const std::string name = (*database)->name();
  auto log = AuditLog::prepare(**database);
  if (!log) return failed(name + ": " + log.error().describe());
  auto verification = log->verify();
  if (!verification) return failed(name + ": " + verification.error().describe());
  std::optional<std::string> hash_at_checkpoint;
  if (*checkpoint) {
    auto entries = log->entries((*checkpoint)->checkpoint.entry_id - 1, 1);
    if (!entries) return failed(name + ": " + entries.error().describe());
    if (!entries->empty() && entries->front().id == (*checkpoint)->checkpoint.entry_id) {
      hash_at_checkpoint = entries->front().hash;
    }
  }
  return report(*verification, *checkpoint, hash_at_checkpoint);
}

CommandOutput audit_verify_remote(const HubEndpoint& hub, const AuditVerifyOptions& options) {
  auto checkpoint = checkpoint_of(options, std::nullopt);
  if (!checkpoint) return failed(checkpoint.error().describe());
  auto body = fetch(hub, "/api/v1/audit/verify");
  if (!body) return failed(body.error().describe());
  AuditVerification verification;
  verification.entries = body->value("entries", std::uint64_t{0});
  verification.head_hash = body->value("head_hash", "");
  if (const Json broken_id = body->value("broken_id", Json()); broken_id.is_number_integer()) {
    verification.broken_id = broken_id.get<std::int64_t>();
  }
  verification.problem = body->value("problem", "");
  std::optional<std::string> hash_at_checkpoint;
  if (*checkpoint) {
    const auto id = (*checkpoint)->checkpoint.entry_id;
    auto page = fetch(hub, "/api/v1/audit?after=" + std::to_string(id - 1) + "&limit=1");
    if (!page) return failed(page.error().describe());
    for (const Json& entry : page->value("entries", Json::array())) {
      if (entry.value("id", std::int64_t{0}) == id) hash_at_checkpoint = entry.value("hash", "");
    }
  }
  return report(verification, *checkpoint, hash_at_checkpoint);
}

}  // namespace recount::hub
