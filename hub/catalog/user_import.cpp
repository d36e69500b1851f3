// The floor users import (`site,badge,name,role,pin`): CatalogStore's users, apart from its items
// and locations because of what a PIN needs (hashing, never echoing it).
#include "hub/catalog/user_import.hpp"

#include <set>

#include "hub/catalog/catalog_schema.hpp"
#include "hub/catalog/catalog_store.hpp"
#include "hub/catalog/csv.hpp"
#include "shared/crypto/pin_hash.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub {
namespace {

const std::vector<std::string_view> kUserColumns{"site", "badge", "name", "role", "pin"};
const std::set<std::string, std::less<>> kRoles{"counter", "counter-lead", "receiver"};
constexpr std::size_t kMinPinDigits = 4;
constexpr std::size_t kMaxPinDigits = 12;

// The PIN's problem, in words that never quote it; nullopt when it is a valid PIN or absent.
std::optional<std::string> pin_problem(const std::string& pin) {
  if (pin.empty()) return std::nullopt;
  const bool digits = pin.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || pin.size() < kMinPinDigits || pin.size() > kMaxPinDigits) {
    return "must be " + std::to_string(kMinPinDigits) + " to " + std::to_string(kMaxPinDigits) +
           " digits (the value is not shown)";
  }
  return std::nullopt;
}

// Reads a users file into import_users and import_user_sites a row at a time, each problem into
// `errors`; PINs stay out of it (a row with one gets a NULL pin_hash). Errors: SQLite's.
Result<void> stage_users(storage::Connection& database, ImportTable& table, ImportErrors& errors) {
  auto badge_seen = database.prepare("SELECT line FROM import_users WHERE site = ? AND badge = ?");
  auto count_site = database.prepare(
      "INSERT INTO import_user_sites(site, users) VALUES(?, 1) ON CONFLICT(site) DO UPDATE SET "
      "users = import_user_sites.users + 1 RETURNING users");
  auto add_user =
      database.prepare("INSERT INTO import_users(site, badge, name, role, pin_hash, line) VALUES(?, ?, ?, ?, ?, ?)");
  if (!badge_seen) return badge_seen.error();
  if (!count_site) return count_site.error();
  if (!add_user) return add_user.error();
  CsvRecord record;
  while (table.next(record)) {
    const auto row = pick(record, table.columns);
    const auto& [site, badge, name, role, pin] = std::tie(row[0], row[1], row[2], row[3], row[4]);
    RowProblems problems(errors, record.line);
    problems.check(validate_identifier("site", site));
    if (auto ok = validate_code("badge", badge, limits::kMaxCode); !ok) {
      problems.add(ok.error());
    } else if (badge.find(' ') != std::string::npos) {
      problems.add("badge", "must not contain spaces (`#user BADGE PIN` splits at the first one)");
    }
    problems.check(validate_code("name", name, limits::kMaxText));
    if (!kRoles.contains(role)) problems.add("role", "must be counter, counter-lead or receiver (got '" + role + "')");
    if (auto problem = pin_problem(pin)) problems.add("pin", *problem);
    if (problems.any()) continue;
    auto repeated = storage::first_int(badge_seen->bind(1, site).bind(2, badge));
    if (!repeated) return repeated.error();
    if (*repeated) {
      problems.add(invalid("badge", std::string(site)
                                        .append("/")
                                        .append(badge)
                                        .append(" already appears on line ")
                                        .append(std::to_string(**repeated))));
      continue;
    }
    auto users = storage::first_int(count_site->bind(1, site));
    if (!users) return users.error();
    if (static_cast<std::size_t>(users->value_or(0)) > limits::kMaxCatalogUsers) {
      problems.add(
          invalid("site", "site " + site + " has more than " + std::to_string(limits::kMaxCatalogUsers) + " users"));
      continue;
    }
    add_user->bind(1, site).bind(2, badge).bind(3, name).bind(4, role).bind(6, static_cast<std::int64_t>(record.line));
    if (pin.empty()) {
      add_user->bind(5, std::string_view(""));  // '', not NULL: a user without a PIN
    } else {
      add_user->bind_null(5);
    }
    if (auto ok = add_user->run(); !ok) return ok;
  }
  return {};
}

