// Checkpoint files: one per checkpoint plus latest.json, readable by others, and bounded.
#include "hub/audit/checkpoint_directory.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include "tests/support/process.hpp"

namespace recount::hub {
namespace {

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_CASE("a checkpoint is written as its own file and as latest.json, readable by everyone") {
  testing::TempDir dir;
  auto directory = CheckpointDirectory::open(dir / "checkpoints");
  REQUIRE(directory.has_value());
  REQUIRE(directory->write(7, "{\"first\":1}").has_value());
  REQUIRE(directory->write(12, "{\"second\":1}").has_value());
  CHECK(read(dir / "checkpoints/checkpoint-00000000000000000007.json") == "{\"first\":1}");
  CHECK(read(dir / "checkpoints/checkpoint-00000000000000000012.json") == "{\"second\":1}");
  CHECK(read(dir / "checkpoints/latest.json") == "{\"second\":1}");
  const auto perms = std::filesystem::status(dir / "checkpoints/latest.json").permissions();
  CHECK((perms & std::filesystem::perms::others_read) != std::filesystem::perms::none);
}

TEST_CASE("only the newest checkpoint files are kept, so the directory stays bounded") {
  testing::TempDir dir;
  auto directory = CheckpointDirectory::open(dir / "checkpoints", 3);
  REQUIRE(directory.has_value());
  for (std::int64_t id : {1, 9, 10, 100, 1000}) REQUIRE(directory->write(id, "{}").has_value());
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "checkpoints")) {
    (void)entry;
    ++files;
  }
  CHECK(files == 4);  // three checkpoints and latest.json
  CHECK_FALSE(std::filesystem::exists(dir / "checkpoints/checkpoint-00000000000000000009.json"));
  CHECK(std::filesystem::exists(dir / "checkpoints/checkpoint-00000000000000000010.json"));
  CHECK(std::filesystem::exists(dir / "checkpoints/checkpoint-00000000000000001000.json"));
}

TEST_CASE("a checkpoint directory that cannot be created is an error naming it") {
  testing::TempDir dir;
  std::ofstream(dir / "file") << "x";
  auto directory = CheckpointDirectory::open(dir / "file" / "checkpoints");
  REQUIRE_FALSE(directory.has_value());
  CHECK(directory.error().describe().find("checkpoints") != std::string::npos);
}

}  // namespace
}  // namespace recount::hub
