// A PostgreSQL connection owned by the library, and a transaction guard.
//
// libpq stays out of public headers: `pg_conn` is only forward-declared, so
// users who never touch libpq do not need its headers. Users who do can pass
// their own `PGconn*` (which is a `pg_conn*`) wherever a connection is taken.
#pragma once

#include <string>
#include <string_view>

extern "C" {
struct pg_conn;
}

namespace riverqueue {

class connection {
public:
    // Opens a connection from a libpq conninfo string or a postgres:// URI.
    // Each connection attempt gives up after connect_timeout seconds: the
    // conninfo's, else PGCONNECT_TIMEOUT, else 10 (docs/deployment.md).
    // Throws connection_error.
    static connection open(const std::string& conninfo);

    // Takes ownership of a connection opened elsewhere; it is closed with PQfinish.
    explicit connection(pg_conn* adopted) noexcept : conn_(adopted) {}

    connection(connection&& other) noexcept;
    connection& operator=(connection&& other) noexcept;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection();

    pg_conn* native_handle() const noexcept { return conn_; }

    // Runs one or more SQL statements without parameters, discarding results.
    // Throws database_error or connection_error.
    void execute(std::string_view sql);

    // True when the connection is open and not in a failed or unknown state.
    bool healthy() const noexcept;

    // True when a transaction block is open (even a failed one).
    bool in_transaction() const noexcept;

private:
    pg_conn* conn_ = nullptr;
};

// BEGIN on construction; ROLLBACK on destruction unless commit() was called.
class transaction {
public:
    explicit transaction(connection& conn);
    explicit transaction(pg_conn* conn);
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    ~transaction();

    void commit();
    void rollback();

    pg_conn* native_handle() const noexcept { return conn_; }

private:
    pg_conn* conn_;
    bool open_ = true;
};

}  // namespace riverqueue
