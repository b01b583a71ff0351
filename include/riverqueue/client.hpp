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

#include <riverqueue/client_options.hpp>
#include <riverqueue/connection.hpp>
#include <riverqueue/driver.hpp>
#include <riverqueue/error_code.hpp>
#include <riverqueue/insert_many.hpp>
#include <riverqueue/insert_opts.hpp>
#include <riverqueue/job_args.hpp>
#include <riverqueue/job_row.hpp>
#include <riverqueue/transaction_ref.hpp>

namespace riverqueue {

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
    // `args` is any job_args type, or dynamic_args for a kind known at run time.
    template <job_args T>
    insert_result insert(const T& args, const insert_opts& opts = {}) {
        if constexpr (std::same_as<T, dynamic_args>) return insert_args(args, opts);
        else return insert_args(to_dynamic_args(args), opts);
    }

    // Inserts one job inside the caller's open transaction (transaction_ref.hpp:
    // a libpq connection, a driver session or a driver's transaction type).
    // The notification, if any, goes out when the caller commits.
    template <job_args T>
    insert_result insert_tx(transaction_ref tx, const T& args, const insert_opts& opts = {}) {
        if constexpr (std::same_as<T, dynamic_args>) return insert_tx_args(std::move(tx), args, opts);
        else return insert_tx_args(std::move(tx), to_dynamic_args(args), opts);
    }

    // Inserts a batch, all or nothing, returning one result per job in input
    // order. Jobs of one batch sharing a unique key are inserted once; the later
    // ones come back as duplicates of that row.
    std::vector<insert_result> insert_many(std::span<const insert_many_params> jobs);
    std::vector<insert_result> insert_many_tx(transaction_ref tx, std::span<const insert_many_params> jobs);

    // Streams a batch of any size into one transaction with bounded memory,
    // all or nothing, handing each row to `on_result` (which may be empty).
    insert_many_summary insert_many(const job_generator& next, const insert_result_handler& on_result);
    insert_many_summary insert_many_tx(transaction_ref tx, const job_generator& next,
                                       const insert_result_handler& on_result);

    // The bulk fast path: non-unique jobs go through COPY; unique jobs in the
    // batch still go through the unique-aware insert in the same transaction,
    // so duplicates are skipped, never inserted twice nor failing the batch.
    // All or nothing. Returns the number of rows inserted. Jobs are validated
    // as they are sent, so that no copy of the batch is held: a bad job fails
    // the whole batch (in the _tx forms, which run in a savepoint, nothing of
    // the batch stays and the caller's transaction goes on as before it).
    std::size_t insert_many_fast(std::span<const insert_many_params> jobs);
    std::size_t insert_many_fast(const job_generator& next);
    std::size_t insert_many_fast_tx(transaction_ref tx, std::span<const insert_many_params> jobs);
    std::size_t insert_many_fast_tx(transaction_ref tx, const job_generator& next);

    // The same calls without exceptions (error_code.hpp): what the call above
    // would throw is reported through `ec` and `diag` instead.
    template <job_args T>
    insert_result insert(const T& args, const insert_opts& opts, std::error_code& ec, diagnostics& diag) {
        return detail::without_throwing(ec, diag, [&] { return insert(args, opts); });
    }
    template <job_args T>
    insert_result insert(const T& args, std::error_code& ec, diagnostics& diag) {
        return insert(args, insert_opts{}, ec, diag);
    }
    template <job_args T>
    insert_result insert_tx(transaction_ref tx, const T& args, const insert_opts& opts, std::error_code& ec,
                            diagnostics& diag) {
        return detail::without_throwing(ec, diag, [&] { return insert_tx(std::move(tx), args, opts); });
    }
    template <job_args T>
    insert_result insert_tx(transaction_ref tx, const T& args, std::error_code& ec, diagnostics& diag) {
        return insert_tx(std::move(tx), args, insert_opts{}, ec, diag);
    }
    std::vector<insert_result> insert_many(std::span<const insert_many_params> jobs, std::error_code& ec,
                                           diagnostics& diag);
    std::vector<insert_result> insert_many_tx(transaction_ref tx, std::span<const insert_many_params> jobs,
                                              std::error_code& ec, diagnostics& diag);
    insert_many_summary insert_many(const job_generator& next, const insert_result_handler& on_result,
                                    std::error_code& ec, diagnostics& diag);
    insert_many_summary insert_many_tx(transaction_ref tx, const job_generator& next,
                                       const insert_result_handler& on_result, std::error_code& ec,
                                       diagnostics& diag);
    std::size_t insert_many_fast(std::span<const insert_many_params> jobs, std::error_code& ec, diagnostics& diag);
    std::size_t insert_many_fast(const job_generator& next, std::error_code& ec, diagnostics& diag);
    std::size_t insert_many_fast_tx(transaction_ref tx, std::span<const insert_many_params> jobs,
                                    std::error_code& ec, diagnostics& diag);
    std::size_t insert_many_fast_tx(transaction_ref tx, const job_generator& next, std::error_code& ec,
                                    diagnostics& diag);

private:
    insert_result insert_args(const dynamic_args& args, const insert_opts& opts);
    insert_result insert_tx_args(transaction_ref tx, const dynamic_args& args, const insert_opts& opts);

    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace riverqueue
