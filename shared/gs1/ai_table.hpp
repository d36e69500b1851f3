// The GS1 Application Identifier table: each AI's data format (components, character sets,
// lengths, content checks), whether its length is predefined, and its pairing rules, after the
// GS1 General Specifications and GS1's Barcode Syntax Dictionary.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace recount::gs1 {

enum class CharacterSet {
  kNumeric,  // '0'..'9'
  kCset82,   // GS1 AI encodable character set 82 (letters, digits and !"%&'()*+,-./:;<=>?_)
  kCset39,   // GS1 character set 39 (upper case letters, digits and #-/)
};

// A content rule one component must satisfy beyond its character set and length.
enum class Check {
  kNone,
  kCheckDigit,        // the last digit is the GS1 mod-10 check digit of the others
  kDate,              // YYMMDD, a calendar date
  kDateOrEndOfMonth,  // YYMMDD where DD = 00 means the last day of the month
  kDateHour,          // YYMMDDHH
  kTime,              // HHMM
  kMinutesSeconds,    // MM or MMSS
  kZero,              // the single digit 0
  kPieceOfTotal,      // PPTT: piece PP of TT pieces, 1 <= PP <= TT
  kNonZero,           // digits that are not all 0 (the measures of (8001))
  kWinding,           // one digit 0, 1 or 9: the winding direction of (8001)
  kNoZeroPrefix,      // no leading 0 unless the value is "0" ((8011))
  kCheckPair,         // the last two characters are GS1's alphanumeric check character pair
};

// One part of an AI's data field, e.g. GRAI (8003) = N1 zero + N13 with check digit + X..16.
struct Component {
  CharacterSet charset = CharacterSet::kNumeric;
  int min_length = 1;
  int max_length = 1;
  // Optional components come last; each is present only when the one before it is, so
  // "N3 [N3] [N3]" is a list of one to three 3-digit items ((423): 3, 6 or 9 digits).
  bool optional = false;
  Check check = Check::kNone;
};

struct AiDefinition {
  std::string first;  // the AI, or the first of a range such as 3100..3105
  std::string last;   // equal to first for a single AI
  // Predefined-length AIs (00, 01, 02, 11..20, 31nn..36nn, 41n) are never followed by FNC1;
  // every other AI is followed by FNC1 (GS) unless it ends the message.
  bool predefined_length = false;
  // For measures and amounts (310n, 392n, ...) the AI's last digit is the number of implied
  // decimal places of the last component.
  bool implied_decimal = false;
  std::vector<Component> components;
  // Pairing rules. Each group lists AIs or patterns ('n' stands for any digit, "31nn"); at least
  // one of each group must be present in the same message.
  std::vector<std::vector<std::string>> requires_one_of;
  std::vector<std::string> excludes;  // AIs or patterns that must not appear in the same message
  std::string title;                  // GS1's data title, e.g. "BATCH/LOT"

  // Total length when every component has a fixed length and none is optional, else nullopt.
  std::optional<int> fixed_length() const;
  int max_length() const;
};

// The AI that `data` starts with and its definition, or nullopt when no AI of recount's table
// starts there. AIs are prefix-free, so at most one matches.
struct AiMatch {
  std::string_view ai;  // 2 to 4 digits, a view into `data`
  const AiDefinition* definition = nullptr;
};
std::optional<AiMatch> match_ai(std::string_view data);

// The definition of exactly `ai`, or nullptr when the table has no such AI.
const AiDefinition* find_ai(std::string_view ai);

// True when `ai` equals `pattern`, where an 'n' in the pattern stands for any digit.
bool matches_pattern(std::string_view ai, std::string_view pattern);

// Every definition, in AI order. The table is built once, on first use, and never changes, so
// all functions here are thread-safe and the returned pointers live until the program ends.
std::span<const AiDefinition> ai_table();

}  // namespace recount::gs1
