// One hub's part among several sharing one PostgreSQL ledger and one broker (docs/scale-out.md,
// "Several hubs"). Every hub stores and acks the batches the broker gives it. One of them, the
// holder of the lease kReconciliationLease, also does what must happen once: it applies what
// every hub stored to the projections, in the ledger's order, judges the counts, publishes task
// lists and catalogs, signs audit checkpoints, delivers corrections and alerts, and evaluates
// the count plans. The lease lapses unless renewed, so when its hub dies another one takes it
// within lease_ttl plus one renewal interval.
//
// Two hubs acting as owner at once (one stalled past its lease and not told yet) cost work done
// twice, never a wrong ledger: every write holds the ledger's one lock (Ledger::begin_write), and
// in each write the membership notes which hub wrote last, so a hub that finds another one wrote
// since drops what it remembers of the tables (Connection::note_written_elsewhere()) before it
// reads them. Each hub's ingest also records here how far it has stored what it received
// (ReceiveWatermarks), so the owner judges no count before another hub stored the movements it
// received first.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/cluster/site_lease.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/writes/receive_watermarks.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/repeated_failure.hpp"
#include "shared/core/result.hpp"

namespace recount::hub::cluster {

// The lease of reconciliation: one for every site, since the projections apply the events of
// all sites in the one order the ledger stored them (docs/scale-out.md says why not one a site).
// Not a site id: those are [A-Za-z0-9_-] only (shared/domain/identifiers.hpp).
inline constexpr std::string_view kReconciliationLease = "*";

struct MembershipOptions {
  // How long the lease lasts unless renewed; it is renewed every third of it. The hubs' clocks
  // must agree to well within it (NTP).
  std::chrono::milliseconds lease_ttl{6'000};
  // How often a hub looks for what other hubs wrote (MembershipCallbacks::follow).
  std::chrono::milliseconds follow_every{250};
};

struct MembershipCallbacks {
  std::function<void()> became_owner;  // this hub took the lease: start the owner's work
  // This hub held the lease and lost it (it could not renew in time, or another hub holds it).
  std::function<void(const std::string& why)> lost;
  // Every follow_every, on every hub; `owner`: whether this one holds the lease.
  std::function<void(bool owner)> follow;
};

// Runs on `io` (one thread, the ledger's). Not thread-safe. `ledger` must outlive it, and it must
// outlive every handler it posted (stop() it and destroy it after the io_context has stopped).
class Membership final : public ReceiveWatermarks {
 public:
  // Migrates the cluster's tables (call outside any transaction), prepares the lease, writer and
  // watermark statements on the ledger's connection and hooks every write of the ledger (Ledger::
  // on_write_begun). `hub` is this hub's client id, unique among the hubs. Errors: kIo and
  // kUnsupportedVersion as for the migration and the statements.
  static Result<std::unique_ptr<Membership>> create(boost::asio::io_context& io, Ledger& ledger, std::string hub,
                                                    WallClock wall = system_wall_clock(),
                                                    MembershipOptions options = {});
  Membership(const Membership&) = delete;
  Membership& operator=(const Membership&) = delete;
  ~Membership() override;

  // Tries for the lease now and then every lease_ttl / 3, renewing it while held, and starts the
  // follow timer; tells `callbacks` what happens. Call once.
  void start(MembershipCallbacks callbacks);

  // Stops the timers and releases the lease if this hub holds it, so another hub takes over at
  // once instead of after the lease's time. Blocks on the database; an error goes to stderr.
  void stop();

  bool owner() const { return owner_; }

  // ReceiveWatermarks, in the table hub_watermarks; a hub is live while it recorded within
  // lease_ttl. One round trip each.
  Result<void> record(std::optional<std::int64_t> oldest_waiting_ms, std::int64_t now_ms) override;
  Result<std::optional<std::int64_t>> others_oldest_waiting(std::int64_t now_ms) override;

 private:
  // The prepared statements, on the ledger's connection.
  struct Statements {
    storage::Statement last_writer;
    storage::Statement set_writer;
    storage::Statement record_watermark;
    storage::Statement others_waiting;
  };
  Membership(boost::asio::io_context& io, Ledger& ledger, std::string hub, WallClock wall, MembershipOptions options,
             SiteLeases leases, Statements statements);
  // The ledger's write hook: notes this hub as the last writer, and the connection as written
  // elsewhere when another hub was.
  Result<void> note_write();
  void renew();
  void arm_renew();
  void arm_follow();

  Ledger& ledger_;
  std::string hub_;
  WallClock wall_;
  MembershipOptions options_;
  SiteLeases leases_;
  Statements statements_;
  MembershipCallbacks callbacks_;
  boost::asio::steady_timer renew_timer_;
  boost::asio::steady_timer follow_timer_;
  bool owner_ = false;
  std::int64_t token_ = 0;       // the term of the lease while owner_
  std::int64_t expires_ms_ = 0;  // when the lease lapses unless renewed, while owner_
  bool stopped_ = false;
  // Renewals fail every third of the lease while the database is away: said once, then once a minute.
  RepeatedFailure renew_failures_{"recount-hub: the lease of reconciliation"};
};

}  // namespace recount::hub::cluster
