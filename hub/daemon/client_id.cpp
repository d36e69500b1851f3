// The hub's MQTT client id.
#include "hub/daemon/client_id.hpp"

#include <fstream>

#include "shared/crypto/random.hpp"
#include "shared/storage/atomic_file.hpp"

namespace recount::hub {

Result<std::string> hub_client_id(const std::filesystem::path& data_dir) {
  const auto file = data_dir / "mqtt-client-id";
  if (std::filesystem::exists(file)) {
    std::ifstream in(file);
    std::string id;
    if (!in || !std::getline(in, id) || id.empty()) {
      return Error{ErrorCode::kIo, "", file.string() + " holds no MQTT client id (delete it to make a new one)"};
    }
    return id;
  }
  // 12 random bytes (96 bits): 16 URL-safe characters, no use guessing.
  const std::string id = "recount-hub-" + crypto::random_token(12);
  if (auto ok = storage::write_file_atomically(file, id + "\n", storage::kOwnerOnly); !ok) return ok.error();
  return id;
}

}  // namespace recount::hub
