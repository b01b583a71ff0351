// The insert client.
//
// Thread safety: a `client` may be shared freely between threads; every member
// function is safe to call concurrently. It owns a small pool of connections
// that each call borrows for its duration. The `_tx` functions run on the
// caller's connection, which the caller must not use from another thread at
// the same time (libpq connections are not thread-safe).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <riverqueue/connection.hpp>
#include <riverqueue/insert_opts.hpp>
#include <riverqueue/job_args.hpp>
#include <riverqueue/job_row.hpp>

namespace riverqueue {

struct client_options {
    // libpq conninfo ("host=... dbname=...") or URI ("postgres://...").
    // Empty means libpq's defaults and PG* environment variables.
    std::string conninfo;
    // Schema holding River's tables; empty means the connection's search_path.
    std::string schema;
    // Send River's insert notification so that workers start at once instead
    // of at their next poll.
    bool notify = true;
    // max_attempts for jobs whose args and options set none.
    int default_max_attempts = 25;
    // Prefix for advisory locks (River's AdvisoryLockPrefix); must fit 32 bits.
    std::int64_t advisory_lock_prefix = 0;
    // Maximum number of pooled connections.
    std::size_t pool_size = 4;
    // At most one notification per queue per this interval, as River Go's
    // FetchCooldown; zero sends one with every insert of an available job.
    std::chrono::milliseconds notify_cooldown{100};
};

// Returns `DATABASE_URL` from the environment, or an empty string.
std::string database_url_from_env();

class client {
public:
    // Validates the options (throws validation_error); connects lazily.
    explicit client(client_options options);
    ~client();
    client(client&&) noexcept;
    client& operator=(client&&) noexcept;
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    const client_options& options() const noexcept;

    // Inserts one job on a pooled connection, committed when this returns.
    template <job_args T>
    insert_result insert(const T& args, const insert_opts& opts = {}) {
        return insert_dynamic(to_dynamic_args(args), opts);
    }

    // Inserts one job inside the caller's open transaction. The notification,
    // if any, goes out when the caller commits.
    template <job_args T>
    insert_result insert_tx(pg_conn* tx, const T& args, const insert_opts& opts = {}) {
        return insert_tx_dynamic(tx, to_dynamic_args(args), opts);
    }
    template <job_args T>
    insert_result insert_tx(connection& tx, const T& args, const insert_opts& opts = {}) {
        return insert_tx_dynamic(tx.native_handle(), to_dynamic_args(args), opts);
    }
    template <job_args T>
    insert_result insert_tx(transaction& tx, const T& args, const insert_opts& opts = {}) {
        return insert_tx_dynamic(tx.native_handle(), to_dynamic_args(args), opts);
    }

    // Inserts a batch, all or nothing, returning one result per job in input
    // order. Jobs of one batch sharing a unique key are inserted once; the later
    // ones come back as duplicates of that row.
    std::vector<insert_result> insert_many(std::span<const insert_many_params> jobs);
    std::vector<insert_result> insert_many_tx(pg_conn* tx, std::span<const insert_many_params> jobs);
    std::vector<insert_result> insert_many_tx(connection& tx, std::span<const insert_many_params> jobs) {
        return insert_many_tx(tx.native_handle(), jobs);
    }
    std::vector<insert_result> insert_many_tx(transaction& tx, std::span<const insert_many_params> jobs) {
        return insert_many_tx(tx.native_handle(), jobs);
    }

    insert_result insert_dynamic(const dynamic_args& args, const insert_opts& opts);
    insert_result insert_tx_dynamic(pg_conn* tx, const dynamic_args& args, const insert_opts& opts);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace riverqueue
