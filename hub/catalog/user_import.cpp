// The floor users import (`site,badge,name,role,pin`): CatalogStore's users, apart from its items
// and locations because of what a PIN needs (hashing, never echoing it).
#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "hub/catalog/catalog_store.hpp"
#include "hub/catalog/csv.hpp"
#include "shared/crypto/pin_hash.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"

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

}  // namespace

Result<ImportReport> CatalogStore::import_users(std::string_view csv, const TableOptions& options) {
  ImportReport report;
  report.kind = ImportKind::kUsers;
  auto table = read_import_table(csv, kUserColumns, options);
  report.delimiter = table.delimiter;
  report.encoding = table.encoding;
  if (!table.errors.empty()) {
    report.errors = std::move(table.errors);
    if (auto ok = audit_rejection(report, csv); !ok) return ok.error();
    return report;
  }
  report.rows = table.rows.size();
  struct Row {
    std::size_t line;
    protocol::CatalogUser user;
    std::string pin;
  };
  std::map<std::string, std::vector<Row>> sites;                    // site → its rows, in file order
  std::map<std::pair<std::string, std::string>, std::size_t> seen;  // (site, badge) → line
  auto& errors = report.errors;
  for (const auto& record : table.rows) {
    const auto row = pick(record, table.columns);
    const auto& [site, badge, name, role, pin] = std::tie(row[0], row[1], row[2], row[3], row[4]);
    const auto errors_before = errors.size();
    auto add = [&](const Error& error) { errors.push_back(ImportError{record.line, error.field, error.message}); };
    if (auto ok = validate_identifier("site", site); !ok) add(ok.error());
    if (auto ok = validate_code("badge", badge, limits::kMaxCode); !ok) {
      add(ok.error());
    } else if (badge.find(' ') != std::string::npos) {
      add(invalid("badge", "must not contain spaces (`#user BADGE PIN` splits at the first one)"));
    }
    if (auto ok = validate_code("name", name, limits::kMaxText); !ok) add(ok.error());
    if (!kRoles.contains(role)) add(invalid("role", "must be counter, counter-lead or receiver (got '" + role + "')"));
    if (auto problem = pin_problem(pin)) add(invalid("pin", *problem));
    if (errors.size() != errors_before) continue;
    if (auto [at, fresh] = seen.emplace(std::pair{site, badge}, record.line); !fresh) {
      std::string message = site;
      message.append("/").append(badge).append(" already appears on line ").append(std::to_string(at->second));
      add(invalid("badge", message));
      continue;
    }
    auto& users = sites[site];
    if (users.size() == limits::kMaxCatalogUsers) {
      add(invalid("site", "site " + site + " has more than " + std::to_string(limits::kMaxCatalogUsers) + " users"));
      continue;
    }
    users.push_back(Row{record.line, protocol::CatalogUser{badge, name, role, ""}, pin});
  }
  if (!errors.empty()) {
    if (auto ok = audit_rejection(report, csv); !ok) return ok.error();
    return report;
  }

  // Each site's users as they will be stored: a PIN that still matches its stored hash keeps
  // it, so that the same file imported again changes nothing.
  std::map<std::string, std::vector<protocol::CatalogUser>> changed;
  for (auto& [site, rows] : sites) {
    auto stored = users_of(site);
    if (!stored) return stored.error();
    std::map<std::string, const protocol::CatalogUser*> by_badge;
    for (const auto& user : *stored) by_badge.emplace(user.badge, &user);
    std::vector<protocol::CatalogUser> users;
    for (auto& row : rows) {
      if (!row.pin.empty()) {
        const auto old = by_badge.find(row.user.badge);
        const auto match = old == by_badge.end() || old->second->pin_hash.empty()
                               ? Result<crypto::PinMatch>(crypto::PinMatch::kMismatch)
                               : crypto::verify_pin(row.pin, old->second->pin_hash);
        const bool same_pin = match && *match == crypto::PinMatch::kMatch;
        row.user.pin_hash = same_pin ? old->second->pin_hash : crypto::hash_pin(row.pin);
      }
      by_badge.erase(row.user.badge);
      users.push_back(std::move(row.user));
    }
    report.removed += by_badge.size();  // stored badges the file no longer names
    report.users += users.size();
    std::sort(users.begin(), users.end(), [](const auto& a, const auto& b) { return a.badge < b.badge; });
    if (users != *stored) changed.emplace(site, std::move(users));
  }
  report.sites = sites.size();
  report.changed_sites = changed.size();

  auto write = ledger_.begin_write();
  if (!write) return write.error();
  for (const auto& [site, users] : changed) {
    if (auto ok = store_users(*write, site, users); !ok) return ok.error();
  }
  auto version = changed.empty() ? current_version() : bump_version(*write);
  if (!version) return version.error();
  report.version = *version;
  const nlohmann::json detail{{"rows", report.rows},
                              {"users", report.users},
                              {"removed", report.removed},
                              {"sites", report.sites},
                              {"changed_sites", report.changed_sites},
                              {"version", report.version},
                              {"bytes", csv.size()}};
  if (auto ok = write->audit("catalog.import", "users", detail.dump()); !ok) return ok.error();
  if (auto ok = write->commit(); !ok) return ok.error();
  return report;
}

Result<void> CatalogStore::store_users(LedgerWrite& write, const std::string& site,
                                       const std::vector<protocol::CatalogUser>& users) {
  storage::Database& database = write.database();
  auto drop = database.prepare("DELETE FROM floor_users WHERE site = ?");
  auto insert = database.prepare("INSERT INTO floor_users(site, badge, name, role, pin_hash) VALUES(?, ?, ?, ?, ?)");
  if (!drop) return drop.error();
  if (!insert) return insert.error();
  if (auto ok = drop->bind(1, site).run(); !ok) return ok;
  for (const auto& user : users) {
    if (auto ok = insert->bind(1, site)
                      .bind(2, user.badge)
                      .bind(3, user.name)
                      .bind(4, user.role)
                      .bind(5, user.pin_hash)
                      .run();
        !ok) {
      return ok;
    }
  }
  return {};
}

Result<std::vector<protocol::CatalogUser>> CatalogStore::users_of(const std::string& site) {
  auto query =
      ledger_.database().prepare("SELECT badge, name, role, pin_hash FROM floor_users WHERE site = ? ORDER BY badge");
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
