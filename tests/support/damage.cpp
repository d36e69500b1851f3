// Damage injected into SQLite files, page by page.
#include "tests/support/damage.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <vector>

#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::testing {

std::int64_t damage_table_page(const std::filesystem::path& file, const std::string& table) {
  std::vector<std::int64_t> leaves;
  std::int64_t page_size = 0;
  {
    // kInBackground: no check here, and a clean-close marker, if any, is taken as any open does.
    auto database = storage::Database::open(file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal, 0,
                                            storage::StartCheck::kInBackground);
    REQUIRE(database.has_value());
    REQUIRE(database->execute("PRAGMA wal_checkpoint(TRUNCATE)").has_value());
    auto size = database->prepare("PRAGMA page_size");
    REQUIRE(size.has_value());
    auto size_value = storage::single_int(*size);
    REQUIRE(size_value.has_value());
    page_size = *size_value;
    auto pages = database->prepare("SELECT pageno FROM dbstat WHERE name = ?1 AND pagetype = 'leaf' ORDER BY pageno");
    REQUIRE(pages.has_value());
    pages->bind(1, table);
    for (auto row = pages->step(); row && *row; row = pages->step()) leaves.push_back(pages->column_int(0));
    pages->reset();
  }
  REQUIRE_MESSAGE(!leaves.empty(), table << " has no leaf page in " << file);
  REQUIRE(page_size > 0);
  const std::int64_t page = leaves[leaves.size() / 2];
  std::fstream damage(file, std::ios::in | std::ios::out | std::ios::binary);
  damage.seekp(static_cast<std::streamoff>((page - 1) * page_size));
  const std::string noise(static_cast<std::size_t>(page_size), '\x5a');
  damage.write(noise.data(), static_cast<std::streamsize>(noise.size()));
  damage.flush();
  REQUIRE(damage.good());
  return page;
}

}  // namespace recount::testing
