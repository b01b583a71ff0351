// The libpq driver's pool: connections opened from a conninfo, each with the
// statements prepared on it. A connection comes back only when healthy, idle
// (no open transaction) and not retired.
#pragma once

#include <cstddef>
#include <string>

#include <riverqueue/connection.hpp>

#include "core/bounded_pool.hpp"
#include "drivers/libpq/prepared_statements.hpp"

namespace riverqueue::libpq {

class connection_pool {
public:
    connection_pool(std::string conninfo, std::size_t max_size);

    // A connection with the statements prepared on it.
    struct pooled {
        connection conn;
        prepared_statements statements;
        bool retired = false;  // closed when given back, not reused
    };

    class lease {
    public:
        lease(connection_pool& pool, pooled item) : pool_(&pool), item_(std::move(item)) {}
        lease(lease&& other) noexcept = default;
        lease& operator=(lease&&) = delete;
        lease(const lease&) = delete;
        lease& operator=(const lease&) = delete;
        ~lease();

        connection& get() noexcept { return item_.conn; }
        pg_conn* native_handle() const noexcept { return item_.conn.native_handle(); }
        prepared_statements& statements() noexcept { return item_.statements; }
        // Closes the connection when the lease ends instead of giving it back.
        void retire() noexcept { item_.retired = true; }

    private:
        connection_pool* pool_;
        pooled item_;
    };

    // A connection, checked first: one the server closed while it was idle
    // (libpq::idle_connection_alive) is dropped and another one given.
    lease acquire();

private:
    core::bounded_pool<pooled> items_;
};

}  // namespace riverqueue::libpq
