// recount-agent: the device program. Parses the command line and hands over to agent/cli.
#include <cstdint>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "agent/cli/commands.hpp"
#include "agent/cli/decode_command.hpp"
#include "agent/cli/gs1_command.hpp"
#include "agent/cli/scan_command.hpp"
#include "agent/scan/serial_scanner.hpp"
#include "agent/workflow/work_mode.hpp"

namespace {

// Options every subcommand that opens a data directory takes.
void add_data_options(CLI::App& command, recount::agent::DataOptions& data) {
  command.add_option("--data", data.data_dir, "data directory holding the journal")->required();
  command.add_option("--site", data.site, "site id (first use of --data only)");
  command.add_option("--device", data.device, "device id (first use of --data only)");
}

int run(int argc, char** argv) {
  using namespace recount;
  using namespace recount::agent;
  CLI::App app{"recount-agent: durable scan journal and offline-first sync for handhelds and kiosks"};
  app.require_subcommand(1);
  DataOptions data;

  auto* run = app.add_subcommand(
      "run",
      "sync the journal with the hub until SIGINT/SIGTERM; site, device, link and hub key from the flags, else "
      "$CREDENTIALS_DIRECTORY/recount-device-bundle, else RECOUNT_SITE, RECOUNT_DEVICE, RECOUNT_BROKER, ... "
      "(docs/deployment.md)");
  add_data_options(*run, data);
  // Stored in the data directory on first use; a value given later replaces the stored one.
  std::string broker, username;
  std::filesystem::path ca_file, cert_file, key_file, password_file;
  run->add_option("--mqtt", broker,
                  "broker URI, mqtts://HOST:PORT (TLS) or tcp://HOST:PORT; stored, needed on first use only; a new "
                  "URI replaces all stored link settings");
  run->add_option("--mqtt-ca", ca_file, "PEM CA that signed the broker's certificate (host name checked too); stored");
  run->add_option("--mqtt-cert", cert_file, "client certificate (PEM); stored");
  run->add_option("--mqtt-key", key_file, "its private key (PEM); stored with mode 0600");
  run->add_option("--mqtt-username", username, "broker user name; stored");
  run->add_option("--mqtt-password-file", password_file,
                  "file whose first line is the broker password; stored with mode 0600");
  RunOptions run_options;
  run->add_option("--retention-days", run_options.retention_days, "keep acked events this many days")
      ->check(CLI::Range(1, 36500))
      ->capture_default_str();
  std::optional<std::filesystem::path> hub_key;
  run->add_option("--hub-key", hub_key,
                  "the hub's public key (PEM, from `recountctl --data DIR hub-key`), stored in --data on first use");
  bool test_hang = false;
  run->add_flag("--test-hang-on-sigusr2", test_hang, "tests of the systemd watchdog: SIGUSR2 blocks the event loop")
      ->group("");

  auto* provision = app.add_subcommand(
      "provision", "join a hub with a bundle from `recountctl device provision` (identity, broker link, hub key)");
  std::filesystem::path provision_dir, bundle_file;
  provision->add_option("--data", provision_dir, "data directory (created for the bundle's site and device)")
      ->required();
  provision->add_option("bundle", bundle_file, "the bundle file")->required();

  auto* record = app.add_subcommand("record", "append events to the journal (prints each seq once durable)");
  add_data_options(*record, data);
  std::string type_name, reason_name, jsonl;
  Event draft;
  record->add_option("type", type_name, "count, location_closed, receive, putaway, move, adjust, sale, ship");
  record->add_option("--location", draft.location, "location (source for putaway/move)");
  record->add_option("--sku", draft.sku, "SKU");
  record->add_option("--qty", draft.qty, "quantity in base units (signed delta for adjust)");
  record->add_option("--to", draft.to_location, "destination for putaway/move");
  record->add_option("--reason", reason_name, "reason code for adjust");
  record->add_option("--user", draft.user, "who (badge)");
  record->add_option("--ref", draft.reference, "PO/ASN reference");
  record->add_option("--lot", draft.lot, "lot/batch");
  record->add_option("--session", draft.session, "count session id");
  record->add_option("--task", draft.task_id, "recount task id");
  record->add_option("--jsonl", jsonl, "read one JSON event per line from FILE, or - for stdin");

  auto* status = app.add_subcommand("status", "print the journal's sync state");
  add_data_options(*status, data);
  bool json = false;
  status->add_flag("--json", json, "machine-readable output");

  auto* journal = app.add_subcommand("journal", "list the journal's events with their sync state");
  add_data_options(*journal, data);
  std::uint64_t from = 1;
  std::size_t limit = 1000000;
  journal->add_flag("--json", json, "machine-readable output");
  journal->add_option("--from", from, "first seq to list");
  journal->add_option("--limit", limit, "most events to list");

  auto* scan = app.add_subcommand(
      "scan",
      "the floor UI: a keyboard-wedge scanner on stdin, serial scanners and camera frames, one session (plain lines "
      "when not a terminal); with --serial or --watch it runs until SIGINT/SIGTERM");
  add_data_options(*scan, data);
  ScanCommandOptions scan_options;
  std::int64_t repeat_window_ms = 1500;
  scan->add_option("--repeat-window-ms", repeat_window_ms, "the same code within this time is shown as a repeat");
  bool plain = false, screen = false;
  scan->add_flag("--plain", plain, "line by line output even on a terminal");
  scan->add_flag("--screen", screen, "full-screen UI even when stdin or stdout is not a terminal");
  std::vector<std::string> serial_specs;
  scan->add_option("--serial", serial_specs,
                   "a serial or USB-CDC scanner, raw 8N1 (repeatable); BAUD 1200 to 921600, default "
                   "9600; a device not there yet, or unplugged later, is waited for and retried every 0.5 s to 5 s")
      ->type_name("DEVICE[:BAUD]");
  std::filesystem::path watch_dir;
  auto* watch =
      scan->add_option("--watch", watch_dir,
                       "a folder a camera writes frames into (.png/.jpg); each new frame is decoded once and left "
                       "in place (see --remove-frames); frames already there at start are skipped; DIR must exist")
          ->type_name("DIR");
  std::string mode_name = "count";
  scan->add_option("--mode", mode_name,
                   "the mode the session starts in (#mode changes it): " + work_mode_names() +
                       "; a point of sale that runs recount-agent records with sale, return and damage")
      ->type_name("MODE");
  bool remove_frames = false;
  scan->add_flag("--remove-frames", remove_frames,
                 "delete each frame of --watch's folder once decoded or found unreadable (a camera's capture folder)")
      ->needs(watch);
  scan->add_option("--frame-memory-limit-mib", scan_options.frame_memory_limit_mib,
                   "each frame of --watch's folder is decoded in a process of its own with at most this much memory "
                   "(heap and private mappings); a frame that needs more is reported and skipped. The default is "
                   "enough for frames of about 30 megapixels")
      ->check(CLI::Range(std::int64_t{16}, std::int64_t{1} << 20))
      ->capture_default_str()
      ->needs(watch);
  std::int64_t frame_time_limit_s =
      std::chrono::duration_cast<std::chrono::seconds>(scan_options.frame_time_limit).count();
  scan->add_option(
          "--frame-time-limit-s", frame_time_limit_s,
          "a frame of --watch's folder whose decoding takes longer is reported and skipped, its process killed")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str()
      ->needs(watch);

  auto* unresolved = app.add_subcommand("unresolved", "list scans the catalog did not know");
  add_data_options(*unresolved, data);
  unresolved->add_flag("--json", json, "one JSON object per line");

  auto* resolve = app.add_subcommand("resolve", "record unresolved scans whose barcode the catalog now knows");
  add_data_options(*resolve, data);

  auto* decode = app.add_subcommand("decode", "decode barcodes in PNG/JPEG images (one JSON line per image)");
  std::vector<std::filesystem::path> images;
  decode->add_option("images", images, "image files")->required();
  DecodeOptions decode_options;
  decode
      ->add_option("--memory-limit-mib", decode_options.memory_limit_mib,
                   "cap the decoder's memory (heap and private mappings) at this many MiB, and dump no core: an "
                   "image that needs more is refused with that reason (the camera folder's decoder runs so)")
      ->check(CLI::Range(std::int64_t{16}, std::int64_t{1} << 20));
  decode->add_flag("--sandbox", decode_options.sandbox,
                   "read the images named and nothing else: no other file read, nothing written, no privileges "
                   "gained (Landlock, where the kernel has it; the camera folder's decoder runs so)");

  auto* gs1 = app.add_subcommand("gs1", "parse GS1 data (raw scan, (01)... or Digital Link URI) and print it as JSON");
  std::string gs1_text;
  Gs1CommandOptions gs1_options;
  gs1->add_option("text", gs1_text, "the data; pass GS (FNC1) as in $'0109504000059101\\x1d10AB'")->required();
  gs1->add_option("--separator", gs1_options.extra_separators, "characters that also end variable-length fields");
  gs1->add_flag("--require-identifier", gs1_options.require_identifier,
                "raw data must start with a GS1 identifier (]C1, ...) or GS");
  gs1->add_flag("--pairing", gs1_options.enforce_pairing, "also apply GS1's AI pairing rules");
  gs1->add_option("--today", gs1_options.today, "YYYY-MM-DD that anchors two-digit years (default: today, UTC)");

  CLI11_PARSE(app, argc, argv);
  const auto format = json ? OutputFormat::kJson : OutputFormat::kText;

  if (*decode) return decode_images(images, decode_options, std::cout, std::cerr);
  if (*gs1) return print_gs1(gs1_text, gs1_options, std::cout, std::cerr);
  if (*scan) {
    scan_options.repeat_window = std::chrono::milliseconds(repeat_window_ms);
    scan_options.screen = plain ? ScreenMode::kPlain : screen ? ScreenMode::kScreen : ScreenMode::kDetect;
    const auto mode = parse_work_mode(mode_name);
    if (!mode) {
      std::cerr << "recount-agent: --mode: unknown mode '" << mode_name << "': use one of " << work_mode_names()
                << '\n';
      return 2;
    }
    scan_options.mode = *mode;
    for (const auto& spec : serial_specs) {
      auto port = parse_serial_spec(spec);
      if (!port) {
        std::cerr << "recount-agent: " << port.error().describe() << '\n';
        return 2;
      }
      scan_options.serial.push_back(std::move(*port));
    }
    if (!watch_dir.empty()) scan_options.watch = watch_dir;
    if (remove_frames) scan_options.decoded_frames = DecodedFrames::kRemove;
    scan_options.frame_time_limit = std::chrono::seconds(frame_time_limit_s);
    return run_scan(data, scan_options, std::cout, std::cerr);
  }
  if (*unresolved) return print_unresolved(data, format, std::cout, std::cerr);
  if (*resolve) return resolve_unresolved(data, std::cout, std::cerr);
  if (*provision) return provision_device(provision_dir, bundle_file, std::cout, std::cerr);
  if (*run) {
    auto link = read_link_options(broker, ca_file, cert_file, key_file, username, password_file);
    if (!link) {
      std::cerr << "recount-agent: " << link.error().describe() << '\n';
      return 2;
    }
    run_options.flags.site = data.site;
    run_options.flags.device = data.device;
    run_options.flags.link = std::move(*link);
    run_options.flags.hub_key_file = hub_key;
    run_options.test_hang = test_hang ? systemd::TestHang::kOnSigusr2 : systemd::TestHang::kNone;
    return run_sync(data.data_dir, run_options, process_environment(), std::cout, std::cerr);
  }
  if (*status) return print_status(data, format, std::cout, std::cerr);
  if (*journal) return print_journal(data, format, from, limit, std::cout, std::cerr);
  if (!jsonl.empty()) {
    if (jsonl == "-") return record_jsonl(data, std::cin, std::cout, std::cerr);
    std::ifstream file(jsonl);
    if (!file) {
      std::cerr << "recount-agent: cannot read " << jsonl << '\n';
      return 1;
    }
    return record_jsonl(data, file, std::cout, std::cerr);
  }
  const auto type = parse_event_type(type_name);
  if (!type) {
    std::cerr << "recount-agent: unknown event type '" << type_name << "'\n";
    return 2;
  }
  draft.type = *type;
  if (!reason_name.empty()) {
    draft.reason = parse_reason_code(reason_name);
    if (!draft.reason) {
      std::cerr << "recount-agent: unknown reason code '" << reason_name << "'\n";
      return 2;
    }
  }
  return record_one(data, std::move(draft), std::cout, std::cerr);
}

}  // namespace

// What nothing below catches (a failed allocation, a broken invariant of a library) ends the
// command with its message and exit 1, not std::terminate's abort.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << "recount-agent: " << error.what() << std::endl;
  } catch (...) {
    std::cerr << "recount-agent: an unknown exception" << std::endl;
  }
  return 1;
}
