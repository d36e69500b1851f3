// Timing read_table and a memchr line split.
#include "bench/table_rate.hpp"

#include <chrono>
#include <cstring>
#include <string>

namespace recount::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Repeats `pass` (which returns the rows of one pass) for at least `seconds`.
template <typename Pass>
TableRate measure(std::size_t bytes, double seconds, Pass pass) {
  std::size_t passes = 0;
  std::size_t rows = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  do {
    rows = pass();
    ++passes;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds);
  return TableRate{static_cast<double>(passes * bytes) / elapsed / 1e6, static_cast<double>(passes * rows) / elapsed,
                   rows};
}

}  // namespace

Result<TableRate> read_table_rate(std::string_view bytes, const hub::TableOptions& options, double seconds) {
  const auto first = hub::read_table(bytes, options);
  if (first.error) return invalid("line " + std::to_string(first.error->line), first.error->message);
  return measure(bytes.size(), seconds, [&] { return hub::read_table(bytes, options).records.size(); });
}

TableRate memchr_line_rate(std::string_view bytes, double seconds) {
  return measure(bytes.size(), seconds, [&] {
    std::size_t lines = 0;
    const char* at = bytes.data();
    const char* const end = bytes.data() + bytes.size();
    while (at < end) {
      const auto* newline = static_cast<const char*>(std::memchr(at, '\n', static_cast<std::size_t>(end - at)));
      ++lines;
      if (newline == nullptr) break;
      at = newline + 1;
    }
    return lines;
  });
}

}  // namespace recount::bench
