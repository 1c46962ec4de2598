// A small wrapper over the SQLite C API: a connection with a cache of
// prepared statements, and a thread-safe Database that runs every read and
// every transaction under one mutex.
//
// Errors are absl::Status values whose message starts with the SQLite error
// text, e.g. `UNIQUE constraint failed: sweeps.sweep_id`. Busy and locked
// databases are UNAVAILABLE, everything else INTERNAL.
#ifndef LRSWEEP_COORDINATOR_SQLITE_H_
#define LRSWEEP_COORDINATOR_SQLITE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

struct sqlite3;
struct sqlite3_stmt;

namespace lrsweep::coordinator {

// One prepared statement. Parameters are numbered from 1 and columns from 0,
// as in the SQLite API. Bind errors are kept and returned by the next Step().
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* statement);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& BindInt(int index, int64_t value);
  Statement& BindDouble(int index, double value);
  Statement& BindText(int index, absl::string_view value);
  Statement& BindBlob(int index, absl::string_view bytes);
  Statement& BindNull(int index);

  // Advances to the next row. Returns true when a row is available and false
  // when the statement has finished.
  absl::StatusOr<bool> Step();
  // Steps until the statement finishes; for statements that return no rows.
  absl::Status Run();

  int64_t ColumnInt(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;
  std::string ColumnBlob(int column) const;
  bool ColumnIsNull(int column) const;

  // Resets the statement and clears its bindings so it can run again.
  void Reset();

 private:
  // Keeps the first failed bind so that Step() can return it.
  void KeepBindError(int code, int index);

  sqlite3* db_;
  sqlite3_stmt* statement_;
  absl::Status bind_status_;
};

// A statement borrowed from the connection's cache; resets it when it goes
// out of scope, so that no read stays open.
class ScopedStatement {
 public:
  explicit ScopedStatement(Statement* statement) : statement_(statement) {}
  ~ScopedStatement() {
    if (statement_ != nullptr) statement_->Reset();
  }
  ScopedStatement(ScopedStatement&& other) noexcept : statement_(other.statement_) {
    other.statement_ = nullptr;
  }
  ScopedStatement& operator=(ScopedStatement&&) = delete;
  ScopedStatement(const ScopedStatement&) = delete;
  ScopedStatement& operator=(const ScopedStatement&) = delete;

  Statement* operator->() const { return statement_; }
  Statement& operator*() const { return *statement_; }

 private:
  Statement* statement_;
};

// An open SQLite connection. Not thread-safe; Database serializes access.
class Connection {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more SQL statements that return no rows (schema, pragmas).
  absl::Status Execute(absl::string_view sql);

  // Returns the prepared statement for `sql`, compiling it on first use. The
  // same text always returns the same statement, so a statement must not be
  // prepared again while a ScopedStatement for it is alive.
  absl::StatusOr<ScopedStatement> Prepare(const std::string& sql);

  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;

 private:
  friend class Database;
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  absl::flat_hash_map<std::string, std::unique_ptr<Statement>> statements_;
};

// A database file with one connection, safe to use from many threads: every
// Read() and Write() holds the mutex for its whole duration.
class Database {
 public:
  // Opens or creates the file at `path` in WAL mode with synchronous=NORMAL,
  // so that a committed transaction survives a crash of the process; an
  // operating-system crash or power loss may drop the last few. Foreign keys
  // are enforced.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path);

  // Runs `body` on the connection without a transaction.
  absl::Status Read(const std::function<absl::Status(Connection&)>& body)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Runs `body` in one write transaction (BEGIN IMMEDIATE). Commits when it
  // returns OK, rolls back otherwise and returns its status.
  absl::Status Write(const std::function<absl::Status(Connection&)>& body)
      ABSL_LOCKS_EXCLUDED(mu_);

  const std::string& path() const { return path_; }

 private:
  Database(std::string path, std::unique_ptr<Connection> connection)
      : path_(std::move(path)), connection_(std::move(connection)) {}

  const std::string path_;
  absl::Mutex mu_;
  std::unique_ptr<Connection> connection_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lrsweep::coordinator

#endif  // LRSWEEP_COORDINATOR_SQLITE_H_
