// recount-agent subcommands.
#include "agent/cli/commands.hpp"

#include <chrono>
#include <iomanip>
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <nlohmann/json.hpp>

#include "agent/daemon/agent_daemon.hpp"
#include "agent/journal/journal.hpp"
#include "agent/sync/hub_key.hpp"
#include "shared/core/memory.hpp"
#include "shared/core/random_id.hpp"
#include "shared/domain/limits.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/device_bundle.hpp"
#include "shared/protocol/json_writer.hpp"
#include "shared/storage/atomic_file.hpp"

namespace recount::agent {
namespace {

std::optional<Journal> open_journal(const DataOptions& data, std::ostream& err) {
  auto journal = Journal::open(data.data_dir, data.site, data.device);
  if (!journal) {
    err << "recount-agent: " << journal.error().describe() << '\n';
    return std::nullopt;
  }
  return std::move(*journal);
}

nlohmann::json status_json(const JournalStatus& status) {
  return {{"site", status.identity.site},
          {"device", status.identity.device},
          {"epoch", status.identity.epoch},
          {"total", status.total},
          {"unsent", status.unsent},
          {"unacked", status.unacked},
          {"acked", status.acked},
          {"rejected", status.rejected},
          {"last_seq", status.last_seq},
          {"last_acked_seq", status.acked_through},
          {"last_ack_ms", status.last_ack_ms},
          {"skew_ms", status.skew_ms},
          {"refused_acks", status.refused_acks},
          {"refused_catalogs", status.refused_catalogs},
          {"refused_task_lists", status.refused_task_lists}};
}

}  // namespace

int record_one(const DataOptions& data, Event draft, std::ostream& out, std::ostream& err) {
  auto journal = open_journal(data, err);
  if (!journal) return 1;
  auto event = journal->record(std::move(draft));
  if (!event) {
    err << "recount-agent: not recorded: " << event.error().describe() << '\n';
    return 1;
  }
  out << event->seq << std::endl;
  return 0;
}

int record_jsonl(const DataOptions& data, std::istream& in, std::ostream& out, std::ostream& err) {
  auto journal = open_journal(data, err);
  if (!journal) return 1;
  // Lines that are already buffered go into one transaction (up to kChunk), so a file is fast;
  // a line typed or piped slowly is committed and confirmed on its own, without waiting.
  constexpr std::size_t kChunk = 256;
  std::vector<Event> chunk;
  bool clean = true;
  auto flush = [&]() -> bool {
    if (chunk.empty()) return true;
    auto stored = journal->record_all(std::move(chunk));
    chunk.clear();
    if (!stored) {
      err << "recount-agent: not recorded: " << stored.error().describe() << '\n';
      return false;
    }
    for (const auto& event : *stored) out << event.seq << '\n';
    out.flush();
    return true;
  };
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto draft = protocol::decode_draft_event(line);
    if (!draft) {
      err << "recount-agent: line " << number << ": " << draft.error().describe() << '\n';
      clean = false;
    } else {
      chunk.push_back(std::move(*draft));
    }
    if (chunk.size() >= kChunk || in.rdbuf()->in_avail() <= 0) {
      if (!flush()) return 1;
    }
  }
  if (!flush()) return 1;
  return clean ? 0 : 1;
}

int print_status(const DataOptions& data, OutputFormat format, std::ostream& out, std::ostream& err) {
  auto journal = open_journal(data, err);
  if (!journal) return 1;
  auto status = journal->status();
  if (!status) {
    err << "recount-agent: " << status.error().describe() << '\n';
    return 1;
  }
  if (format == OutputFormat::kJson) {
    out << status_json(*status).dump() << '\n';
    return 0;
  }
  out << "device " << status->identity.device << " at site " << status->identity.site << " (epoch "
      << status->identity.epoch << ")\n"
      << "  events   " << status->total << " (last seq " << status->last_seq << ")\n"
      << "  unsent   " << status->unsent << "\n"
      << "  unacked  " << status->unacked << "\n"
      << "  acked    " << status->acked << " (through seq " << status->acked_through << ")\n"
      << "  rejected " << status->rejected << "\n"
      << "  refused from the hub's topics: " << status->refused_acks << " ack(s), " << status->refused_catalogs
      << " catalog(s), " << status->refused_task_lists << " task list(s)\n";
  return 0;
}

