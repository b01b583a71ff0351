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

namespace riverqueue::libpq {

class connection_pool {
public:
    connection_pool(std::string conninfo, std::size_t max_size);

    class lease {
    public:
        lease(connection_pool& pool, connection conn) : pool_(&pool), conn_(std::move(conn)) {}
        lease(lease&& other) noexcept = default;
        lease& operator=(lease&&) = delete;
        lease(const lease&) = delete;
        lease& operator=(const lease&) = delete;
        ~lease();

        connection& get() noexcept { return conn_; }
        pg_conn* native_handle() const noexcept { return conn_.native_handle(); }

    private:
        connection_pool* pool_;
        connection conn_;
    };

    lease acquire();

private:
    void release(connection conn) noexcept;

    std::string conninfo_;
    std::size_t max_size_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<connection> idle_;
    std::size_t open_count_ = 0;
};

}  // namespace riverqueue::libpq
