// Where tests find their data. The project's own material is in tests/data (made by the project,
// see tests/data/README.md) and every test can rely on it. The external corpus (barcode photos
// and other parsers' GS1 vectors, not ours to commit) is optional: tests that use it run in
// addition when it is present and report a skip when it is not.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recount::testing {

// tests/data/`relative` in the source tree.
std::filesystem::path project_data(std::string_view relative);

// One image of tests/data/barcodes/manifest.csv (made by tests/data/barcodes/make.py).
struct BarcodeSample {
  std::string format;           // the folder: "ean13", "upca", "code128", "qrcode", ...
  std::filesystem::path image;  // absolute
  std::string expected;         // the text a decoder returns, GS as ASCII 29
  std::string made_by;          // the zint command, or how the photo was rendered
  std::string name() const;     // "ean13/ean13-a.png"
};

// Every image the manifest lists, in its order; a malformed manifest fails the calling test.
std::vector<BarcodeSample> project_barcodes();

// Every file of the fuzzer `name`'s committed corpus (tests/fuzz/corpus/`name`), sorted by name, so
// that a regression test replays it in a fixed order; an empty or missing corpus fails the calling
// test.
std::vector<std::filesystem::path> fuzz_corpus(std::string_view name);

// The folder `relative` of the external corpus, or nullopt when it is out of reach:
// - $RECOUNT_EXTERNAL_TESTDATA set and empty: out of reach on purpose (CI's bare-clone run).
// - set to a folder: that folder; a missing `relative` inside it fails the calling test, since
//   someone asked for that corpus.
// - unset: ../shared/testdata beside the source tree (RECOUNT_EXTERNAL_TESTDATA_DEFAULT, a CMake
//   cache variable), nullopt when it is not there, as in a clone of the repository alone.
// When it returns nullopt it prints "external corpus skipped: <why>", which CTest counts as a
// skipped test (tests/CMakeLists.txt). Call it from a doctest test case; not thread-safe.
std::optional<std::filesystem::path> external_corpus(std::string_view relative);

}  // namespace recount::testing
