// recountctl hub-key.
#include "hub/cli/hub_key_command.hpp"

#include "hub/daemon/signing_key.hpp"

namespace recount::hub {

CommandOutput hub_key_command(const std::filesystem::path& data_dir) {
  if (data_dir.empty()) return failed("hub-key reads the hub's data directory: give --data DIR");
  auto key = load_signing_key(data_dir);
  if (!key) return failed(key.error().describe());
  return CommandOutput{0, key->public_key().pem(), ""};
}

}  // namespace recount::hub
