// PostgreSQL adapter over libpqxx: the only file that includes <pqxx/...>.
#include "hub/storage/postgres.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "shared/core/hex.hpp"

namespace recount::storage {

std::string url_without_password(std::string_view url) {
  std::string text(url);
  if (const auto scheme = text.find("://"); scheme != std::string::npos) {
    const auto authority = scheme + 3;
    const auto at = text.find('@', authority);
    const auto colon = text.find(':', authority);
    if (at != std::string::npos && colon < at) text.erase(colon, at - colon);
    return text;
  }
  if (const auto password = text.find("password="); password != std::string::npos) {
    const auto end = text.find(' ', password);
    text.replace(password, end == std::string::npos ? std::string::npos : end - password, "password=...");
  }
  return text;
}

namespace {

// PostgreSQL's type ids (pg_type.oid) that read differently from their text.
constexpr pqxx::oid kBoolType = 16;
constexpr pqxx::oid kByteaType = 17;

// The server's reason, on one line.
std::string reason_of(const std::exception& failure) {
  std::string text = failure.what();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (auto& c : text) c = c == '\n' ? ' ' : c;
  return text;
}

// Whether a server named in `url` turned the login itself away: a wrong user, password or
// database, or no right to connect, which do not mend themselves. libpq throws one kind of error
// for that and for a server that is down, starting up, out of connection slots or (with
// target_session_attrs=read-write, as in a failover setup listing primary and standby) a standby
// while no primary is up, all of which a hub waits out. Told apart by logging in once more, with
// libpq's errors in verbose form, which carry the SQLSTATE of what the server answered (its text
// may be in any language), and with any kind of server accepted. Bounded by kProbeTime, so a host
// that drops packets cannot hold it for the system's TCP timeout again.
bool login_refused(const std::string& url) {
  constexpr auto kProbeTime = std::chrono::seconds(10);
  const char* const keywords[] = {"dbname", "target_session_attrs", nullptr};
  const char* const values[] = {url.c_str(), "any", nullptr};
  PGconn* probe = PQconnectStartParams(keywords, values, 1);
  if (probe == nullptr) return false;
  PQsetErrorVerbosity(probe, PQERRORS_VERBOSE);
  const auto deadline = std::chrono::steady_clock::now() + kProbeTime;
  auto polling = PQstatus(probe) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
  while (polling != PGRES_POLLING_OK && polling != PGRES_POLLING_FAILED) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd socket{PQsocket(probe), static_cast<short>(polling == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    if (left.count() <= 0 || ::poll(&socket, 1, static_cast<int>(left.count())) <= 0) break;
    polling = PQconnectPoll(probe);
  }
  // The server asked for a password and libpq had none (no pgpass entry): no SQLSTATE, as the
  // server never said more.
  bool refused = PQconnectionNeedsPassword(probe) != 0;
  // "FATAL:  28P01: password authentication failed ...", once per host tried.
  const std::string_view said = PQerrorMessage(probe);
  constexpr std::string_view kFatal = "FATAL:  ";
  for (auto at = said.find(kFatal); at != std::string_view::npos; at = said.find(kFatal, at + 1)) {
    const std::string_view state = said.substr(at + kFatal.size(), 5);
    refused = refused || state.starts_with("28") || state == "3D000" || state == "42501";
  }
  PQfinish(probe);
  return refused;
}

}  // namespace

struct PostgresConnection::Session {
  std::string url;   // as given, password included: to connect again after a loss
  std::string name;  // for messages, without the password
  // Null once the connection was lost; the next call outside a transaction connects again.
  std::unique_ptr<pqxx::connection> connection;
  // Every statement runs through this one: transactions are opened and closed by BEGIN, COMMIT
  // and ROLLBACK of our own, which libpqxx's transaction classes would not allow (one statement
  // object used inside and outside transactions, as on SQLite).
  std::unique_ptr<pqxx::nontransaction> work;
  std::uint64_t generation = 0;     // connections made; a statement prepared on an older one is again
  std::uint64_t reconnections = 0;  // of those, after the first
  bool in_transaction = false;
  // An error ended the open transaction on the server; only rollback() may follow.
  bool transaction_failed = false;
  std::uint64_t rollbacks = 0;
  std::uint64_t statements_made = 0;

