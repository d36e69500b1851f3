// Damage to a SQLite file as a failing disk would leave it: for tests of the integrity checks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace recount::testing {

// Moves every commit of `file`'s WAL into the file, then overwrites with noise the middle leaf
// page of `table` (found with SQLite's dbstat table): a page that only a full read of the table,
// or of the file, comes across. Returns its page number. Another connection may hold the file
// open (idle); its cached pages are not touched. Fails the test when `table` has no leaf page.
std::int64_t damage_table_page(const std::filesystem::path& file, const std::string& table);

}  // namespace recount::testing
