// The hub's signing key for tests and benchmarks that start agents: devices are provisioned with
// its public key (`recount-agent run --hub-key FILE`), as the hub signs its catalogs and task lists.
#pragma once

#include <filesystem>
#include <string>

namespace recount::testing {

// The hub's public key for `hub_data_dir` as a PEM file (written next to that directory), from
// `recountctl --data DIR hub-key`, which makes the hub's key when it is not there yet: agents can
// be provisioned before the hub first starts. Throws std::runtime_error when the command fails.
std::filesystem::path hub_key_file(const std::filesystem::path& hub_data_dir);

}  // namespace recount::testing
