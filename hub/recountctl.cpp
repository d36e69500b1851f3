// recountctl: the operators' command line over the hub's HTTP API (and, for audit verification,
// API tokens, backup and restore, over a hub data directory directly).
#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "hub/catalog/csv.hpp"
#include "hub/cli/alerts_command.hpp"
#include "hub/cli/audit_command.hpp"
#include "hub/cli/backup_command.hpp"
#include "hub/cli/claim_command.hpp"
#include "hub/cli/commands.hpp"
#include "hub/cli/corrections_command.hpp"
#include "hub/cli/device_command.hpp"
#include "hub/cli/drift_command.hpp"
#include "hub/cli/hub_key_command.hpp"
#include "hub/cli/import_command.hpp"
#include "hub/cli/metrics_command.hpp"
#include "hub/cli/migrate_command.hpp"
#include "hub/cli/overview_command.hpp"
#include "hub/cli/plans_command.hpp"
#include "hub/cli/policy_command.hpp"
#include "hub/cli/resolve_command.hpp"
#include "hub/cli/systems_command.hpp"
#include "hub/cli/token_command.hpp"
#include "hub/cli/unknown_command.hpp"
#include "hub/http/address.hpp"
#include "hub/http/position_text.hpp"

namespace {

// recountctl's whole run; main() only turns an escaping exception into a message and exit 2.
int run(int argc, char** argv) {
  using namespace recount::hub;
  CLI::App app{"recountctl: inspect and operate a recount hub"};
  app.require_subcommand(1);
  std::string hub_url = "http://127.0.0.1:8080";
  std::string data_dir;
  bool json = false;
  app.add_option("--hub", hub_url, "URL of the hub's HTTP API")->capture_default_str();
  app.add_option("--data", data_dir, "A hub data directory, for commands that can read it directly");
  std::string ledger_url;
  app.add_option("--ledger", ledger_url,
                 "With --data: the hub's ledger is in this PostgreSQL database (as recount-hub --ledger), not hub.db");
  std::string token_flag;
  std::string hub_ca;
  app.add_option("--token", token_flag,
                 "API token (default: $RECOUNT_TOKEN, else $XDG_CONFIG_HOME/recount/token or ~/.config/recount/token)");
  app.add_option("--hub-ca", hub_ca, "For an https:// hub: the CA certificate (PEM) that signed the hub's certificate");

  auto* stats = app.add_subcommand("stats", "Per device: distinct events stored and the highest contiguous seq");
  stats->add_flag("--json", json, "Print the API's JSON instead of a table");

  auto* dead_letters = app.add_subcommand("deadletters", "Messages and events the hub rejected, with reasons");
  dead_letters->add_flag("--json", json, "Print the API's JSON instead of a table");
  std::string device;
  int limit = 100;
  dead_letters->add_option("--device", device, "Only this device's");
  dead_letters->add_option("--limit", limit, "At most this many (1 to 1000)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();

  auto* conflicts = app.add_subcommand(
      "conflicts", "Different events devices sent at seqs the hub had stored: both versions, and their review");
  conflicts->add_flag("--json", json, "Print the API's JSON instead of a table");
  conflicts->add_option("--device", device, "Only this device's");
  conflicts->add_option("--limit", limit, "At most this many (1 to 1000)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();

  auto* tasks = app.add_subcommand("tasks", "Recount tasks, newest first");
  tasks->add_flag("--json", json, "Print the API's JSON instead of a table");
  std::string site;
  tasks->add_option("--site", site, "Only this site's");

  auto* unknown = app.add_subcommand("unknown-barcodes", "Barcodes the devices could not resolve, per site");
  unknown->add_flag("--json", json, "Print the API's JSON instead of a table");
  unknown->add_option("--site", site, "Only this site's");
  std::string unknown_state = "open";
  unknown->add_option("--state", unknown_state, "open, mapped or all")
      ->check(CLI::IsMember({"open", "mapped", "all"}))
      ->capture_default_str();
  auto* map_barcode = app.add_subcommand(
      "map-barcode", "Map a barcode the devices reported to an item; the catalog is republished (admin)");
  map_barcode->add_flag("--json", json, "Print the API's JSON");
  std::string map_site;
  std::string map_code;
  std::string map_sku;
  std::int64_t pack_qty = 1;
  map_barcode->add_option("--site", map_site, "The site whose devices reported it")->required();
  map_barcode->add_option("barcode", map_code, "The barcode as reported (a GTIN in any of its lengths)")->required();
  map_barcode->add_option("--sku", map_sku, "The item it means")->required();
  map_barcode->add_option("--pack-qty", pack_qty, "Base units one scan means")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000'000}))
      ->capture_default_str();

  auto* discrepancies = app.add_subcommand("discrepancies", "Discrepancies between counts and the ledger");
  discrepancies->add_flag("--json", json, "Print the API's JSON instead of a table");
  DiscrepancyFilters filters;
  discrepancies->add_option("--state", filters.state, "open, all, closed or a comma list of states")
      ->capture_default_str();
  discrepancies->add_option("--site", filters.site, "Only this site's");
  discrepancies->add_option("--classification", filters.classification, "variance, uom_error or ambiguous");
  discrepancies->add_option("--reason", filters.reason, "Only those adjusted with this reason code");
  discrepancies->add_option("--system", filters.system, "Only those against this system (warehouse)");
  discrepancies->add_option("--min-value", filters.min_value_cents, "At least this absolute value (cents)");
  discrepancies->add_option("--max-value", filters.max_value_cents, "At most this absolute value (cents)");
  discrepancies->add_option("--min-age", filters.min_age_ms, "Open at least this long (ms)");
  discrepancies->add_option("--max-age", filters.max_age_ms, "Open at most this long (ms)");
  discrepancies->add_option("--sort", filters.sort, "opened, value, age, updated or site; - first for descending");
  discrepancies->add_option("--limit", filters.limit, "A page of at most this many (1 to 1000)");
  discrepancies->add_option("--offset", filters.offset, "Skip this many matches first");

  auto* overview = app.add_subcommand("overview", "Open discrepancies, value at risk, measures and the fleet");
  overview->add_flag("--json", json, "Print the API's JSON");
  overview->add_option("--site", site, "Only this site's");

  auto* discrepancy = app.add_subcommand("discrepancy", "One discrepancy: every transition with when, who and why");
  discrepancy->add_flag("--json", json, "Print the API's JSON instead of a table");
  std::int64_t discrepancy_id = 0;
  discrepancy->add_option("id", discrepancy_id, "the discrepancy's id")->required()->check(CLI::PositiveNumber);

  auto* claim = app.add_subcommand("claim", "Record a case taken up with FBA about its discrepancy (approver)");
  ClaimStep claim_step;
  claim->add_option("id", claim_step.id, "the discrepancy's id")->required()->check(CLI::PositiveNumber);
  claim->add_option("--case", claim_step.case_id, "Amazon's case id")->required();
  claim->add_option("--state", claim_step.state, "filed (the default); reimbursed or denied close it")
      ->check(CLI::IsMember({"filed", "reimbursed", "denied"}));
  claim->add_option("--note", claim_step.note, "What was said or decided");
  claim->add_flag("--json", json, "Print the API's JSON");

  auto* positions = app.add_subcommand("positions", "Positions with their on-hand quantity");
  positions->add_flag("--json", json, "Print the API's JSON instead of a table");
  positions->add_option("--site", site, "Only this site's");
  std::string sku;
  positions->add_option("--sku", sku, "Only this SKU's");
  int position_limit = 1000;
  positions->add_option("--limit", position_limit, "At most this many (1 to 1000)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();

  auto* history = app.add_subcommand("history", "A position's events and counts in event-time order");
  history->add_flag("--json", json, "Print the API's JSON instead of a table");
  std::string position;
  const CLI::Validator position_check(
      [](const std::string& text) {
        auto parsed = parse_position_text("POSITION", text);
        return parsed ? std::string() : parsed.error().describe();
      },
      "SITE/LOCATION/SKU[/LOT]");
  history->add_option("position", position, "SITE/LOCATION/SKU[/LOT]; a '/' inside a code is written %2F")
      ->required()
      ->check(position_check);

  auto* plans = app.add_subcommand("plans", "The count plans in force: selection, frequency, owner, due and overdue");
  plans->add_option("--site", site, "Only this site's positions");
  plans->add_flag("--json", json, "Print the API's JSON instead of a table");
  auto* due = app.add_subcommand("due", "The counts the plans ask for, most overdue first");
  std::string due_state;
  due->add_option("--site", site, "Only this site's");
  due->add_option("--state", due_state, "open (default: due and overdue), due, overdue or done");
  due->add_flag("--json", json, "Print the API's JSON instead of a table");
  auto* drift = app.add_subcommand("drift", "When and where a position, a SKU or a site began to drift, and why");
  drift->add_flag("--json", json, "Print the API's JSON instead of a table");
  DriftSubject drift_subject;
  drift->add_option("position", drift_subject.position, "SITE/LOCATION/SKU[/LOT]; a '/' inside a code is written %2F")
      ->check(position_check);
  drift->add_option("--site", drift_subject.site, "Every drifting position of this site (instead of a position)");
  drift->add_option("--sku", drift_subject.sku, "With --site: only this SKU's locations");
  drift->add_option("--system", drift_subject.system,
                    "Trace a connected system's reports (shopify, fba, …) instead of the floor's counts");
  drift->add_option("--limit", drift_subject.limit, "With --site: at most this many positions (1 to 1000)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();

  auto* audit = app.add_subcommand("audit", "The hash-chained audit log");
  audit->require_subcommand(1);
  auto* audit_verify = audit->add_subcommand(
      "verify",
      "Check the chain and the events it records (of --data DIR if given, else through --hub), and against a "
      "signed checkpoint if given; exit 1 if an entry is broken");
  AuditVerifyOptions verify_options;
  audit_verify->add_option("--checkpoint", verify_options.checkpoint,
                           "A checkpoint file the hub signed (recount-hub --audit-checkpoints, or MQTT "
                           "recount/hub/v1/checkpoint): the chain must extend it");
  audit_verify->add_option("--hub-key", verify_options.hub_key,
                           "The hub's public key (PEM) to check the checkpoint with; default: the key in --data");
  auto* import = app.add_subcommand(
      "import", "Load CSV files: the catalog (docs/catalog.md) or opening balances (docs/api.md); exit 1 if rejected");
  import->require_subcommand(1);
  std::string import_file;
  std::string map_sku_target;
  auto* import_items =
      import->add_subcommand("items", "sku,description,unit_cost_cents or unit_cost,item_class,barcode,pack_qty");
  import_items->add_option("file", import_file, "the CSV file")->required();
  auto* import_locations = import->add_subcommand("locations", "site,location,label,location_class");
  import_locations->add_option("file", import_file, "the CSV file")->required();
  auto* import_users =
      import->add_subcommand("users", "site,badge,name,role,pin (pin optional; replaces a site's users)");
  import_users->add_option("file", import_file, "the CSV file")->required();
  auto* import_baseline = import->add_subcommand("baseline", "site,location,sku,lot,quantity,as_of");
  import_baseline->add_option("file", import_file, "the CSV file")->required();
  import->add_flag("--json", json, "Print the API's JSON");
  // So --json may follow the file, as docs/api.md writes it.
  std::string import_delimiter = "detect";
  std::string import_encoding = "utf-8";
  for (auto* kind : {import_items, import_locations, import_users, import_baseline}) {
    kind->fallthrough();
    kind->add_option("--delimiter", import_delimiter, "comma, semicolon, tab or detect (from the header line)")
        ->check([](const std::string& text) {
          return parse_delimiter(text) ? std::string() : "must be comma, semicolon, tab or detect";
        })
        ->capture_default_str();
    kind->add_option("--encoding", import_encoding, "utf-8, windows-1252 or auto (UTF-8 when valid, else windows-1252)")
        ->check([](const std::string& text) {
          return parse_encoding(text) ? std::string() : "must be utf-8, windows-1252 or auto";
        })
        ->capture_default_str();
  }
  ChannelImportOptions channel_import;
  std::map<std::string, CLI::App*> import_systems;
  for (const auto& [system, what] : {std::pair{"fba", "an Amazon FBA report: inventory (18/21 columns), AFN, ledger"},
                                     std::pair{"shopify", "a Shopify inventory export (docs/channels.md)"},
                                     std::pair{"pos", "a POS journal: time,register,receipt,line,sku,barcode,…"}}) {
    auto* command = import->add_subcommand(system, what);
    command->add_option("file", import_file, "the report file (gzip accepted)")->required();
    command->add_option("--site", channel_import.site, "the recount site it reports")->required();
    command->add_option("--encoding", channel_import.encoding, "auto (default), utf-8 or windows-1252");
    if (std::string_view(system) != "pos") {
      command->add_option("--as-of", channel_import.as_of, "ISO-8601 time the report states (default: the file's)");
    }
    if (std::string_view(system) == "shopify") {
      command->add_option("--locations", channel_import.locations, "CSV of SHOPIFY_LOCATION,LOCATION lines");
    }
    if (std::string_view(system) != "shopify") {
      command->add_option("--location", channel_import.location, "where movements land (default: the sales floor)");
    }
    import_systems[system] = command;
  }
  for (const auto& [system, command] : import_systems) command->fallthrough();
  auto* systems = app.add_subcommand("systems", "Connected systems per site: last report, SKUs, open discrepancies");
  systems->add_option("--site", site, "Only this site");
  systems->add_flag("--json", json, "Print the API's JSON");
  auto* map_sku_command = app.add_subcommand("map-sku", "Map a connected system's SKU to a catalog SKU");
  std::string map_system;
  std::string map_system_sku;
  std::string map_handle;
  std::vector<std::string> map_options;
  map_sku_command->add_option("system", map_system, "fba, shopify, pos")->required();
  map_sku_command->add_option("system_sku", map_system_sku,
                              "the SKU as the system spells it (with --handle: the catalog SKU)");
  map_sku_command->add_option("sku", map_sku_target, "the catalog SKU");
  map_sku_command->add_option("--handle", map_handle, "A Shopify variant without SKU: its Handle");
  map_sku_command->add_option("--option", map_options, "… and its option values, in order (repeat)")
      ->allow_extra_args(false);
  map_sku_command->add_flag("--json", json, "Print the API's JSON");
  auto* corrections =
      app.add_subcommand("corrections", "What the hub told, or must tell, each connected system (docs/corrections.md)");
  corrections->add_flag("--json", json, "Print the API's JSON instead of a table");
  std::string correction_system;
  std::string correction_state;
  corrections->add_option("--system", correction_system, "Only this system's (shopify, ...)");
  corrections->add_option("--state", correction_state, "pending, delivered, confirmed, reopened, failed or superseded");
  auto* corrections_retry = corrections->add_subcommand("retry", "Queue a failed correction again (counter lead)");
  std::int64_t correction_id = 0;
  corrections_retry->add_option("id", correction_id, "The correction's id")->required()->check(CLI::PositiveNumber);
  corrections_retry->add_flag("--json", json, "Print the API's JSON");
  auto* alerts = app.add_subcommand("alerts", "Alerts the policy's rules raised (docs/investigation.md)");
  alerts->add_flag("--json", json, "Print the API's JSON instead of a table");
  std::string alert_state;
  alerts->add_option("--state", alert_state, "open or acknowledged");
  alerts->add_option("--site", site, "Only this site's");
  auto* alerts_ack = alerts->add_subcommand("ack", "Acknowledge an open alert (counter lead)");
  std::int64_t alert_id = 0;
  alerts_ack->add_option("id", alert_id, "The alert's id")->required()->check(CLI::PositiveNumber);
  alerts_ack->add_flag("--json", json, "Print the API's JSON");
  auto* resolve = app.add_subcommand("resolve", "An operator's decision on one or more discrepancies");
  std::string action;
  std::string reason;
  std::vector<std::int64_t> resolve_ids;
  resolve->add_option("ids", resolve_ids, "The discrepancies' ids (more than one: decided each on its own)")
      ->check(CLI::PositiveNumber);
  resolve->add_option("--ids", resolve_ids, "The ids as a comma list")->delimiter(',')->check(CLI::PositiveNumber);
  resolve->add_option("--action", action, "approve, reject, write-off or correct-system (docs/channels.md)")
      ->required()
      ->check(CLI::IsMember({"approve", "reject", "write-off", "correct-system"}));
  resolve->add_option("--reason", reason, "The reason code (damage, theft, count_error, uom_error, …)")->required();
  resolve->add_flag("--json", json, "Print the API's JSON");
  auto* policy = app.add_subcommand("policy", "The tolerance policy in force (docs/reconciliation.md)");
  policy->add_flag("--json", json, "Print the API's JSON instead of a table");
  auto* policy_set = policy->add_subcommand("set", "Put the policy in a JSON file in force");
  std::string policy_file;
  bool reevaluate = false;
  policy_set->add_option("file", policy_file, "the policy document")->required();
  policy_set->add_flag("--reevaluate", reevaluate, "Re-judge every count under it at once");
  policy_set->fallthrough();  // so --json may follow the file
  auto* policy_what_if =
      policy->add_subcommand("what-if", "What a policy file would have done to recent counts; changes nothing");
  std::string what_if_file;
  WhatIfWindow what_if_window;
  policy_what_if->add_option("file", what_if_file, "the candidate policy document")->required();
  policy_what_if->add_option("--days", what_if_window.days, "The last N days of counts (1-366, default 30)")
      ->check(CLI::Range(1, 366));
  policy_what_if->add_option("--site", what_if_window.site, "Only this site's counts");
  policy_what_if->fallthrough();  // so --json may follow the file
  auto* metrics = app.add_subcommand("metrics", "Per site: variance rate, write-offs, resolution time");
  metrics->add_flag("--json", json, "Print the API's JSON instead of a table");
  metrics->add_option("--site", site, "Only this site's");
  std::string from;
  std::string to;
  metrics->add_option("--from", from, "From this ISO-8601 time (with offset)");
  metrics->add_option("--to", to, "Until this ISO-8601 time (with offset), exclusive");
  auto* reconcile = app.add_subcommand("reconcile", "Reconciliation upkeep");
  reconcile->require_subcommand(1);
  reconcile->add_subcommand("verify", "Recompute the projections from the movements and repair what differs")
      ->fallthrough();
  reconcile->add_flag("--json", json, "Print the API's JSON");
  auto* token = app.add_subcommand("token", "API tokens of operators, in the hub database of --data DIR");
  token->require_subcommand(1);
  auto* token_create = token->add_subcommand("create", "Make a token and print it, once");
  std::string token_name;
  std::string role;
  std::optional<std::int64_t> approval_limit;
  token_create->add_option("--name", token_name, "Who the token is for: the audited actor")->required();
  token_create->add_option("--role", role, "viewer, counter-lead, approver or admin")->required();
  token_create->add_option("--approval-limit", approval_limit,
                           "Largest discrepancy value (cents) it may approve or write off (default: the role's)");
  token_create->add_flag("--json", json, "Print {\"token\": ...}");
  auto* token_list = token->add_subcommand("list", "Every token's name, role, limit, creation and revocation");
  token_list->add_flag("--json", json, "Print JSON instead of a table");
  auto* token_revoke = token->add_subcommand("revoke", "Refuse a token from now on");
  token_revoke->add_option("name", token_name, "the token's name")->required();
  auto* hub_key =
      app.add_subcommand("hub-key", "Print the hub's public key (PEM) from --data DIR, to provision devices");
  std::string backup_file;
  auto* backup = app.add_subcommand(
      "backup",
      "Copy the hub database of --data DIR (or of --ledger URL) into FILE while the hub runs (SQLite's online "
      "backup; pg_dump for PostgreSQL); never overwrites");
  backup->add_option("file", backup_file, "the backup file to write (a SQLite database, or a pg_dump archive)")
      ->required();
  auto* restore = app.add_subcommand(
      "restore",
      "Put a backup FILE in place of the hub database of --data DIR or --ledger URL (the hub stopped); the replaced "
      "one is kept aside, and devices resend what the backup lacks");
  restore->add_option("file", backup_file, "the backup file to restore")->required();
  auto* migrate = app.add_subcommand("migrate", "Move the hub database of --data DIR elsewhere (the hub stopped)");
  migrate->require_subcommand(1);
  std::string migrate_url;
  auto* migrate_postgres = migrate->add_subcommand(
      "sqlite-to-postgresql",
      "Copy every table of DIR/hub.db into an empty PostgreSQL database in one transaction, then verify it");
  migrate_postgres->add_option(
      "--ledger", migrate_url,
      "The PostgreSQL database: postgresql://USER@HOST:PORT/DB (or recountctl's own --ledger)");
  migrate_postgres->add_option("--data", data_dir, "The hub's data directory (as recountctl's own --data)");
  auto* device_group = app.add_subcommand("device", "Devices' broker credentials (with --data HUBDIR)");
  device_group->require_subcommand(1);
  auto* provision = device_group->add_subcommand(
      "provision", "Make a device's broker password and ACL lines and a bundle for `recount-agent provision`");
  ProvisionRequest provision_request;
  bool revoke = false;
  provision->add_option("--site", provision_request.site, "The device's site")->required();
  provision->add_option("--device", provision_request.device, "The device's id")->required();
  provision->add_option("--broker", provision_request.broker, "mqtts://HOST:PORT as the device reaches the broker");
  provision->add_option("--ca", provision_request.ca_file, "The CA certificate (PEM) of the broker, for the bundle");
  provision->add_option("--passwords", provision_request.password_file, "Mosquitto's password_file")->required();
  provision->add_option("--acl", provision_request.acl_file, "Mosquitto's acl_file")->required();
  provision->add_option("--out", provision_request.bundle_file, "Where to write the bundle (mode 0600; secret)");
  provision->add_flag("--revoke", revoke, "Remove the device's password and ACL lines instead");
  CLI11_PARSE(app, argc, argv);
  const OutputFormat format = json ? OutputFormat::kJson : OutputFormat::kTable;

  const auto url = parse_hub_url("--hub", hub_url);
  const auto found = find_token(token_flag);
  HubEndpoint hub;
  if (url) hub.url = *url;
  hub.ca_file = hub_ca;
  hub.token = found.token;
  hub.token_source = found.source;
  const HubData hub_data{data_dir, ledger_url};
  CommandOutput output;
  if (!ledger_url.empty() && data_dir.empty()) {
    output = failed("--ledger: give the hub's data directory too (--data DIR), as recount-hub takes both");
  } else if (provision->parsed()) {
    provision_request.hub_data_dir = data_dir;
    if (revoke) {
      output = device_revoke_command(provision_request);
    } else if (data_dir.empty() || provision_request.broker.empty() || provision_request.bundle_file.empty()) {
      output = failed("device provision needs --data HUBDIR, --broker and --out (or --revoke)");
    } else {
      output = device_provision_command(provision_request);
    }
  } else if (migrate_postgres->parsed() && migrate_url.empty() && ledger_url.empty()) {
    output = failed("migrate sqlite-to-postgresql: name the target database with --ledger URL");
  } else if (migrate_postgres->parsed()) {
    output = migrate_to_postgres_command(data_dir, migrate_url.empty() ? ledger_url : migrate_url);
  } else if (backup->parsed()) {
    output = backup_command(hub_data, backup_file);
  } else if (restore->parsed()) {
    output = restore_command(hub_data, backup_file);
  } else if (hub_key->parsed()) {
    output = hub_key_command(data_dir);
  } else if (token->parsed() && data_dir.empty()) {
    output = failed("token: --data DIR must name the hub's data directory");
  } else if (token_create->parsed()) {
    output = token_create_command(hub_data, token_name, role, approval_limit, format);
  } else if (token_list->parsed()) {
    output = token_list_command(hub_data, format);
  } else if (token_revoke->parsed()) {
    output = token_revoke_command(hub_data, token_name);
  } else if (audit->parsed() && !data_dir.empty()) {
    output = audit_verify_local(hub_data, verify_options);
  } else if (!url) {
    output = failed(url.error().describe());
  } else if (resolve->parsed() && resolve_ids.empty()) {
    output = failed("resolve: name at least one discrepancy id");
  } else if (resolve->parsed()) {
    output = resolve_command(hub, resolve_ids, action, reason, format);
  } else if (overview->parsed()) {
    output = overview_command(hub, format, site);
  } else if (policy_what_if->parsed()) {
    output = policy_what_if_command(hub, what_if_file, what_if_window, format);
  } else if (policy_set->parsed()) {
    output = policy_set_command(hub, policy_file, reevaluate ? Reevaluate::kYes : Reevaluate::kNo, format);
  } else if (policy->parsed()) {
    output = policy_command(hub, format);
  } else if (metrics->parsed()) {
    output = metrics_command(hub, format, site, from, to);
  } else if (reconcile->parsed()) {
    output = reconcile_verify_command(hub, format);
  } else if (const auto system = std::find_if(import_systems.begin(), import_systems.end(),
                                              [](const auto& each) { return each.second->parsed(); });
             system != import_systems.end()) {
    output = import_channel_command(hub, system->first, import_file, channel_import, format);
  } else if (systems->parsed()) {
    output = systems_command(hub, format, site);
  } else if (map_sku_command->parsed()) {
    if (!map_handle.empty() || !map_options.empty()) {
      output = map_sku_target.empty() && !map_system_sku.empty()
                   ? map_variant_command(hub, format, map_system, map_handle, map_options, map_system_sku)
                   : failed(
                         "map-sku: with --handle name only the catalog SKU: map-sku shopify --handle H "
                         "[--option V]... SKU");
    } else if (map_sku_target.empty()) {
      output = failed("map-sku: name the system's SKU and the catalog SKU (or --handle for a Shopify variant)");
    } else {
      output = map_system_sku_command(hub, format, map_system, map_system_sku, map_sku_target);
    }
  } else if (import->parsed()) {
    TableOptions reading;
    reading.delimiter = parse_delimiter(import_delimiter).value_or(Delimiter::kDetect);  // checked by CLI11
    reading.encoding = parse_encoding(import_encoding).value_or(TextEncoding::kUtf8);
    if (import_baseline->parsed()) {
      output = import_baseline_command(hub, import_file, reading, format);
    } else {
      const auto kind = import_items->parsed()   ? ImportKind::kItems
                        : import_users->parsed() ? ImportKind::kUsers
                                                 : ImportKind::kLocations;
      output = import_command(hub, kind, import_file, reading, format);
    }
  } else if (stats->parsed()) {
    output = stats_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable);
  } else if (dead_letters->parsed()) {
    output = dead_letters_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable, device, limit);
  } else if (conflicts->parsed()) {
    output = conflicts_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable, device, limit);
  } else if (alerts_ack->parsed()) {
    output = ack_alert_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable, alert_id);
  } else if (alerts->parsed()) {
    output = alerts_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable, alert_state, site);
  } else if (corrections_retry->parsed()) {
    output = retry_correction_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable, correction_id);
  } else if (corrections->parsed()) {
    output = corrections_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable, correction_system,
                                 correction_state);
  } else if (unknown->parsed()) {
    output = unknown_barcodes_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable, site, unknown_state);
  } else if (map_barcode->parsed()) {
    output = map_barcode_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable, map_site, map_code, map_sku,
                                 pack_qty);
  } else if (tasks->parsed()) {
    output = tasks_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable, site);
  } else if (discrepancies->parsed()) {
    output = discrepancies_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable, filters);
  } else if (discrepancy->parsed()) {
    output = discrepancy_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable, discrepancy_id);
  } else if (claim->parsed()) {
    output = claim_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable, claim_step);
  } else if (positions->parsed()) {
    output = positions_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable, site, sku, position_limit);
  } else if (plans->parsed()) {
    output = plans_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable, site);
  } else if (due->parsed()) {
    output = due_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable, site, due_state);
  } else if (drift->parsed()) {
    output = drift_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable, drift_subject);
  } else if (history->parsed()) {
    output = history_command(hub, json ? OutputFormat::kJson : OutputFormat::kTable,
                             parse_position_text("POSITION", position).value());
  } else {
    output = audit_verify_remote(hub, verify_options);
  }
  std::cout << output.out;
  std::cerr << output.err;
  return output.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << "recountctl: " << error.what() << std::endl;
  } catch (...) {
    std::cerr << "recountctl: an unknown exception" << std::endl;
  }
  return recount::hub::kExitFailed;
}