  // Connects (again), with synchronous_commit on: an ack goes out after its batch's commit
  // returns, so the commit must be on disk by then, even where the server's default says
  // otherwise. Errors: `refused` when the server cannot be reached or refuses the login, naming
  // the URL (which may list several servers) rather than the server last connected to.
  Result<void> connect(ErrorCode refused) {
    work.reset();
    connection.reset();
    try {
      auto opened = std::make_unique<pqxx::connection>(url);
      auto session_work = std::make_unique<pqxx::nontransaction>(*opened, "recount");
      session_work->exec("SET synchronous_commit TO on");
      name = "postgresql://" + std::string(opened->username()) + "@" + opened->hostname() + ":" + opened->port() + "/" +
             opened->dbname();
      connection = std::move(opened);
      work = std::move(session_work);
    } catch (const pqxx::broken_connection& failure) {
      return Error{refused, "", "cannot connect to " + url_without_password(url) + ": " + reason_of(failure)};
    } catch (const std::exception& failure) {
      return Error{ErrorCode::kInvalidInput, "",
                   "cannot connect to " + url_without_password(url) + ": " + reason_of(failure)};
    }
    if (generation++ > 0) ++reconnections;
    return {};
  }

  // The error for a failure while `doing`; inside a transaction it marks the transaction ended.
  Error fail(const std::exception& failure, std::string_view doing) {
    if (in_transaction && !transaction_failed) {
      transaction_failed = true;
      ++rollbacks;
    }
    const std::string what = std::string(doing) + " on " + name + ": ";
    const auto* sql = dynamic_cast<const pqxx::sql_error*>(&failure);
    const std::string state = sql != nullptr ? sql->sqlstate() : "";
    // A server that shuts down or crashes says so (SQLSTATE 57P01...) before the socket closes.
    // An error without SQLSTATE is libpq's own, not the server's (every error the server sends
    // has one): above all "server closed the connection unexpectedly", after which libpqxx
    // still calls the connection open.
    const bool lost = dynamic_cast<const pqxx::broken_connection*>(&failure) != nullptr || state.rfind("08", 0) == 0 ||
                      state.rfind("57P", 0) == 0 || (sql != nullptr && state.empty()) || !connection ||
                      !connection->is_open();
    if (lost) {
      work.reset();
      connection.reset();
      return Error{ErrorCode::kIo, "", what + "the connection was lost (" + reason_of(failure) + ")"};
    }
    if (sql != nullptr) {
      const ErrorCode code = state.rfind("23", 0) == 0 ? ErrorCode::kConflict
                             : state == "53100"        ? ErrorCode::kStorageFull
                                                       : ErrorCode::kIo;
      return Error{code, "", what + reason_of(failure) + (state.empty() ? "" : " (SQLSTATE " + state + ")")};
    }
    return Error{ErrorCode::kIo, "", what + reason_of(failure)};
  }

  // Ready to run a statement: kIo when the open transaction has failed (the caller must roll
  // back first), or when a lost connection cannot be made again.
  Result<void> usable(std::string_view doing) {
    if (transaction_failed) {
      return Error{ErrorCode::kIo, "",
                   "cannot " + std::string(doing) + " on " + name +
                       ": an earlier error ended the transaction; roll it back first"};
    }
    if (!connection) return connect(ErrorCode::kIo);
    return {};
  }
};

namespace {

// A statement prepared on the server under a name of its own, behind the Statement facade.
class PostgresStatement final : public StatementBackend {
 public:
  PostgresStatement(std::shared_ptr<PostgresConnection::Session> session, std::string name, std::string text,
                    int parameters)
      : session_(std::move(session)),
        name_(std::move(name)),
        text_(std::move(text)),
        parameters_(static_cast<std::size_t>(parameters)) {}
  PostgresStatement(const PostgresStatement&) = delete;
  PostgresStatement& operator=(const PostgresStatement&) = delete;
  ~PostgresStatement() override {
    if (!session_->connection || prepared_on_ != session_->generation) return;
    try {
      session_->connection->unprepare(name_);
    } catch (const std::exception&) {  // the connection is going; the statement goes with it
    }
  }