int print_journal(const DataOptions& data, OutputFormat format, std::uint64_t from, std::size_t limit,
                  std::ostream& out, std::ostream& err) {
  auto journal = open_journal(data, err);
  if (!journal) return 1;
  auto entries = journal->list(from, limit);
  if (!entries) {
    err << "recount-agent: " << entries.error().describe() << '\n';
    return 1;
  }
  if (format == OutputFormat::kJson) {
    // Each event in its stored form (encode_event, with "v"), read back once to add its state.
    protocol::JsonWriter list;
    list.begin_array();
    for (const auto& entry : *entries) {
      const std::string event = protocol::encode_event(entry.event);
      const auto document = protocol::JsonDocument::parse(event);
      if (!document) {
        err << "recount-agent: " << document.error().describe() << '\n';
        return 1;
      }
      list.begin_object();
      list.members(document->root());
      list.field("sync_state", to_string(entry.state));
      list.optional("rejection", entry.rejection);
      list.end_object();
    }
    list.end_array();
    out << list.text() << '\n';
    return 0;
  }
  for (const auto& entry : *entries) {
    const auto& event = entry.event;
    out << std::setw(8) << event.seq << "  " << std::setw(15) << std::left << to_string(event.type) << std::right
        << "  " << event.location << (event.to_location.empty() ? "" : " -> " + event.to_location) << "  " << event.sku
        << "  qty " << event.qty << "  [" << to_string(entry.state) << "]"
        << (entry.rejection.empty() ? "" : " " + entry.rejection) << '\n';
  }
  return 0;
}

int run_sync(const std::filesystem::path& data_dir, const RunOptions& run, const Environment& environment,
             std::ostream& out, std::ostream& err) {
  // The daemon runs within a device's memory budget (docs/performance.md, "The agent's memory"):
  // a catalog chunk's text (~0.3 MB) is mapped apart, at glibc's own first threshold.
  map_large_allocations_apart(std::size_t{128} * 1024);
  auto provisioning = resolve_provisioning(run.flags, environment);
  if (!provisioning) {
    err << "recount-agent: " << provisioning.error().describe() << '\n';
    return 1;
  }
  auto notify = systemd::notify_settings_from_environment();
  if (!notify) {
    err << "recount-agent: " << notify.error().describe() << '\n';
    return 1;
  }
  auto notify_socket = systemd::NotifySocket::open(*notify);
  if (!notify_socket) {
    err << "recount-agent: " << notify_socket.error().describe() << '\n';
    return 1;
  }
  AgentOptions options;
  options.data_dir = data_dir;
  options.site = provisioning->site;
  options.device = provisioning->device;
  options.link = provisioning->link;
  options.hub_key_file = provisioning->hub_key_file;
  options.hub_key = provisioning->hub_key;
  options.hub_key_origin = provisioning->hub_key_origin;
  options.retention.keep = std::chrono::days(run.retention_days);
  boost::asio::io_context io;
  auto daemon = AgentDaemon::create(io, std::move(options), out, err);
  if (!daemon) {
    const auto& error = daemon.error();
    const bool identity = error.code == ErrorCode::kConflict && (error.field == "site" || error.field == "device");
    err << "recount-agent: " << (identity ? provisioning->identity_origin + ": " : "") << error.describe() << '\n';
    return 1;
  }
  systemd::ServiceNotifier notifier(
      io, std::move(*notify_socket), *notify, [&] { return (*daemon)->status_line(); }, err);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int) {
    if (error) return;
    notifier.stopping();
    (*daemon)->stop();
    io.stop();
  });
  const auto hang = systemd::arm_test_hang(io, run.test_hang);
  (*daemon)->start();
  notifier.ready();
  const auto& identity = (*daemon)->identity();
  const auto& hub_key = (*daemon)->hub_key();
  out << "recount-agent syncing device " << identity.device << " of site " << identity.site << " via "
      << (*daemon)->link().uri << " trusting hub key " << (hub_key ? hub_key->fingerprint() : "none") << std::endl;
  io.run();
  return 0;
}

int provision_device(const std::filesystem::path& data_dir, const std::filesystem::path& bundle_file, std::ostream& out,
                     std::ostream& err) {
  auto text = storage::read_whole_file(bundle_file);
  if (!text) {
    err << "recount-agent: " << text.error().describe() << '\n';
    return 1;
  }
  auto bundle = protocol::decode_bundle(*text);
  if (!bundle) {
    err << "recount-agent: " << bundle_file.string() << ": " << bundle.error().describe() << '\n';
    return 1;
  }
  auto journal = open_journal(DataOptions{data_dir, bundle->site, bundle->device}, err);
  if (!journal) return 1;
  LinkChanges changes;
  changes.uri = bundle->broker;
  if (!bundle->ca_pem.empty()) changes.ca_pem = bundle->ca_pem;
  changes.username = bundle->username;
  changes.password = bundle->password;
  if (auto link = update_link(data_dir, changes); !link) {
    err << "recount-agent: " << bundle_file.string() << ": " << link.error().describe() << '\n';
    return 1;
  }
  auto hub_key = crypto::PublicKey::from_pem(bundle->hub_key_pem);
  if (!hub_key) {
    err << "recount-agent: " << bundle_file.string() << ": hub_key " << hub_key.error().message << '\n';
    return 1;
  }
  if (auto ok = trusted_hub_key(data_dir, *hub_key, bundle_file.string()); !ok) {
    err << "recount-agent: " << bundle_file.string() << ": " << ok.error().describe() << '\n';
    return 1;
  }
  out << "recount-agent: provisioned device " << bundle->device << " of site " << bundle->site << " for "
      << bundle->broker << " as " << bundle->username << '\n';
  return 0;
}

}  // namespace recount::agent
