// recountctl backup and restore.
#include "hub/cli/backup_command.hpp"

#include "hub/daemon/backup.hpp"

namespace recount::hub {

CommandOutput backup_command(const std::filesystem::path& data_dir, const std::filesystem::path& file) {
  if (data_dir.empty()) return failed("backup reads the hub's data directory: give --data DIR");
  auto written = back_up(data_dir, file);
  if (!written) return failed(written.error().describe());
  return CommandOutput{
      0,
      "backed up " + data_dir.string() + " to " + file.string() + " (" + std::to_string(written->bytes) + " bytes)\n",
      ""};
}

CommandOutput restore_command(const std::filesystem::path& data_dir, const std::filesystem::path& file) {
  if (data_dir.empty()) return failed("restore replaces the hub's data directory: give --data DIR");
  auto restored = restore(data_dir, file);
  if (!restored) return failed(restored.error().describe());
  std::string out = "restored " + file.string() + " into " + data_dir.string() + "\n";
  if (!restored->aside.empty()) out += "the replaced database is kept as " + restored->aside.string() + "\n";
  std::string err;
  if (restored->versions_carried) {
    out += "catalog and task-list versions continue above the replaced database's\n";
  } else {
    err = "recountctl: warning: catalog and task-list versions continue from the backup's (" + restored->versions_note +
          "): devices that applied newer ones keep them until the hub publishes a version above theirs\n";
  }
  out += "devices resend what the backup lacks when they reconnect\n";
  return CommandOutput{0, out, err};
}

}  // namespace recount::hub
