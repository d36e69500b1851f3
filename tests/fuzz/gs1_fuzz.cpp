// libFuzzer target for the GS1 parser: every input is parsed under each set of options. Parsing
// must not crash or trip a sanitizer, and whatever parses must keep its promises: its raw form
// (and its bracketed form, where no value holds brackets) parses back to the same elements when
// it fits parse()'s input limit, and its typed accessors hold what they say. Anything else aborts with the reason,
// which libFuzzer reports as a crash with its input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "shared/domain/gtin.hpp"
#include "shared/gs1/parser.hpp"

namespace recount::gs1 {
namespace {

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "gs1_fuzz: %s (input of %zu bytes)\n", what.c_str(), input.size());
  std::abort();
}

bool same_elements(const ElementString& a, const ElementString& b) {
  if (a.elements.size() != b.elements.size()) return false;
  for (std::size_t i = 0; i < a.elements.size(); ++i) {
    if (a.elements[i].ai != b.elements[i].ai || a.elements[i].value != b.elements[i].value) return false;
  }
  return true;
}

void check(std::string_view input, const ParseOptions& options) {
  const auto parsed = parse(input, options);
  if (!parsed) {
    if (parsed.error().message.empty()) fail("an error without message", input);
    return;
  }
  if (parsed->elements.empty() && !parsed->plain_gtin) fail("parsed to nothing", input);
  if (const auto gtin = parsed->gtin(); gtin && !is_valid_gtin(*gtin)) fail("gtin() is no valid GTIN", input);
  if (parsed->elements.empty()) return;

  ParseOptions plain = options;
  plain.identifier = IdentifierPolicy::kOptional;
  plain.extra_separators.clear();
  // A rendering can outgrow the input limit (brackets add two characters per element).
  if (parsed->hri().size() > kMaxInput) return;
  const auto raw = parse(parsed->raw(), plain);
  if (!raw) fail("raw form does not parse: " + raw.error().describe(), input);
  if (!same_elements(*raw, *parsed)) fail("raw form parses to other elements", input);
  bool brackets_in_values = false;
  for (const auto& element : parsed->elements) {
    brackets_in_values = brackets_in_values || element.value.find_first_of("()") != std::string::npos;
  }
  if (brackets_in_values) return;  // "(10)A(21)B" is ambiguous as a bracketed form
  const auto hri = parse(parsed->hri(), plain);
  if (!hri) fail("bracketed form does not parse: " + hri.error().describe(), input);
  if (!same_elements(*hri, *parsed)) fail("bracketed form parses to other elements", input);
}

}  // namespace
}  // namespace recount::gs1

// libFuzzer calls this by its fixed name.
// NOLINTNEXTLINE(readability-identifier-naming)
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace recount::gs1;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ParseOptions options;
  options.today = std::chrono::year_month_day{std::chrono::year(2026), std::chrono::month(1), std::chrono::day(1)};
  check(input, options);
  options.extra_separators = "|";
  options.identifier = IdentifierPolicy::kRequired;
  options.pairing = PairingRules::kEnforce;
  check(input, options);
  return 0;
}
