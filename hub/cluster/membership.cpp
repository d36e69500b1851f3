// The lease of reconciliation among several hubs, and which hub wrote the ledger last.
#include "hub/cluster/membership.hpp"

#include <iostream>
#include <utility>

#include "shared/storage/migrations.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::cluster {

Result<std::unique_ptr<Membership>> Membership::create(boost::asio::io_context& io, Ledger& ledger, std::string hub,
                                                       WallClock wall, MembershipOptions options) {
  storage::Connection& database = ledger.database();
  const storage::SchemaComponent components[] = {cluster_schema()};
  if (auto migrated = storage::migrate(database, components); !migrated) return migrated.error();
  auto leases = SiteLeases::prepare(database);
  if (!leases) return leases.error();
  auto last_writer = database.prepare("SELECT writer FROM ledger_writer WHERE id = 1");
  if (!last_writer) return last_writer.error();
  auto set_writer = database.prepare("UPDATE ledger_writer SET writer = ?1 WHERE id = 1");
  if (!set_writer) return set_writer.error();
  auto record_watermark = database.prepare(
      "INSERT INTO hub_watermarks (hub, oldest_waiting_ms, updated_ms) VALUES (?1, ?2, ?3)"
      " ON CONFLICT (hub) DO UPDATE SET oldest_waiting_ms = excluded.oldest_waiting_ms,"
      " updated_ms = excluded.updated_ms");
  if (!record_watermark) return record_watermark.error();
  // MIN skips the NULLs of hubs that hold nothing, and is NULL when every live hub does.
  auto others_waiting =
      database.prepare("SELECT MIN(oldest_waiting_ms) FROM hub_watermarks WHERE hub <> ?1 AND updated_ms > ?2");
  if (!others_waiting) return others_waiting.error();
  std::unique_ptr<Membership> membership(
      new Membership(io, ledger, std::move(hub), std::move(wall), options, std::move(*leases),
                     Statements{std::move(*last_writer), std::move(*set_writer), std::move(*record_watermark),
                                std::move(*others_waiting)}));
  ledger.on_write_begun([self = membership.get()] { return self->note_write(); });
  return membership;
}

Membership::Membership(boost::asio::io_context& io, Ledger& ledger, std::string hub, WallClock wall,
                       MembershipOptions options, SiteLeases leases, Statements statements)
    : ledger_(ledger),
      hub_(std::move(hub)),
      wall_(std::move(wall)),
      options_(options),
      leases_(std::move(leases)),
      statements_(std::move(statements)),
      renew_timer_(io),
      follow_timer_(io) {}

Membership::~Membership() { ledger_.on_write_begun(nullptr); }

Result<void> Membership::note_write() {
  // Under the ledger's lock: no other write can come between this read and the commit, so a
  // hub that finds its own name wrote last knows nothing changed since.
  auto found = statements_.last_writer.step();
  if (!found) return found.error();
  const bool mine = *found && statements_.last_writer.column_text(0) == hub_;
  statements_.last_writer.reset();
  if (mine) return {};
  ledger_.database().note_written_elsewhere();
  return statements_.set_writer.bind(1, hub_).run();
}

Result<void> Membership::record(std::optional<std::int64_t> oldest_waiting_ms, std::int64_t now_ms) {
  auto& statement = statements_.record_watermark;
  statement.bind(1, hub_);
  if (oldest_waiting_ms) {
    statement.bind(2, *oldest_waiting_ms);
  } else {
    statement.bind_null(2);
  }
  return statement.bind(3, now_ms).run();
}

Result<std::optional<std::int64_t>> Membership::others_oldest_waiting(std::int64_t now_ms) {
  return storage::first_int(statements_.others_waiting.bind(1, hub_).bind(2, now_ms - options_.lease_ttl.count()));
}

void Membership::start(MembershipCallbacks callbacks) {
  callbacks_ = std::move(callbacks);
  renew();
  arm_follow();
}

void Membership::stop() {
  stopped_ = true;
  renew_timer_.cancel();
  follow_timer_.cancel();
  if (!owner_) return;
  owner_ = false;
  if (auto released = leases_.release(std::string(kReconciliationLease), hub_); !released) {
    std::cerr << "recount-hub: releasing the lease of reconciliation: " << released.error().describe()
              << " (another hub takes it when it lapses)" << std::endl;
  }
}

void Membership::renew() {
  const std::int64_t now_ms = wall_();
  auto lease = leases_.acquire_or_renew(std::string(kReconciliationLease), hub_, now_ms, options_.lease_ttl.count());
  if (!lease) {
    renew_failures_.failed(lease.error().describe() + " (retrying)");
    if (owner_ && now_ms >= expires_ms_) {
      owner_ = false;
      callbacks_.lost("it lapsed while the database could not be reached");
    }
    arm_renew();
    return;
  }
  renew_failures_.worked();
  const bool held = lease->held_by(hub_, now_ms);
  // It lapsed (this hub was late to renew) and this hub took it again: the token rose by one for
  // this hub's new term, and by one more for each other hub's term in between.
  if (owner_ && held && lease->token == token_ + 1) {
    // Before its end as this hub last renewed it: the ledger lost that renewal (it went back in
    // time, as after a failover to a standby that lagged), not this hub's thread.
    if (now_ms < expires_ms_) {
      std::cerr << "recount-hub: the ledger held an older lease of reconciliation than this hub had renewed (it went "
                   "back in time); no other hub took it, and this hub took it again"
                << std::endl;
    } else {
      std::cerr << "recount-hub: the lease of reconciliation lapsed " << now_ms - expires_ms_
                << " ms before this hub renewed it (its thread was busy that long); no other hub took it" << std::endl;
    }
    token_ = lease->token;
  }
  if (owner_ && (!held || lease->token != token_)) {
    // Another hub held it in between: this hub's view of the owner's work (what it published,
    // when it judged) is no longer to be trusted.
    owner_ = false;
    callbacks_.lost(held ? "another hub held it while it had lapsed" : "hub " + lease->owner + " holds it");
  } else if (!owner_ && held) {
    owner_ = true;
    token_ = lease->token;
    callbacks_.became_owner();
  }
  if (owner_) expires_ms_ = lease->expires_ms;
  arm_renew();
}

void Membership::arm_renew() {
  if (stopped_) return;
  renew_timer_.expires_after(options_.lease_ttl / 3);
  renew_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || stopped_) return;
    renew();
  });
}

void Membership::arm_follow() {
  follow_timer_.expires_after(options_.follow_every);
  follow_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || stopped_) return;
    callbacks_.follow(owner_);
    arm_follow();
  });
}

}  // namespace recount::hub::cluster
