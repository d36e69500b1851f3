// A real PostgreSQL server for a test, in a temporary directory, as its own user: the storage
// suites run the hub's stores against it as they do against SQLite files.
#pragma once

#include <filesystem>
#include <string>

#include "tests/support/process.hpp"

namespace recount::testing {

// Owns one PostgreSQL cluster (the distribution's postgresql package) with one empty database,
// listening only on a unix socket in its temporary directory (run/, with its log); the destructor stops it at once
// and removes everything, also when the test failed. PostgreSQL refuses to run as root, so under
// root the cluster belongs to the `postgres` user (runuser).
//
// Fast by design, for tests: the server runs with fsync=off unless asked (a crash of the machine
// may lose its commits; a crash of the server does not; benchmarks ask for fsync on, which makes
// every commit wait for its WAL's fsync, as in production), and each cluster is a copy of a template made
// once per machine and user with initdb (under $TMPDIR, made under a lock by the first test that
// needs it), because initdb takes seconds. Not thread-safe.
class PostgresServer {
 public:
  enum class Fsync { kOff, kOn };

  // What the primary waits for on commit: kSynchronous, until the standby has flushed the commit
  // to its WAL (synchronous_standby_names), so a failover to it loses nothing committed.
  enum class Replication { kAsynchronous, kSynchronous };
  struct StandbyOf {
    PostgresServer& primary;
    Replication replication;
  };

  // Starts the server; throws std::runtime_error naming the failing step (initdb, pg_ctl) when it
  // cannot.
  explicit PostgresServer(Fsync fsync = Fsync::kOff);
  // Starts a hot standby of a running primary: a base backup of it (pg_basebackup), streaming
  // its WAL from then on, read-only until promote(). Returns once the primary sees it streaming
  // (and, for kSynchronous, waits for it on every commit).
  explicit PostgresServer(StandbyOf standby);
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  ~PostgresServer();

  // postgresql://recount@/recount?host=SOCKET_DIR: the database, as its owner.
  std::string url() const;

  // pg_ctl stop -m immediate: every session ends at once, as when the server crashes.
  void stop_immediately();
  // Starts it again on the same directory, after stop_immediately().
  void start();
  // pg_ctl promote: a standby becomes a primary that takes writes; returns once it does.
  void promote();
  // A standby stops receiving its primary's WAL (primary_conninfo emptied): what the primary
  // commits from then on is missing here, as the last commits are from an asynchronous standby
  // when its primary crashes. Returns once its WAL receiver has stopped.
  void stop_following();

  // The directory of its unix socket.
  const std::filesystem::path& socket_dir() const { return socket_dir_; }

 private:
  TempDir dir_;
  std::filesystem::path data_;
  std::filesystem::path socket_dir_;
  Fsync fsync_;
  bool running_ = false;
};

// A libpq URL listing `primary` and then `standby` that connects only to whichever of them takes
// writes (target_session_attrs=read-write), as a hub is configured for a database with failover.
std::string failover_url(const PostgresServer& primary, const PostgresServer& standby);

// A URL where no server listens (a free loopback port): connections to it are refused.
std::string refused_postgres_url();

}  // namespace recount::testing
