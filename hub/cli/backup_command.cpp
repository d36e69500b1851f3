// recountctl backup and restore.
#include "hub/cli/backup_command.hpp"

#include "hub/daemon/backup.hpp"
#include "hub/storage/postgres.hpp"

namespace recount::hub {
namespace {

// The data directory, or the ledger's database (without a password) when it is in PostgreSQL.
std::string ledger_name(const HubData& hub) {
  return hub.ledger_url.empty() ? hub.dir.string() : storage::url_without_password(hub.ledger_url);
}

}  // namespace

CommandOutput backup_command(const HubData& hub, const std::filesystem::path& file) {
  if (hub.dir.empty()) return failed("backup reads the hub's data directory: give --data DIR");
  auto written = hub.ledger_url.empty() ? back_up(hub.dir, file) : back_up_database(hub.ledger_url, file);
  if (!written) return failed(written.error().describe());
  return CommandOutput{
      0, "backed up " + ledger_name(hub) + " to " + file.string() + " (" + std::to_string(written->bytes) + " bytes)\n",
      ""};
}

CommandOutput restore_command(const HubData& hub, const std::filesystem::path& file) {
  if (hub.dir.empty()) return failed("restore replaces the hub's data directory: give --data DIR");
  auto restored = hub.ledger_url.empty() ? restore(hub.dir, file) : restore_database(hub.dir, hub.ledger_url, file);
  if (!restored) return failed(restored.error().describe());
  std::string out = "restored " + file.string() + " into " + ledger_name(hub) + "\n";
  if (!restored->aside.empty()) out += "the replaced database is kept as " + restored->aside.string() + "\n";
  std::string err;
  if (restored->versions_carried) {
    out += "catalog and task-list versions continue above the replaced database's\n";
  } else {
    err = "recountctl: warning: catalog and task-list versions continue from the backup's (" + restored->versions_note +
          "): the hub raises them above those its records on the broker say it published when it connects; should "
          "the broker have lost them, devices that applied newer ones keep those until the hub publishes a version "
          "above theirs\n";
  }
  out += "devices resend what the backup lacks when they reconnect\n";
  return CommandOutput{0, out, err};
}

}  // namespace recount::hub
