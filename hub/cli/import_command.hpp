// `recountctl import items|locations|users|baseline FILE.csv`: sends an import file to the hub and
// prints what was stored, or every problem with its line number.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "hub/catalog/catalog_store.hpp"
#include "hub/catalog/csv.hpp"
#include "hub/cli/commands.hpp"

namespace recount::hub {

// POST /api/v1/import/{items|locations|users}?delimiter=D&encoding=E, the hub reading the file as
// `reading` says (its delimiter and encoding; the other members are the hub's). Exit 0 when
// stored (prints the counts, the new catalog version, and the delimiter and encoding the hub
// read it with), 1 when the hub rejected the file (prints each problem on stderr as
// format_import_error() writes it, "FILE:LINE: COLUMN: message"), 2 when the file cannot be read
// or the hub cannot be reached. Blocks.
CommandOutput import_command(const HubEndpoint& hub, ImportKind kind, const std::filesystem::path& file,
                             const TableOptions& reading, OutputFormat format);

// POST /api/v1/import/baseline (opening balances); exits and prints as import_command.
CommandOutput import_baseline_command(const HubEndpoint& hub, const std::filesystem::path& file,
                                      const TableOptions& reading, OutputFormat format);

// The options of `recountctl import fba|shopify|pos FILE` (docs/channels.md); "" when not given.
struct ChannelImportOptions {
  std::string site;
  std::string as_of;                // ISO-8601 with an offset
  std::string encoding;             // auto, utf-8, windows-1252
  std::string location;             // where movements land
  std::filesystem::path locations;  // a CSV of SYSTEM_LOCATION,LOCATION lines
};

// A location map file (lines SYSTEM_LOCATION,LOCATION; '#' comments; LOCATION may be empty for
// the whole site) as the JSON object the import route takes. kNotFound when it cannot be read,
// kInvalidInput naming the file and line of a line without a comma.
Result<std::string> location_map_json(const std::filesystem::path& file);

// POST /api/v1/imports/{system}?site=…; exits and prints as import_command, with the report's
// notes and the SKUs listed for mapping.
CommandOutput import_channel_command(const HubEndpoint& hub, std::string_view system, const std::filesystem::path& file,
                                     const ChannelImportOptions& options, OutputFormat format);

}  // namespace recount::hub
