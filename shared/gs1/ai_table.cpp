// The AI table, written in the notation of GS1's Barcode Syntax Dictionary so each row can be
// checked against it by eye, and turned into AiDefinitions once at first use.
#include "shared/gs1/ai_table.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace recount::gs1 {
namespace {

// flags: '*' predefined length, 'd' implied decimal places.
// spec: components separated by spaces, each TYPE[,check] with TYPE like N14, X..20, [X..16]
//       (optional). Types: N numeric, X CSET 82, Y CSET 39. Checks: csum, yymmdd, yymmd0,
//       yymmddhh, hhmm, mmoptss, zero, pieceoftotal, nonzero, winding, nozeroprefix, csumalpha.
// rules: "req=A,B" (one of them must be present; repeatable) and "ex=A,B" (none may be present).
// The syntax dictionary's lookup-table checks (ISO country and currency codes, IBAN, percent
// encoding, alphanumeric check characters) are not applied: such values are only checked for
// character set and length.
struct Row {
  std::string_view ais;
  std::string_view flags;
  std::string_view spec;
  std::string_view rules;
  std::string_view title;
};

constexpr Row kRows[] = {
    {"00", "*", "N18,csum", "", "SSCC"},
    {"01", "*", "N14,csum", "ex=02,255,37", "GTIN"},
    {"02", "*", "N14,csum", "req=37", "CONTENT"},
    {"10", "", "X..20", "req=01,02,8006,8026", "BATCH/LOT"},
    {"11", "*", "N6,yymmd0", "req=01,02,8006,8026", "PROD DATE"},
    {"12", "*", "N6,yymmd0", "req=8020", "DUE DATE"},
    {"13", "*", "N6,yymmd0", "req=01,02,8006,8026", "PACK DATE"},
    {"15", "*", "N6,yymmd0", "req=01,02,8006,8026", "BEST BEFORE or BEST BY"},
    {"16", "*", "N6,yymmd0", "req=01,02,8006,8026", "SELL BY"},
    {"17", "*", "N6,yymmd0", "req=01,02,255,8006,8026", "USE BY OR EXPIRY"},
    {"20", "*", "N2", "req=01,02,8006,8026", "VARIANT"},
    {"21", "", "X..20", "req=01,8006 ex=235", "SERIAL"},
    {"22", "", "X..20", "req=01", "CPV"},
    {"235", "", "X..28", "req=01", "TPX"},
    {"240", "", "X..30", "req=01,02,8006,8026", "ADDITIONAL ID"},
    {"241", "", "X..30", "req=01,02,8006,8026", "CUST. PART No."},
    {"242", "", "N..6", "req=01,02,8006,8026", "MTO VARIANT"},
    {"243", "", "X..20", "req=01", "PCN"},
    {"250", "", "X..30", "req=01,8006 req=21", "SECONDARY SERIAL"},
    {"251", "", "X..30", "req=01,8006", "REF. TO SOURCE"},
    {"253", "", "N13,csum [X..17]", "", "GDTI"},
    {"254", "", "X..20", "req=414", "GLN EXTENSION COMPONENT"},
    {"255", "", "N13,csum [N..12]", "ex=01,02,415,8006,8020,8026", "GCN"},
    {"30", "", "N..8", "req=01,02", "VAR. COUNT"},
    {"3100-3105", "*d", "N6", "req=01,02 ex=310n", "NET WEIGHT (kg)"},
    {"3110-3115", "*d", "N6", "req=01,02 ex=311n", "LENGTH (m)"},
    {"3120-3125", "*d", "N6", "req=01,02 ex=312n", "WIDTH (m)"},
    {"3130-3135", "*d", "N6", "req=01,02 ex=313n", "HEIGHT (m)"},
    {"3140-3145", "*d", "N6", "req=01,02 ex=314n", "AREA (m2)"},
    {"3150-3155", "*d", "N6", "req=01,02 ex=315n", "NET VOLUME (l)"},
    {"3160-3165", "*d", "N6", "req=01,02 ex=316n", "NET VOLUME (m3)"},
    {"3200-3205", "*d", "N6", "req=01,02 ex=320n", "NET WEIGHT (lb)"},
    {"3210-3215", "*d", "N6", "req=01,02 ex=321n", "LENGTH (in)"},
    {"3220-3225", "*d", "N6", "req=01,02 ex=322n", "LENGTH (ft)"},
    {"3230-3235", "*d", "N6", "req=01,02 ex=323n", "LENGTH (yd)"},
    {"3240-3245", "*d", "N6", "req=01,02 ex=324n", "WIDTH (in)"},
    {"3250-3255", "*d", "N6", "req=01,02 ex=325n", "WIDTH (ft)"},
    {"3260-3265", "*d", "N6", "req=01,02 ex=326n", "WIDTH (yd)"},
    {"3270-3275", "*d", "N6", "req=01,02 ex=327n", "HEIGHT (in)"},
    {"3280-3285", "*d", "N6", "req=01,02 ex=328n", "HEIGHT (ft)"},
    {"3290-3295", "*d", "N6", "req=01,02 ex=329n", "HEIGHT (yd)"},
    {"3300-3305", "*d", "N6", "req=00,01 ex=330n", "GROSS WEIGHT (kg)"},
    {"3310-3315", "*d", "N6", "req=00,01 ex=331n", "LENGTH (m), log"},
    {"3320-3325", "*d", "N6", "req=00,01 ex=332n", "WIDTH (m), log"},
    {"3330-3335", "*d", "N6", "req=00,01 ex=333n", "HEIGHT (m), log"},
    {"3340-3345", "*d", "N6", "req=00,01 ex=334n", "AREA (m2), log"},
    {"3350-3355", "*d", "N6", "req=00,01 ex=335n", "VOLUME (l), log"},
    {"3360-3365", "*d", "N6", "req=00,01 ex=336n", "VOLUME (m3), log"},
    {"3370-3375", "*d", "N6", "req=01 ex=337n", "KG PER m2"},
    {"3400-3405", "*d", "N6", "req=00,01 ex=340n", "GROSS WEIGHT (lb)"},
    {"3410-3415", "*d", "N6", "req=00,01 ex=341n", "LENGTH (in), log"},
    {"3420-3425", "*d", "N6", "req=00,01 ex=342n", "LENGTH (ft), log"},
    {"3430-3435", "*d", "N6", "req=00,01 ex=343n", "LENGTH (yd), log"},
    {"3440-3445", "*d", "N6", "req=00,01 ex=344n", "WIDTH (in), log"},
    {"3450-3455", "*d", "N6", "req=00,01 ex=345n", "WIDTH (ft), log"},
    {"3460-3465", "*d", "N6", "req=00,01 ex=346n", "WIDTH (yd), log"},
    {"3470-3475", "*d", "N6", "req=00,01 ex=347n", "HEIGHT (in), log"},
    {"3480-3485", "*d", "N6", "req=00,01 ex=348n", "HEIGHT (ft), log"},
    {"3490-3495", "*d", "N6", "req=00,01 ex=349n", "HEIGHT (yd), log"},
    {"3500-3505", "*d", "N6", "req=01,02 ex=350n", "AREA (in2)"},
    {"3510-3515", "*d", "N6", "req=01,02 ex=351n", "AREA (ft2)"},
    {"3520-3525", "*d", "N6", "req=01,02 ex=352n", "AREA (yd2)"},
    {"3530-3535", "*d", "N6", "req=00,01 ex=353n", "AREA (in2), log"},
    {"3540-3545", "*d", "N6", "req=00,01 ex=354n", "AREA (ft2), log"},
    {"3550-3555", "*d", "N6", "req=00,01 ex=355n", "AREA (yd2), log"},
    {"3560-3565", "*d", "N6", "req=01,02 ex=356n", "NET WEIGHT (t oz)"},
    {"3570-3575", "*d", "N6", "req=01,02 ex=357n", "NET VOLUME (oz)"},
    {"3600-3605", "*d", "N6", "req=01,02 ex=360n", "NET VOLUME (qt)"},
    {"3610-3615", "*d", "N6", "req=01,02 ex=361n", "NET VOLUME (gal.)"},
    {"3620-3625", "*d", "N6", "req=00,01 ex=362n", "VOLUME (qt), log"},
    {"3630-3635", "*d", "N6", "req=00,01 ex=363n", "VOLUME (gal.), log"},
    {"3640-3645", "*d", "N6", "req=01,02 ex=364n", "VOLUME (in3)"},
    {"3650-3655", "*d", "N6", "req=01,02 ex=365n", "VOLUME (ft3)"},
    {"3660-3665", "*d", "N6", "req=01,02 ex=366n", "VOLUME (yd3)"},
    {"3670-3675", "*d", "N6", "req=00,01 ex=367n", "VOLUME (in3), log"},
    {"3680-3685", "*d", "N6", "req=00,01 ex=368n", "VOLUME (ft3), log"},
    {"3690-3695", "*d", "N6", "req=00,01 ex=369n", "VOLUME (yd3), log"},
    {"37", "", "N..8", "req=00 req=02,8026", "COUNT"},
    {"3900-3909", "d", "N..15", "req=255,8020 ex=390n,391n,394n,8111", "AMOUNT"},
    {"3910-3919", "d", "N3 N..15", "req=8020 ex=391n", "AMOUNT"},
    {"3920-3929", "d", "N..15", "req=01 req=30,31nn,32nn,35nn,36nn ex=392n,393n", "PRICE"},
    {"3930-3939", "d", "N3 N..15", "req=30,31nn,32nn,35nn,36nn ex=393n", "PRICE"},
    {"3940-3943", "d", "N4", "req=255 ex=394n,8111", "PRCNT OFF"},
    {"3950-3955", "d", "N6", "req=30,31nn,32nn,35nn,36nn ex=392n,393n,395n,8005", "PRICE/UoM"},
    {"400", "", "X..30", "", "ORDER NUMBER"},
    {"401", "", "X..30", "", "GINC"},
    {"402", "", "N17,csum", "", "GSIN"},
    {"403", "", "X..30", "req=00", "ROUTE"},
    {"410", "*", "N13,csum", "", "SHIP TO LOC"},
    {"411", "*", "N13,csum", "", "BILL TO"},
    {"412", "*", "N13,csum", "", "PURCHASE FROM"},
    {"413", "*", "N13,csum", "", "SHIP FOR LOC"},
    {"414", "*", "N13,csum", "", "LOC No."},
    {"415", "*", "N13,csum", "req=8020", "PAY TO"},
    {"416", "*", "N13,csum", "", "PROD/SERV LOC"},
    {"417", "*", "N13,csum", "", "PARTY"},
    {"420", "", "X..20", "ex=421", "SHIP TO POST"},
    {"421", "", "N3 X..9", "", "SHIP TO POST"},
    {"422", "", "N3", "req=01,02,8006,8026 ex=426", "ORIGIN"},
    {"423", "", "N3 [N3] [N3] [N3] [N3]", "req=01,02 ex=426", "COUNTRY - INITIAL PROCESS"},
    {"424", "", "N3", "req=01,02 ex=426", "COUNTRY - PROCESS"},
    {"425", "", "N3 [N3] [N3] [N3] [N3]", "req=01,02 ex=426", "COUNTRY - DISASSEMBLY"},
    {"426", "", "N3", "req=01,02", "COUNTRY - FULL PROCESS"},
    {"427", "", "X..3", "req=01,02 req=422", "ORIGIN SUBDIVISION"},
    {"7001", "", "N13", "req=01,02,8006,8026", "NSN"},
    {"7002", "", "X..30", "req=01,02", "MEAT CUT"},
    {"7003", "", "N6,yymmdd N4,hhmm", "req=01,02", "EXPIRY TIME"},
    {"7004", "", "N..4", "req=01 req=10", "ACTIVE POTENCY"},
    {"7005", "", "X..12", "req=01,02", "CATCH AREA"},
    {"7006", "", "N6,yymmdd", "req=01,02", "FIRST FREEZE DATE"},
    {"7007", "", "N6,yymmdd [N6,yymmdd]", "req=01,02", "HARVEST DATE"},
    {"7008", "", "X..3", "req=01,02", "AQUATIC SPECIES"},
    {"7009", "", "X..10", "req=01,02", "FISHING GEAR TYPE"},
    {"7010", "", "X..2", "req=01,02", "PROD METHOD"},
    {"7011", "", "N6,yymmdd [N4,hhmm]", "req=01,02", "TEST BY DATE"},
    {"7020", "", "X..20", "req=01,8006 req=416", "REFURB LOT"},
    {"7021", "", "X..20", "req=01,8006", "FUNC STAT"},
    {"7022", "", "X..20", "req=7021", "REV STAT"},
    {"7023", "", "X..30", "", "GIAI - ASSEMBLY"},
    {"7030-7039", "", "N3 X..27", "req=01,02", "PROCESSOR # s"},
    {"710-715", "", "X..20", "req=01", "NHRN"},
    {"7230-7239", "", "X2 X..28", "req=01,8004", "CERT # s"},
    {"7240", "", "X..20", "req=01,8006", "PROTOCOL"},
    {"8001", "", "N4,nonzero N5,nonzero N3,nonzero N1,winding N1", "req=01", "DIMENSIONS"},
    {"8002", "", "X..20", "", "CMT No."},
    {"8003", "", "N1,zero N13,csum [X..16]", "", "GRAI"},
    {"8004", "", "X..30", "", "GIAI"},
    {"8005", "", "N6", "req=01,02", "PRICE PER UNIT"},
    {"8006", "", "N14,csum N4,pieceoftotal", "ex=01,37", "ITIP"},
    {"8007", "", "X..34", "req=415", "IBAN"},
    {"8008", "", "N8,yymmddhh [N..4,mmoptss]", "req=01,02", "PROD TIME"},
    {"8009", "", "X..50", "req=00,01", "OPTSEN"},
    {"8010", "", "Y..30", "", "CPID"},
    {"8011", "", "N..12,nozeroprefix", "req=8010", "CPID SERIAL"},
    {"8012", "", "X..20", "req=01,8006", "VERSION"},
    {"8013", "", "X..25,csumalpha", "", "GMN"},
    {"8017", "", "N18,csum", "ex=8018", "GSRN - PROVIDER"},
    {"8018", "", "N18,csum", "ex=8017", "GSRN - RECIPIENT"},
    {"8019", "", "N..10", "req=8017,8018", "SRIN"},
    {"8020", "", "X..25", "req=415", "REF No."},
    {"8026", "", "N14,csum N4,pieceoftotal", "req=37 ex=02,8006", "ITIP CONTENT"},
    {"8111", "", "N4", "req=255", "POINTS"},
    {"8200", "", "X..70", "req=01", "PRODUCT URL"},
    {"90", "", "X..30", "", "INTERNAL"},
    {"91-99", "", "X..90", "", "INTERNAL"},
};

// The table is ours: a malformed row is a programming error, caught by the first test that runs.
[[noreturn]] void bad_row(const Row& row, std::string_view what) {
  std::cerr << "recount: invariant violated: GS1 AI table row " << row.ais << ": " << what << '\n';
  std::abort();
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (!text.empty()) {
    const auto end = text.find(separator);
    if (end != 0) parts.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return parts;
}

int parse_number(const Row& row, std::string_view digits) {
  if (digits.empty() || digits.size() > 2) bad_row(row, "bad length in spec");
  int value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') bad_row(row, "bad length in spec");
    value = value * 10 + (c - '0');
  }
  return value;
}

Check parse_check(const Row& row, std::string_view name) {
  if (name == "csum") return Check::kCheckDigit;
  if (name == "yymmdd") return Check::kDate;
  if (name == "yymmd0") return Check::kDateOrEndOfMonth;
  if (name == "yymmddhh") return Check::kDateHour;
  if (name == "hhmm") return Check::kTime;
  if (name == "mmoptss") return Check::kMinutesSeconds;
  if (name == "zero") return Check::kZero;
  if (name == "pieceoftotal") return Check::kPieceOfTotal;
  if (name == "nonzero") return Check::kNonZero;
  if (name == "winding") return Check::kWinding;
  if (name == "nozeroprefix") return Check::kNoZeroPrefix;
  if (name == "csumalpha") return Check::kCheckPair;
  bad_row(row, "unknown check");
}

Component parse_component(const Row& row, std::string_view text) {
  Component component;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) bad_row(row, "unclosed [");
    component.optional = true;
    text = text.substr(1, close - 1);  // the check, if any, sits inside the brackets here
  }
  const auto comma = text.find(',');
  if (comma != std::string_view::npos) {
    component.check = parse_check(row, text.substr(comma + 1));
    text = text.substr(0, comma);
  }
  switch (text.front()) {
    case 'N': component.charset = CharacterSet::kNumeric; break;
    case 'X': component.charset = CharacterSet::kCset82; break;
    case 'Y': component.charset = CharacterSet::kCset39; break;
    default: bad_row(row, "unknown type");
  }
  text.remove_prefix(1);
  if (text.starts_with("..")) {
    component.min_length = 1;
    component.max_length = parse_number(row, text.substr(2));
  } else {
    component.min_length = component.max_length = parse_number(row, text);
  }
  return component;
}

