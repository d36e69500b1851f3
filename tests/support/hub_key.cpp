// The hub's key for tests and benchmarks.
#include "tests/support/hub_key.hpp"

#include <fstream>
#include <stdexcept>

#include "tests/support/process.hpp"

namespace recount::testing {

std::filesystem::path hub_key_file(const std::filesystem::path& hub_data_dir) {
  std::filesystem::create_directories(hub_data_dir);
  const auto result = run_command({RECOUNTCTL_BIN, "--data", hub_data_dir.string(), "hub-key"});
  if (result.exit_code != 0) throw std::runtime_error("recountctl hub-key failed: " + result.err);
  const std::filesystem::path file = hub_data_dir.string() + ".hub-key.pem";
  std::ofstream(file) << result.out;
  return file;
}

}  // namespace recount::testing