// The file read again to give each staged user with a PIN its hash: a PIN that still matches
// its stored hash keeps it, so that the same file imported again changes nothing. Errors:
// SQLite's.
Result<void> hash_pins(storage::Connection& database, ImportTable& table) {
  auto stored = database.prepare("SELECT pin_hash FROM floor_users WHERE site = ? AND badge = ?");
  auto set = database.prepare("UPDATE import_users SET pin_hash = ? WHERE site = ? AND badge = ?");
  if (!stored) return stored.error();
  if (!set) return set.error();
  CsvRecord record;
  while (table.next(record)) {
    const auto row = pick(record, table.columns);
    const auto& [site, badge, pin] = std::tie(row[0], row[1], row[4]);
    if (pin.empty()) continue;
    auto old = storage::first_text(stored->bind(1, site).bind(2, badge));
    if (!old) return old.error();
    const auto match = !*old || (*old)->empty() ? Result<crypto::PinMatch>(crypto::PinMatch::kMismatch)
                                                : crypto::verify_pin(pin, **old);
    const bool same_pin = match && *match == crypto::PinMatch::kMatch;
    if (auto ok = set->bind(1, same_pin ? **old : crypto::hash_pin(pin)).bind(2, site).bind(3, badge).run(); !ok) {
      return ok;
    }
  }
  return {};
}

}  // namespace

Result<ImportReport> import_users_into(storage::Connection& database, std::string_view csv,
                                       const TableOptions& options) {
  ImportReport report;
  report.kind = ImportKind::kUsers;
  ImportTable table(csv, kUserColumns, options);
  report.delimiter = table.delimiter;
  report.encoding = table.encoding;
  if (!table.errors.empty()) {
    report.errors = std::move(table.errors);
    return report;
  }
  ImportErrors errors;
  if (auto ok = begin_import_staging(database); !ok) return ok.error();
  if (auto ok = stage_users(database, table, errors); !ok) return ok.error();
  report.rows = table.rows();
  if (!table.errors.empty()) errors.replace_all(table.errors.front());
  if (!errors.empty()) {
    report.errors = std::move(errors.listed);
    report.unlisted_errors = errors.unlisted;
    return report;
  }
  ImportTable again(csv, kUserColumns, options);
  if (auto ok = hash_pins(database, again); !ok) return ok.error();
  // Each site in the file gets exactly the file's users; only sites whose users changed are
  // rewritten, and the version is raised only when one is.
  const char* const store = R"sql(
UPDATE import_user_sites SET changed = 1 WHERE
  EXISTS (SELECT 1 FROM import_users u WHERE u.site = import_user_sites.site AND NOT EXISTS (
    SELECT 1 FROM floor_users f WHERE f.site = u.site AND f.badge = u.badge AND f.name = u.name AND f.role = u.role
      AND f.pin_hash = u.pin_hash))
  OR EXISTS (SELECT 1 FROM floor_users f WHERE f.site = import_user_sites.site AND NOT EXISTS (
    SELECT 1 FROM import_users u WHERE u.site = f.site AND u.badge = f.badge));
)sql";
  if (auto ok = database.execute(store); !ok) return ok.error();
  auto counted = database.prepare(
      "SELECT (SELECT count(*) FROM import_users), (SELECT count(*) FROM import_user_sites), "
      "(SELECT count(*) FROM import_user_sites WHERE changed = 1), "
      "(SELECT count(*) FROM floor_users f JOIN import_user_sites s ON s.site = f.site WHERE NOT EXISTS ("
      "SELECT 1 FROM import_users u WHERE u.site = f.site AND u.badge = f.badge))");
  if (!counted) return counted.error();
  if (auto row = counted->step(); !row) return row.error();
  report.users = static_cast<std::size_t>(counted->column_int(0));
  report.sites = static_cast<std::size_t>(counted->column_int(1));
  report.changed_sites = static_cast<std::size_t>(counted->column_int(2));
  report.removed = static_cast<std::size_t>(counted->column_int(3));
  counted->reset();
  if (auto ok = database.execute(
          "DELETE FROM floor_users WHERE site IN (SELECT site FROM import_user_sites WHERE changed = 1); "
          "INSERT INTO floor_users(site, badge, name, role, pin_hash) SELECT site, badge, name, role, pin_hash "
          "FROM import_users WHERE site IN (SELECT site FROM import_user_sites WHERE changed = 1)");
      !ok) {
    return ok.error();
  }
  if (auto ok = clear_import_staging(database); !ok) return ok.error();
  auto version = report.changed_sites == 0 ? catalog_version(database) : raise_catalog_version(database);
  if (!version) return version.error();
  report.version = *version;
  return report;
}

Result<std::vector<protocol::CatalogUser>> floor_users_of(storage::Connection& database, const std::string& site) {
  auto query = database.prepare("SELECT badge, name, role, pin_hash FROM floor_users WHERE site = ? ORDER BY badge");
  if (!query) return query.error();
  query->bind(1, site);
  std::vector<protocol::CatalogUser> users;
  while (true) {
    auto more = query->step();
    if (!more) return more.error();
    if (!*more) return users;
    users.push_back(protocol::CatalogUser{query->column_text(0), query->column_text(1), query->column_text(2),
                                          query->column_text(3)});
  }
}

}  // namespace recount::hub
