// The insert client.
//
// Thread safety: a `client` may be shared freely between threads; every member
// function is safe to call concurrently. Its own inserts borrow a connection
// for their duration: from a pool it opens over libpq, or from the
// driver::session_source it was given (which must be thread-safe). The `_tx`
// functions run on the caller's connection or transaction, which the caller
// must not use from another thread at the same time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <vector>

#include <riverqueue/connection.hpp>
#include <riverqueue/driver.hpp>
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
    // Only unique jobs on schemas up to version 5 (River 0.11) take advisory
    // locks: set it as the River fleet does (docs/legacy-schemas.md).
    std::int64_t advisory_lock_prefix = 0;
    // Maximum number of pooled connections.
    std::size_t pool_size = 4;
    // At most one notification per queue per this interval, as River Go's
    // FetchCooldown; zero sends one with every insert of an available job.
    std::chrono::milliseconds notify_cooldown{100};
    // Prepare each statement shape once per pooled connection (named
    // statements), so that repeated inserts skip parsing and planning. Set
    // false behind a pooler that moves a client between server connections
    // between transactions, such as PgBouncer with pool_mode=transaction
    // (before 1.21, or without max_prepared_statements): statements are then
    // sent unnamed, which any pooler passes through (docs/deployment.md).
    // Statements on a caller's connection (the _tx forms) are never prepared.
    bool prepared_statements = true;
    // Zero: no limit. Otherwise a statement the library sends that has not
    // completed within this time is cancelled on the server (a cancel
    // request, which poolers forward) and the call fails with
    // database_error SQLSTATE 57014; nothing of a failed batch is kept. In
    // the _tx forms the caller's transaction is then aborted and must be
    // rolled back, as with PostgreSQL's own statement_timeout.
    std::chrono::milliseconds statement_timeout{0};
};

// Produces the jobs of a streamed batch one at a time; std::nullopt ends it.
using job_generator = std::function<std::optional<insert_many_params>()>;

// Receives each row of a streamed insert_many as soon as it is known, with the
// job's position in the input.
using insert_result_handler = std::function<void(std::size_t index, const insert_result& result)>;

// Turns an input range of insert_many_params into a job_generator. The range
// must outlive the call that consumes the generator.
template <std::ranges::input_range R>
    requires std::convertible_to<std::ranges::range_reference_t<R>, const insert_many_params&>
job_generator generate_from(R& range) {
    return [it = std::ranges::begin(range), end = std::ranges::end(range)]() mutable
           -> std::optional<insert_many_params> {
        if (it == end) return std::nullopt;
        insert_many_params next = *it;
        ++it;
        return next;
    };
}

struct insert_many_summary {
    std::size_t jobs = 0;        // jobs in the input
    std::size_t inserted = 0;    // new rows
    std::size_t duplicates = 0;  // unique jobs that already existed (or repeated in the batch)
};

// Returns `DATABASE_URL` from the environment, or an empty string.
std::string database_url_from_env();

class client {
public:
    // Validates the options (throws validation_error); connects lazily, over
    // libpq, to options.conninfo with at most options.pool_size connections.
    explicit client(client_options options);
    // The same over another driver: the client's own inserts run on sessions
    // from `sessions` (options.conninfo and pool_size are then unused).
    client(client_options options, std::shared_ptr<driver::session_source> sessions);
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
    template <job_args T>
    insert_result insert_tx(driver::session& tx, const T& args, const insert_opts& opts = {}) {
        return insert_tx_dynamic(tx, to_dynamic_args(args), opts);
    }
    // Any driver's own transaction type, such as pqxx::work with <riverqueue/pqxx.hpp>.
    template <driver::adaptable_transaction Tx, job_args T>
    insert_result insert_tx(Tx& tx, const T& args, const insert_opts& opts = {}) {
        auto session = driver::session_adapter<Tx>::make(tx);
        return insert_tx_dynamic(session, to_dynamic_args(args), opts);
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
    std::vector<insert_result> insert_many_tx(driver::session& tx, std::span<const insert_many_params> jobs);
    template <driver::adaptable_transaction Tx>
    std::vector<insert_result> insert_many_tx(Tx& tx, std::span<const insert_many_params> jobs) {
        auto session = driver::session_adapter<Tx>::make(tx);
        return insert_many_tx(static_cast<driver::session&>(session), jobs);
    }

    // Streams a batch of any size into one transaction with bounded memory,
    // all or nothing, handing each row to `on_result` (which may be empty).
    insert_many_summary insert_many(const job_generator& next, const insert_result_handler& on_result);
    insert_many_summary insert_many_tx(pg_conn* tx, const job_generator& next,
                                       const insert_result_handler& on_result);
    insert_many_summary insert_many_tx(driver::session& tx, const job_generator& next,
                                       const insert_result_handler& on_result);

    // The bulk fast path: non-unique jobs go through COPY; unique jobs in the
    // batch still go through the unique-aware insert in the same transaction,
    // so duplicates are skipped, never inserted twice nor failing the batch.
    // All or nothing. Returns the number of rows inserted. Jobs are validated
    // as they are sent, so that no copy of the batch is held: a bad job fails
    // the whole batch (in the _tx forms, the caller's transaction is then
    // aborted and must be rolled back).
    std::size_t insert_many_fast(std::span<const insert_many_params> jobs);
    std::size_t insert_many_fast_tx(pg_conn* tx, std::span<const insert_many_params> jobs);
    std::size_t insert_many_fast(const job_generator& next);
    std::size_t insert_many_fast_tx(pg_conn* tx, const job_generator& next);
    std::size_t insert_many_fast_tx(driver::session& tx, std::span<const insert_many_params> jobs);
    std::size_t insert_many_fast_tx(driver::session& tx, const job_generator& next);
    template <driver::adaptable_transaction Tx>
    std::size_t insert_many_fast_tx(Tx& tx, std::span<const insert_many_params> jobs) {
        auto session = driver::session_adapter<Tx>::make(tx);
        return insert_many_fast_tx(static_cast<driver::session&>(session), jobs);
    }

    insert_result insert_dynamic(const dynamic_args& args, const insert_opts& opts);
    insert_result insert_tx_dynamic(pg_conn* tx, const dynamic_args& args, const insert_opts& opts);
    insert_result insert_tx_dynamic(driver::session& tx, const dynamic_args& args, const insert_opts& opts);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace riverqueue
