// Locating the project's test data and the optional external corpus.
#include "tests/support/test_data.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

namespace recount::testing {

std::filesystem::path project_data(std::string_view relative) {
  return std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/data" / relative;
}

namespace {

// The fields of one line of RFC 4180 CSV without line breaks inside fields (what make.py writes).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::string with_group_separators(std::string text) {
  for (std::size_t at = text.find("<GS>"); at != std::string::npos; at = text.find("<GS>", at)) {
    text.replace(at, 4, "\x1d");
  }
  return text;
}

}  // namespace

std::string BarcodeSample::name() const { return format + "/" + image.filename().string(); }

std::vector<BarcodeSample> project_barcodes() {
  const auto folder = project_data("barcodes");
  std::ifstream manifest(folder / "manifest.csv");
  REQUIRE_MESSAGE(manifest, "cannot read " << (folder / "manifest.csv"));
  std::string line;
  std::getline(manifest, line);
  REQUIRE_MESSAGE(line == "format,image,expected,made_by", "unexpected manifest header: " << line);
  std::vector<BarcodeSample> samples;
  while (std::getline(manifest, line)) {
    const auto fields = csv_fields(line);
    REQUIRE_MESSAGE(fields.size() == 4, "manifest line with " << fields.size() << " fields: " << line);
    samples.push_back({fields[0], folder / fields[0] / fields[1], with_group_separators(fields[2]), fields[3]});
  }
  REQUIRE_MESSAGE(!samples.empty(), "the manifest lists no images");
  return samples;
}

std::vector<std::filesystem::path> fuzz_corpus(std::string_view name) {
  const auto folder = std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/fuzz/corpus" / name;
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  REQUIRE_MESSAGE(!files.empty(), "no inputs in " << folder.string() << (error ? ": " + error.message() : ""));
  std::sort(files.begin(), files.end());
  return files;
}

std::optional<std::filesystem::path> external_corpus(std::string_view relative) {
  const char* configured = std::getenv("RECOUNT_EXTERNAL_TESTDATA");
  const auto skip = [&](const std::string& why) -> std::optional<std::filesystem::path> {
    // On stdout, where CTest's SKIP_REGULAR_EXPRESSION looks; MESSAGE shows it in doctest's output.
    std::cout << "external corpus skipped: " << why << std::endl;
    MESSAGE("external corpus skipped: " << why);
    return std::nullopt;
  };
  if (configured != nullptr && std::string(configured).empty()) {
    return skip("RECOUNT_EXTERNAL_TESTDATA is empty (out of reach on purpose)");
  }
  const std::filesystem::path root = configured != nullptr ? configured : RECOUNT_EXTERNAL_TESTDATA_DEFAULT;
  const auto folder = root / relative;
  std::error_code error;
  if (std::filesystem::is_directory(folder, error)) return folder;
  if (configured != nullptr) {
    FAIL("RECOUNT_EXTERNAL_TESTDATA=" << std::string(configured) << " has no folder " << relative);
  }
  return skip(folder.string() + " does not exist");
}

}  // namespace recount::testing
