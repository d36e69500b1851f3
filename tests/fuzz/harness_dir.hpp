// What the fuzz harnesses that keep files share: a temp directory of their own, and stopping at
// once, saying why, when their set-up fails (libFuzzer reports the abort as a crash).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace recount::fuzz {

[[noreturn]] inline void harness_failed(std::string_view harness, std::string_view what) {
  std::fprintf(stderr, "%.*s harness: %.*s\n", static_cast<int>(harness.size()), harness.data(),
               static_cast<int>(what.size()), what.data());
  std::abort();
}

// A new directory recount-NAME-XXXXXX under the temp directory (TMPDIR).
inline std::filesystem::path make_harness_dir(std::string_view name) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / ("recount-" + std::string(name) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) harness_failed(name, "cannot make a temp directory");
  return pattern;
}

}  // namespace recount::fuzz
