// A small RAII wrapper over SQLite 3: one connection (WAL, foreign keys, busy timeout),
// prepared statements with bind/step/column access, and scoped write transactions.
// Errors throw DbError carrying SQLite's message.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace magpie::store {

struct DbError : std::runtime_error {
    int code;
    DbError(int c, const std::string& what) : std::runtime_error(what), code(c) {}
};

class Statement {
  public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(Statement&& o) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement& operator=(Statement&&) = delete;

    // Parameters are 1-based, as in SQLite.
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    Statement& bind(int index, const std::string& value) {
        return bind(index, std::string_view(value));
    }
    Statement& bind_null(int index);
    // Binds every argument in order, starting at parameter 1.
    template <typename... Args>
    Statement& bind_all(const Args&... args) {
        int i = 0;
        (bind(++i, args), ...);
        return *this;
    }

    bool step();  // true while a row is available, false when done
    void run();   // steps to completion, then resets
    void reset();

    // Columns are 0-based.
    int64_t int64(int col) const;
    std::string text(int col) const;
    bool is_null(int col) const;

  private:
    sqlite3* db_;
    sqlite3_stmt* st_ = nullptr;
};

class Db {
  public:
    // Opens (creating when absent) the database file.
    explicit Db(const std::string& path);
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    Statement prepare(std::string_view sql) { return Statement(db_, sql); }
    void exec(const std::string& sql);          // one or more statements without parameters
    int64_t query_int(const std::string& sql);  // first column of the first row
    int64_t changes() const;
    // Changes whenever another connection commits (PRAGMA data_version).
    int64_t data_version();
    sqlite3* handle() { return db_; }

  private:
    sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE (or plain BEGIN for a consistent read) on construction; rolls back on
// destruction unless commit() ran.
class Transaction {
  public:
    enum class Mode { Write, Read };
    explicit Transaction(Db& db, Mode mode = Mode::Write);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

  private:
    Db& db_;
    bool done_ = false;
};

}  // namespace magpie::store