void parse_rules(const Row& row, AiDefinition& definition) {
  for (const auto rule : split(row.rules, ' ')) {
    const auto equals = rule.find('=');
    if (equals == std::string_view::npos) bad_row(row, "rule without =");
    std::vector<std::string> ais;
    for (const auto ai : split(rule.substr(equals + 1), ',')) ais.emplace_back(ai);
    if (rule.substr(0, equals) == "req") {
      definition.requires_one_of.push_back(std::move(ais));
    } else if (rule.substr(0, equals) == "ex") {
      definition.excludes.insert(definition.excludes.end(), ais.begin(), ais.end());
    } else {
      bad_row(row, "unknown rule");
    }
  }
}

AiDefinition build(const Row& row) {
  AiDefinition definition;
  const auto dash = row.ais.find('-');
  definition.first = std::string(row.ais.substr(0, dash));
  definition.last = dash == std::string_view::npos ? definition.first : std::string(row.ais.substr(dash + 1));
  if (definition.first.size() != definition.last.size() || definition.first.size() < 2 || definition.first.size() > 4 ||
      definition.first > definition.last) {
    bad_row(row, "bad AI range");
  }
  definition.predefined_length = row.flags.find('*') != std::string_view::npos;
  definition.implied_decimal = row.flags.find('d') != std::string_view::npos;
  for (const auto part : split(row.spec, ' ')) {
    definition.components.push_back(parse_component(row, part));
    const auto count = definition.components.size();
    if (count > 1 && definition.components[count - 2].optional && !definition.components.back().optional) {
      bad_row(row, "a mandatory component after an optional one");
    }
  }
  if (definition.components.empty()) bad_row(row, "no components");
  parse_rules(row, definition);
  definition.title = std::string(row.title);
  if (definition.predefined_length && !definition.fixed_length()) bad_row(row, "predefined length but variable");
  return definition;
}

