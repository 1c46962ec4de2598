#include "coordinator/sqlite.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace lrsweep::coordinator {
namespace {

absl::Status SqliteError(sqlite3* db, int code, absl::string_view context) {
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  std::string text = absl::StrCat(message, " (", context, ")");
  const int primary = code & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return absl::UnavailableError(text);
  }
  return absl::InternalError(text);
}

}  // namespace

Statement::Statement(sqlite3* db, sqlite3_stmt* statement)
    : db_(db), statement_(statement) {}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement& Statement::BindInt(int index, int64_t value) {
  const int code = sqlite3_bind_int64(statement_, index, value);
  KeepBindError(code, index);
  return *this;
}

Statement& Statement::BindDouble(int index, double value) {
  const int code = sqlite3_bind_double(statement_, index, value);
  KeepBindError(code, index);
  return *this;
}

Statement& Statement::BindText(int index, absl::string_view value) {
  const int code = sqlite3_bind_text(statement_, index, value.data(),
                                     static_cast<int>(value.size()), SQLITE_TRANSIENT);
  KeepBindError(code, index);
  return *this;
}

Statement& Statement::BindBlob(int index, absl::string_view bytes) {
  // A zero-length blob must not bind as NULL, so a non-null pointer is
  // passed even for empty input.
  static const char kEmpty = 0;
  const char* data = bytes.empty() ? &kEmpty : bytes.data();
  const int code = sqlite3_bind_blob(statement_, index, data,
                                     static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  KeepBindError(code, index);
  return *this;
}

Statement& Statement::BindNull(int index) {
  const int code = sqlite3_bind_null(statement_, index);
  KeepBindError(code, index);
  return *this;
}

void Statement::KeepBindError(int code, int index) {
  if (code != SQLITE_OK && bind_status_.ok()) {
    bind_status_ = SqliteError(db_, code, absl::StrCat("bind parameter ", index));
  }
}

absl::StatusOr<bool> Statement::Step() {
  if (!bind_status_.ok()) return bind_status_;
  const int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  return SqliteError(db_, code, sqlite3_sql(statement_));
}

absl::Status Statement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

int64_t Statement::ColumnInt(int column) const {
  return sqlite3_column_int64(statement_, column);
}

double Statement::ColumnDouble(int column) const {
  return sqlite3_column_double(statement_, column);
}

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     sqlite3_column_bytes(statement_, column));
}

std::string Statement::ColumnBlob(int column) const {
  const void* data = sqlite3_column_blob(statement_, column);
  if (data == nullptr) return "";
  return std::string(static_cast<const char*>(data),
                     sqlite3_column_bytes(statement_, column));
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

void Statement::Reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
  bind_status_ = absl::OkStatus();
}

Connection::~Connection() {
  // Statements must be finalized before the connection closes.
  statements_.clear();
  sqlite3_close(db_);
}

absl::Status Connection::Execute(absl::string_view sql) {
  const std::string text(sql);
  char* error = nullptr;
  const int code = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (code == SQLITE_OK) return absl::OkStatus();
  absl::Status status = SqliteError(db_, code, text);
  sqlite3_free(error);
  return status;
}

absl::StatusOr<ScopedStatement> Connection::Prepare(
    const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* raw = nullptr;
    const int code = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (code != SQLITE_OK) return SqliteError(db_, code, sql);
    it = statements_.emplace(sql, std::make_unique<Statement>(db_, raw)).first;
  }
  return ScopedStatement(it->second.get());
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path) {
  sqlite3* db = nullptr;
  const int code = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  if (code != SQLITE_OK) {
    absl::Status status = SqliteError(db, code, absl::StrCat("open ", path));
    sqlite3_close(db);
    return status;
  }
  auto connection = std::unique_ptr<Connection>(new Connection(db));
  // Another process holding the file (a second coordinator, the sqlite3
  // shell) makes a write wait up to 5 s before it fails with UNAVAILABLE.
  sqlite3_busy_timeout(db, 5000);
  // WAL with synchronous = NORMAL syncs the log at checkpoints, not at every
  // commit. A committed transaction still survives a crash of the process
  // (SIGKILL included), because the log is written before COMMIT returns; only
  // an operating-system crash or power loss can drop the last transactions.
  // FULL adds one fsync to every job completion, which held
  // bench/sweep_throughput.py to about 1,000 jobs a second on a 2-vCPU
  // virtual machine (NORMAL: 1,330, docs/benchmarks-sweep.md).
  absl::Status status = connection->Execute(
      "PRAGMA journal_mode = WAL;"
      "PRAGMA synchronous = NORMAL;"
      "PRAGMA foreign_keys = ON;");
  if (!status.ok()) {
    return absl::Status(status.code(), absl::StrCat(path, ": ", status.message()));
  }
  return std::unique_ptr<Database>(new Database(path, std::move(connection)));
}

absl::Status Database::Read(const std::function<absl::Status(Connection&)>& body) {
  absl::MutexLock lock(&mu_);
  return body(*connection_);
}

absl::Status Database::Write(const std::function<absl::Status(Connection&)>& body) {
  absl::MutexLock lock(&mu_);
  absl::Status status = connection_->Execute("BEGIN IMMEDIATE");
  if (!status.ok()) return status;

  status = body(*connection_);
  if (status.ok()) status = connection_->Execute("COMMIT");
  if (!status.ok()) {
    // A failed ROLLBACK is ignored. SQLite rolls back on its own after some
    // errors (SQLITE_FULL, SQLITE_IOERR), and the body's error is the one
    // the caller needs.
    connection_->Execute("ROLLBACK").IgnoreError();
  }
  return status;
}

}  // namespace lrsweep::coordinator
