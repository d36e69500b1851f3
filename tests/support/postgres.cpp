// Test PostgreSQL server.
#include "tests/support/postgres.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace recount::testing {
namespace {

namespace fs = std::filesystem;

// The newest server the distribution installed: /usr/lib/postgresql/VERSION/bin.
fs::path server_bin() {
  fs::path best;
  int best_version = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", error)) {
    const int version = std::atoi(entry.path().filename().c_str());
    if (version > best_version && fs::exists(entry.path() / "bin" / "pg_ctl")) {
      best_version = version;
      best = entry.path() / "bin";
    }
  }
  if (best.empty()) throw std::runtime_error("no PostgreSQL server in /usr/lib/postgresql (scripts/setup installs it)");
  return best;
}

bool as_root() { return geteuid() == 0; }

// argv run as the cluster's owner: `postgres` under root, else the test's own user.
std::vector<std::string> as_owner(std::vector<std::string> argv) {
  if (!as_root()) return argv;
  std::vector<std::string> wrapped{"runuser", "-u", "postgres", "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

// A directory the cluster's owner may write to.
void give_to_owner(const fs::path& path) {
  if (as_root()) run_or_throw({"chown", "postgres:postgres", path.string()});
}

// Others may pass through (not list): the owner reaches its directories below.
void open_for_traversal(const fs::path& path) {
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
}

// What `sql` printed (unaligned, tuples only) on the database at `url`; throws when it failed.
std::string psql(const std::string& url, const std::string& sql) {
  const auto result =
      run_command({"psql", "--no-psqlrc", "--tuples-only", "--no-align", "--dbname=" + url, "--command=" + sql});
  if (result.exit_code != 0) throw std::runtime_error(sql + ": " + result.err);
  return result.out;
}

void start_cluster(const fs::path& bin, const fs::path& data, const fs::path& socket_dir, const fs::path& log,
                   PostgresServer::Fsync fsync = PostgresServer::Fsync::kOff) {
  const std::string durability = fsync == PostgresServer::Fsync::kOn ? "" : " -c fsync=off -c full_page_writes=off";
  run_or_throw(as_owner({(bin / "pg_ctl").string(), "-D", data.string(), "-l", log.string(), "-w", "-t", "60", "-o",
                         "-k " + socket_dir.string() + " -c listen_addresses= -p 5432" + durability, "start"}));
}

void stop_cluster(const fs::path& bin, const fs::path& data, const std::string& mode) {
  run_or_throw(as_owner({(bin / "pg_ctl").string(), "-D", data.string(), "-m", mode, "-w", "-t", "60", "stop"}));
}

// The template cluster: initdb'ed, with the database `recount`, shut down cleanly. Made once under
// a lock (tests run in parallel) and moved into place whole, so a half-made one is never used.
fs::path template_cluster(const fs::path& bin) {
  const char* base = std::getenv("TMPDIR");
  const fs::path root = base != nullptr ? base : "/tmp";
  const std::string tag = "recount-postgres-" + std::to_string(geteuid()) + "-" + bin.parent_path().filename().string();
  fs::path done = root / tag;
  if (fs::exists(done / "data" / "PG_VERSION")) return done;

  const int lock = ::open((root / (tag + ".lock")).c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) throw std::runtime_error("cannot lock the PostgreSQL template");
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{lock};
  if (fs::exists(done / "data" / "PG_VERSION")) return done;

  std::string pattern = (root / (tag + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create " + pattern);
  const fs::path making = pattern;
  open_for_traversal(making);
  give_to_owner(making);
  run_or_throw(as_owner({(bin / "initdb").string(), "-D", (making / "data").string(), "-U", "recount", "--auth=trust",
                         "--no-sync", "-E", "UTF8", "--locale=C"}),
               std::chrono::seconds(300));
  start_cluster(bin, making / "data", making, making / "template.log");
  const auto created =
      run_command({(bin / "createdb").string(), "-h", making.string(), "-p", "5432", "-U", "recount", "recount"});
  stop_cluster(bin, making / "data", "fast");
  if (created.exit_code != 0) throw std::runtime_error("createdb failed: " + created.err);
  fs::remove_all(done);
  fs::rename(making, done);
  return done;
}

}  // namespace

PostgresServer::PostgresServer(Fsync fsync) : data_(dir_ / "data"), socket_dir_(dir_ / "run"), fsync_(fsync) {
  const auto bin = server_bin();
  const auto source = template_cluster(bin);
  open_for_traversal(dir_.path());
  run_or_throw({"cp", "-a", (source / "data").string(), data_.string()});
  fs::create_directory(socket_dir_);
  give_to_owner(socket_dir_);
  start();
}

PostgresServer::PostgresServer(StandbyOf standby)
    : data_(dir_ / "data"), socket_dir_(dir_ / "run"), fsync_(standby.primary.fsync_) {
  const auto bin = server_bin();
  open_for_traversal(dir_.path());
  give_to_owner(dir_.path());
  fs::create_directory(socket_dir_);
  give_to_owner(socket_dir_);
  // -R: standby.signal and the primary's address, so it starts as its standby.
  run_or_throw(as_owner({(bin / "pg_basebackup").string(), "-h", standby.primary.socket_dir_.string(), "-p", "5432",
                         "-U", "recount", "-D", data_.string(), "-R", "-X", "stream", "--no-sync"}),
               std::chrono::seconds(120));
  start();
  const auto primary_says = [&](const std::string& sql) { return psql(standby.primary.url(), sql); };
  if (standby.replication == Replication::kSynchronous) {
    primary_says("ALTER SYSTEM SET synchronous_standby_names = '*'");
    primary_says("SELECT pg_reload_conf()");
  }
  const std::string wanted = standby.replication == Replication::kSynchronous ? "sync" : "async";
  const bool streaming = eventually(
      [&] {
        return primary_says("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = '" +
                            wanted + "'")
            .starts_with("1");
      },
      std::chrono::seconds(60), std::chrono::milliseconds(50));
  if (!streaming) throw std::runtime_error("the standby in " + data_.string() + " never streamed from its primary");
}

PostgresServer::~PostgresServer() {
  if (!running_) return;
  try {
    stop_cluster(server_bin(), data_, "immediate");
  } catch (const std::exception&) {  // the directory goes with TempDir either way
  }
}

std::string PostgresServer::url() const { return "postgresql://recount@/recount?host=" + socket_dir_.string(); }

void PostgresServer::stop_immediately() {
  stop_cluster(server_bin(), data_, "immediate");
  running_ = false;
}

void PostgresServer::start() {
  start_cluster(server_bin(), data_, socket_dir_, socket_dir_ / "postgres.log", fsync_);
  running_ = true;
}

void PostgresServer::promote() {
  run_or_throw(as_owner({(server_bin() / "pg_ctl").string(), "-D", data_.string(), "-w", "-t", "60", "promote"}));
}

void PostgresServer::stop_following() {
  psql(url(), "ALTER SYSTEM SET primary_conninfo = ''");
  psql(url(), "SELECT pg_reload_conf()");
  const bool stopped =
      eventually([&] { return psql(url(), "SELECT count(*) FROM pg_stat_wal_receiver").starts_with("0"); },
                 std::chrono::seconds(60), std::chrono::milliseconds(50));
  if (!stopped) throw std::runtime_error("the standby in " + data_.string() + " kept receiving its primary's WAL");
}

std::string failover_url(const PostgresServer& primary, const PostgresServer& standby) {
  return "postgresql://recount@/recount?host=" + primary.socket_dir().string() + "," + standby.socket_dir().string() +
         "&target_session_attrs=read-write";
}

std::string refused_postgres_url() {
  return "postgresql://recount@127.0.0.1:" + std::to_string(free_loopback_port()) + "/recount";
}

}  // namespace recount::testing