  // Prepares the statement on the server unless this connection has it already, so a typo fails
  // here. The caller has checked that the session is usable.
  Result<void> prepare_on_server() {
    if (prepared_on_ == session_->generation) return {};
    try {
      session_->connection->prepare(name_, text_);
      session_->connection->prepare_now(name_);
    } catch (const std::exception& failure) {
      Error error = session_->fail(failure, "cannot prepare statement");
      try {
        if (session_->connection) session_->connection->unprepare(name_);
      } catch (const std::exception&) {  // the server never registered it
      }
      return error;
    }
    prepared_on_ = session_->generation;
    return {};
  }

  void bind_int(int index, std::int64_t value) override { set(index, std::to_string(value)); }
  void bind_text(int index, std::string_view value) override {
    // Parameters travel as C strings, and PostgreSQL's text cannot hold a NUL at all.
    if (value.find('\0') != std::string_view::npos) refused_ = index;
    set(index, std::string(value));
  }
  // As bytea's hex input, which a text parameter may carry.
  void bind_blob(int index, std::string_view bytes) override { set(index, "\\x" + to_hex(bytes)); }
  void bind_null(int index) override { set(index, std::nullopt); }

  Result<bool> step() override {
    if (!result_) {
      if (auto ok = execute(); !ok) {
        reset();
        return ok.error();
      }
      row_ = 0;
    } else if (row_ < result_->size()) {
      ++row_;
    }
    return row_ < result_->size();
  }
  std::int64_t changes() const override { return result_ ? static_cast<std::int64_t>(result_->affected_rows()) : 0; }
  void reset() noexcept override {
    result_.reset();
    row_ = 0;
    refused_ = 0;
    for (auto& parameter : parameters_) parameter.reset();
  }

  std::int64_t column_int(int index) const override {
    const pqxx::field value = field(index);
    if (value.is_null()) return 0;
    if (result_->column_type(index) == kBoolType) return value.c_str()[0] == 't' ? 1 : 0;
    std::int64_t number = 0;
    const char* text = value.c_str();
    std::from_chars(text, text + value.size(), number);
    return number;
  }
  std::string column_text(int index) const override {
    const pqxx::field value = field(index);
    if (value.is_null()) return {};
    if (result_->column_type(index) == kByteaType) return pqxx::binarystring(value).str();
    return std::string(value.c_str(), value.size());
  }
  bool column_is_null(int index) const override { return field(index).is_null(); }

 private:
  void set(int index, std::optional<std::string> value) {
    const auto at = static_cast<std::size_t>(index - 1);
    if (at < parameters_.size()) parameters_[at] = std::move(value);
  }
  pqxx::field field(int index) const { return (*result_)[row_][index]; }

  Result<void> execute() {
    if (auto ok = session_->usable("run a statement"); !ok) return ok;
    if (auto ok = prepare_on_server(); !ok) return ok;
    if (refused_ != 0) {
      return Error{ErrorCode::kInvalidInput, "",
                   "parameter " + std::to_string(refused_) + " holds a NUL character, which " + session_->name +
                       " cannot store in text"};
    }
    std::vector<const char*> values;
    values.reserve(parameters_.size());
    for (const auto& parameter : parameters_) values.push_back(parameter ? parameter->c_str() : nullptr);
    try {
      result_ = session_->work->exec_prepared(name_, pqxx::prepare::make_dynamic_params(values));
    } catch (const std::exception& failure) {
      return session_->fail(failure, "statement failed");
    }
    return {};
  }

