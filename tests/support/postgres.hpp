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

  // Starts the server; throws std::runtime_error naming the failing step (initdb, pg_ctl) when it
  // cannot.
  explicit PostgresServer(Fsync fsync = Fsync::kOff);
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  ~PostgresServer();

  // postgresql://recount@/recount?host=SOCKET_DIR: the database, as its owner.
  std::string url() const;

  // pg_ctl stop -m immediate: every session ends at once, as when the server crashes.
  void stop_immediately();
  // Starts it again on the same directory, after stop_immediately().
  void start();

 private:
  TempDir dir_;
  std::filesystem::path data_;
  std::filesystem::path socket_dir_;
  Fsync fsync_;
  bool running_ = false;
};

// A URL where no server listens (a free loopback port): connections to it are refused.
std::string refused_postgres_url();

}  // namespace recount::testing
