// A small thread-safe pool of libpq connections.
//
// Connections are opened on demand up to `max_size`; a caller beyond that
// waits. A connection comes back to the pool only when it is healthy and idle
// (no open transaction); anything else is closed, so a broken connection is
// never handed out again.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include <riverqueue/connection.hpp>

#include "drivers/libpq/prepared_statements.hpp"

namespace riverqueue::libpq {

class connection_pool {
public:
    connection_pool(std::string conninfo, std::size_t max_size);

    // A connection with the statements prepared on it.
    struct pooled {
        connection conn;
        prepared_statements statements;
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

    private:
        connection_pool* pool_;
        pooled item_;
    };

    lease acquire();

private:
    void release(pooled item) noexcept;

    std::string conninfo_;
    std::size_t max_size_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<pooled> idle_;
    std::size_t open_count_ = 0;
};

}  // namespace riverqueue::libpq