  std::shared_ptr<PostgresConnection::Session> session_;
  std::string name_;
  std::string text_;                                    // with PostgreSQL's placeholders
  std::uint64_t prepared_on_ = 0;                       // the session's generation it was prepared on; 0: none yet
  std::vector<std::optional<std::string>> parameters_;  // by index - 1; unset: NULL
  int refused_ = 0;                                     // a text parameter PostgreSQL cannot take
  std::optional<pqxx::result> result_;                  // set once stepped
  pqxx::result::size_type row_ = 0;
};

}  // namespace

std::string postgres_placeholders(std::string_view sql, int& parameters) {
  std::string out;
  out.reserve(sql.size() + 16);
  parameters = 0;
  for (std::size_t i = 0; i < sql.size();) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {  // a literal or a quoted name, whose quote is doubled inside
      const std::size_t end = sql.find(c, i + 1);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end + 1;
      out.append(sql.substr(i, stop - i));
      i = stop;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const std::size_t end = sql.find('\n', i);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, stop - i));
      i = stop;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const std::size_t end = sql.find("*/", i + 2);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end + 2;
      out.append(sql.substr(i, stop - i));
      i = stop;
    } else if (c == '?') {
      std::size_t digits = i + 1;
      while (digits < sql.size() && sql[digits] >= '0' && sql[digits] <= '9') ++digits;
      int number = parameters + 1;
      if (digits > i + 1) std::from_chars(sql.data() + i + 1, sql.data() + digits, number);
      parameters = std::max(parameters, number);
      out += '$' + std::to_string(number);
      i = digits;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

PostgresConnection::PostgresConnection(std::shared_ptr<Session> session) : session_(std::move(session)) {}
PostgresConnection::PostgresConnection(PostgresConnection&&) noexcept = default;
PostgresConnection& PostgresConnection::operator=(PostgresConnection&& other) noexcept {
  if (this != &other) {
    close();
    session_ = std::move(other.session_);
  }
  return *this;
}
PostgresConnection::~PostgresConnection() { close(); }

void PostgresConnection::close() noexcept {
  if (!session_) return;
  rollback();
  session_->work.reset();
  session_->connection.reset();
}

Result<PostgresConnection> PostgresConnection::open(const std::string& url) {
  auto session = std::make_shared<Session>();
  session->url = url;
  session->name = url_without_password(url);
  if (auto ok = session->connect(ErrorCode::kUnavailable); !ok) {
    // Asked here only: a reconnect after a lost connection fails as kIo either way, and asking
    // then would double each try's wait on a server that does not answer.
    Error error = ok.error();
    if (error.code == ErrorCode::kUnavailable && login_refused(url)) error.code = ErrorCode::kInvalidInput;
    return error;
  }
  return PostgresConnection(std::move(session));
}

Result<void> PostgresConnection::execute(std::string_view sql) {
  if (auto ok = session_->usable("execute"); !ok) return ok;
  try {
    session_->work->exec(std::string(sql));
  } catch (const std::exception& failure) {
    return session_->fail(failure, "cannot execute");
  }
  return {};
}

Result<Statement> PostgresConnection::prepare(std::string_view sql) {
  if (auto ok = session_->usable("prepare a statement"); !ok) return ok.error();
  int parameters = 0;
  std::string text = postgres_placeholders(sql, parameters);
  auto statement = std::make_unique<PostgresStatement>(
      session_, "recount_" + std::to_string(++session_->statements_made), std::move(text), parameters);
  if (auto ok = statement->prepare_on_server(); !ok) return ok.error();
  return Statement(std::move(statement));
}

Result<void> PostgresConnection::begin() { return begin_with("BEGIN"); }

Result<void> PostgresConnection::begin_snapshot() {
  return begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
}

Result<void> PostgresConnection::begin_with(std::string_view sql) {
  if (session_->in_transaction) {
    return Error{ErrorCode::kIo, "", "cannot begin a transaction on " + session_->name + ": one is open"};
  }
  if (auto ok = execute(sql); !ok) return ok;
  session_->in_transaction = true;
  session_->transaction_failed = false;
  return {};
}

Result<void> PostgresConnection::commit() {
  // PostgreSQL answers COMMIT of a failed transaction with a rollback, not an error.
  if (auto ok = session_->usable("commit"); !ok) {
    rollback();
    return ok;
  }
  auto ok = execute("COMMIT");
  if (ok) {
    session_->in_transaction = false;
    return ok;
  }
  rollback();
  return ok;
}

void PostgresConnection::rollback() noexcept {
  if (!session_->in_transaction) return;
  if (!session_->transaction_failed) ++session_->rollbacks;
  session_->in_transaction = false;
  session_->transaction_failed = false;
  if (!session_->work) return;  // the lost connection took the transaction with it
  try {
    session_->work->exec("ROLLBACK");
  } catch (const std::exception& failure) {
    (void)session_->fail(failure, "cannot roll back");  // lost now: the server rolls it back
  }
}

std::uint64_t PostgresConnection::rollbacks() const { return session_->rollbacks; }

std::uint64_t PostgresConnection::reconnections() const { return session_->reconnections; }

std::string PostgresConnection::name() const { return session_->name; }

}  // namespace recount::storage