const std::vector<AiDefinition>& table() {
  static const std::vector<AiDefinition> definitions = [] {
    std::vector<AiDefinition> built;
    for (const auto& row : kRows) built.push_back(build(row));
    return built;
  }();
  return definitions;
}

bool in_range(const AiDefinition& definition, std::string_view ai) {
  return ai.size() == definition.first.size() && ai >= definition.first && ai <= definition.last;
}

}  // namespace

std::optional<int> AiDefinition::fixed_length() const {
  int total = 0;
  for (const auto& component : components) {
    if (component.optional || component.min_length != component.max_length) return std::nullopt;
    total += component.max_length;
  }
  return total;
}

int AiDefinition::max_length() const {
  int total = 0;
  for (const auto& component : components) total += component.max_length;
  return total;
}

std::span<const AiDefinition> ai_table() { return table(); }

const AiDefinition* find_ai(std::string_view ai) {
  for (const auto& definition : table()) {
    if (in_range(definition, ai)) return &definition;
  }
  return nullptr;
}

std::optional<AiMatch> match_ai(std::string_view data) {
  for (std::size_t length = 2; length <= 4 && length <= data.size(); ++length) {
    const auto candidate = data.substr(0, length);
    if (!std::all_of(candidate.begin(), candidate.end(), [](char c) { return c >= '0' && c <= '9'; })) break;
    if (const auto* definition = find_ai(candidate)) return AiMatch{candidate, definition};
  }
  return std::nullopt;
}

bool matches_pattern(std::string_view ai, std::string_view pattern) {
  if (ai.size() != pattern.size()) return false;
  for (std::size_t i = 0; i < ai.size(); ++i) {
    if (pattern[i] == 'n' ? (ai[i] < '0' || ai[i] > '9') : ai[i] != pattern[i]) return false;
  }
  return true;
}

}  // namespace recount::gs1
