// The asynchronous insert client, over Boost.Asio.
//
//     riverqueue::async_client client(io.get_executor(), options);
//     riverqueue::insert_result r = co_await client.insert(args, {}, asio::use_awaitable);
//
// Every operation takes an Asio completion token (use_awaitable, a callback,
// use_future, ...). Handlers receive a std::exception_ptr first: null on
// success, otherwise one of the library's exceptions, as the synchronous
// client would have thrown it (validation_error, database_error,
// connection_error), or operation_cancelled.
//
// The client keeps `client_options::pool_size` connections, each in libpq's
// pipeline mode and watched by Asio: inserts from many coroutines on one
// connection do not wait for each other's round trips. Inserts that wait for
// the connection at the same moment are sent together as one statement; if
// PostgreSQL rejects that statement, each of them is sent again alone, so one
// insert's failure never fails another.
//
// An idle client leaves nothing pending on its executor: io_context::run()
// returns once the operations started are done.
//
// With GCC 12, pass named args to co_await'ed calls, not a braced temporary
// built from other temporaries (`co_await c.insert(args_t{make()}, ...)`):
// GCC 12 destroys such temporaries twice (a compiler bug, not the library's).
//
// Thread safety: an `async_client` may be shared between threads; its member
// functions may be called concurrently from any thread. Each connection's
// state lives on its own strand. Handlers run on their associated executor
// (the client's executor by default). An `async_transaction` must not be
// used from several threads at once; its operations run in the order they
// were started, each as soon as the previous one's statement was sent.
//
// A lost connection fails the operations that were sent on it with
// connection_error, whose may_have_committed() tells whether the insert may
// have been committed; operations not yet sent wait for a new connection,
// which the client opens for them (or fail with may_have_committed() false if
// it cannot). Each operation can be cancelled through its cancellation slot
// (for example with asio::experimental::awaitable_operators) and given a
// timeout (call_options): an insert not yet sent is withdrawn; one already
// sent completes at once with operation_cancelled on terminal cancellation
// or a timeout (its outcome is then unknown), and partial or total
// cancellation is ignored for it. On a timeout outside a transaction, the
// statement is also cancelled on the server (a cancel request), so that it
// stops holding locks and a backend; it may still have committed if it
// finished first. client_options::statement_timeout does not apply here:
// call_options::timeout does.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <riverqueue/client.hpp>
#include <riverqueue/errors.hpp>

namespace riverqueue {

// An operation was cancelled through its cancellation slot, or its timeout
// expired, before it completed. When `may_have_committed()` is true the
// statement had already been sent and may still take effect (outside a
// transaction: be committed; inside one: be part of it).
class operation_cancelled : public error {
public:
    operation_cancelled(bool timed_out, bool may_have_committed);

    bool timed_out() const noexcept { return timed_out_; }
    bool may_have_committed() const noexcept { return may_have_committed_; }

private:
    bool timed_out_;
    bool may_have_committed_;
};

// Per-call settings of the asynchronous operations.
struct call_options {
    // Zero: no timeout. Otherwise the operation fails with operation_cancelled
    // (timed_out() true) when it has not completed within this time.
    std::chrono::milliseconds timeout{0};
};

namespace detail {

// The caller's completion handler as the library's compiled part takes it,
// type-erased by Asio (its executor, cancellation slot and allocator kept).
template <typename... Values>
using any_handler = boost::asio::any_completion_handler<void(std::exception_ptr, Values...)>;

struct async_client_impl;
struct async_transaction_state;

}  // namespace detail

class async_client;

// A transaction on a connection of its own, opened by async_client::begin
// (connections are kept between transactions, up to pool_size of them).
// Its operations run in the order they were started. Destroying it without
// commit or rollback closes its connection, which rolls the transaction back;
// a connection lost during the transaction is not reopened: the operations
// fail with connection_error. Operations need valid() to be true.
class async_transaction {
public:
    async_transaction() = default;
    async_transaction(async_transaction&&) noexcept;
    async_transaction& operator=(async_transaction&&) noexcept;
    async_transaction(const async_transaction&) = delete;
    async_transaction& operator=(const async_transaction&) = delete;
    ~async_transaction();

    // Whether this object holds a transaction (begun, not yet committed or
    // rolled back).
    bool valid() const noexcept { return state_ != nullptr; }

    // Inserts one job inside the transaction; the notification, if any, goes
    // out when the transaction commits. Completion: void(std::exception_ptr, insert_result).
    template <job_args T, typename CompletionToken>
    auto insert(const T& args, const insert_opts& opts, CompletionToken&& token) {
        return insert_with(to_dynamic_args(args), opts, call_options{}, std::forward<CompletionToken>(token));
    }
    template <job_args T, typename CompletionToken>
    auto insert(const T& args, const insert_opts& opts, const call_options& call, CompletionToken&& token) {
        return insert_with(to_dynamic_args(args), opts, call, std::forward<CompletionToken>(token));
    }

    // Inserts a batch inside the transaction, all or nothing. The jobs are
    // read when the operation starts. Completion:
    // void(std::exception_ptr, std::vector<insert_result>).
    template <typename CompletionToken>
    auto insert_many(std::span<const insert_many_params> jobs, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, std::vector<insert_result>)>(
            [this](auto handler, std::span<const insert_many_params> batch) {
                start_insert_many(detail::any_handler<std::vector<insert_result>>(std::move(handler)),
                                  batch);
            },
            token, jobs);
    }

    // Streams a batch of any size into the transaction, as the client's
    // streamed insert_many; `next` and `on_result` are called on the
    // connection's strand, one at a time. Completion:
    // void(std::exception_ptr, insert_many_summary).
    template <typename CompletionToken>
    auto insert_many(job_generator next, insert_result_handler on_result, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, insert_many_summary)>(
            [this](auto handler, job_generator n, insert_result_handler r) {
                start_insert_streamed(detail::any_handler<insert_many_summary>(std::move(handler)),
                                      std::move(n), std::move(r));
            },
            token, std::move(next), std::move(on_result));
    }

    // Runs one SQL statement without parameters (for the caller's own work in
    // the transaction). Completion: void(std::exception_ptr).
    template <typename CompletionToken>
    auto execute(std::string sql, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr)>(
            [this](auto handler, std::string statement) {
                start_statement(detail::any_handler<>(std::move(handler)), std::move(statement), 0);
            },
            token, std::move(sql));
    }

    // COMMIT. A connection lost during it fails with connection_error whose
    // may_have_committed() is true. Completion: void(std::exception_ptr).
    template <typename CompletionToken>
    auto commit(CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr)>(
            [this](auto handler) { start_statement(detail::any_handler<>(std::move(handler)), {}, 1); },
            token);
    }

    // ROLLBACK. Completion: void(std::exception_ptr).
    template <typename CompletionToken>
    auto rollback(CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr)>(
            [this](auto handler) { start_statement(detail::any_handler<>(std::move(handler)), {}, 2); },
            token);
    }

private:
    friend class async_client;
    explicit async_transaction(std::shared_ptr<detail::async_transaction_state> state) noexcept;

    template <typename CompletionToken>
    auto insert_with(dynamic_args args, const insert_opts& opts, const call_options& call, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, insert_result)>(
            [this](auto handler, dynamic_args a, insert_opts o, call_options c) {
                start_insert(detail::any_handler<insert_result>(std::move(handler)), a, o, c);
            },
            token, std::move(args), opts, call);
    }

    boost::asio::any_io_executor executor() const;
    void start_insert(detail::any_handler<insert_result> done, const dynamic_args& args, const insert_opts& opts,
                      const call_options& call);
    void start_insert_many(detail::any_handler<std::vector<insert_result>> done,
                           std::span<const insert_many_params> jobs);
    void start_insert_streamed(detail::any_handler<insert_many_summary> done, job_generator next,
                               insert_result_handler on_result);
    // what: 0 runs `sql`, 1 commits, 2 rolls back.
    void start_statement(detail::any_handler<> done, std::string sql, int what);

    std::shared_ptr<detail::async_transaction_state> state_;
};

class async_client {
public:
    // Validates the options (throws validation_error); connects lazily.
    // `options.pool_size` is the number of pipelined connections. I/O and
    // handlers without an executor of their own run on `executor`.
    async_client(boost::asio::any_io_executor executor, client_options options);
    // Operations still running fail with connection_error.
    ~async_client();
    async_client(const async_client&) = delete;
    async_client& operator=(const async_client&) = delete;

    const client_options& options() const noexcept;
    boost::asio::any_io_executor get_executor() const noexcept;

    // Inserts one job, committed when the operation completes.
    // Completion: void(std::exception_ptr, insert_result).
    template <job_args T, typename CompletionToken>
    auto insert(const T& args, const insert_opts& opts, CompletionToken&& token) {
        return insert_with(to_dynamic_args(args), opts, call_options{}, std::forward<CompletionToken>(token));
    }
    template <job_args T, typename CompletionToken>
    auto insert(const T& args, const insert_opts& opts, const call_options& call, CompletionToken&& token) {
        return insert_with(to_dynamic_args(args), opts, call, std::forward<CompletionToken>(token));
    }

    // Inserts a batch, all or nothing, one result per job in input order, as
    // client::insert_many. The jobs are read (and validated) when the
    // operation starts: with a lazy token (asio::deferred) keep them alive
    // until then. Completion: void(std::exception_ptr, std::vector<insert_result>).
    template <typename CompletionToken>
    auto insert_many(std::span<const insert_many_params> jobs, CompletionToken&& token) {
        return insert_many(jobs, call_options{}, std::forward<CompletionToken>(token));
    }
    template <typename CompletionToken>
    auto insert_many(std::span<const insert_many_params> jobs, const call_options& call, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, std::vector<insert_result>)>(
            [this](auto handler, std::span<const insert_many_params> batch, call_options c) {
                start_insert_many(detail::any_handler<std::vector<insert_result>>(std::move(handler)),
                                  batch, c);
            },
            token, jobs, call);
    }

    // Streams a batch of any size into one transaction with bounded memory,
    // all or nothing, as client::insert_many(next, on_result), on a
    // connection of its own; `next` and `on_result` are called on that
    // connection's strand, one at a time, and must stay valid until the
    // operation completes. Completion: void(std::exception_ptr, insert_many_summary).
    template <typename CompletionToken>
    auto insert_many(job_generator next, insert_result_handler on_result, CompletionToken&& token) {
        return insert_many(std::move(next), std::move(on_result), call_options{},
                           std::forward<CompletionToken>(token));
    }
    template <typename CompletionToken>
    auto insert_many(job_generator next, insert_result_handler on_result, const call_options& call,
                     CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, insert_many_summary)>(
            [this](auto handler, job_generator n, insert_result_handler r, call_options c) {
                start_insert_streamed(detail::any_handler<insert_many_summary>(std::move(handler)),
                                      std::move(n), std::move(r), c);
            },
            token, std::move(next), std::move(on_result), call);
    }

    // The bulk fast path (COPY), as client::insert_many_fast: it runs on the
    // library's own blocking connections, on a thread of the client's, since
    // COPY cannot run in pipeline mode. Not cancellable.
    // Completion: void(std::exception_ptr, std::size_t inserted).
    template <typename CompletionToken>
    auto insert_many_fast(std::vector<insert_many_params> jobs, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, std::size_t)>(
            [this](auto handler, std::vector<insert_many_params> batch) {
                start_insert_many_fast(detail::any_handler<std::size_t>(std::move(handler)),
                                       std::move(batch));
            },
            token, std::move(jobs));
    }

    // Opens a transaction on a connection of its own.
    // Completion: void(std::exception_ptr, async_transaction).
    template <typename CompletionToken>
    auto begin(CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, async_transaction)>(
            [this](auto handler) {
                start_begin(detail::any_handler<async_transaction>(std::move(handler)));
            },
            token);
    }

private:
    template <typename CompletionToken>
    auto insert_with(dynamic_args args, const insert_opts& opts, const call_options& call, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, insert_result)>(
            [this](auto handler, dynamic_args a, insert_opts o, call_options c) {
                start_insert(detail::any_handler<insert_result>(std::move(handler)), a, o, c);
            },
            token, std::move(args), opts, call);
    }

    void start_insert(detail::any_handler<insert_result> done, const dynamic_args& args, const insert_opts& opts,
                      const call_options& call);
    void start_insert_many(detail::any_handler<std::vector<insert_result>> done,
                           std::span<const insert_many_params> jobs, const call_options& call);
    void start_insert_streamed(detail::any_handler<insert_many_summary> done, job_generator next,
                               insert_result_handler on_result, const call_options& call);
    void start_insert_many_fast(detail::any_handler<std::size_t> done, std::vector<insert_many_params> jobs);
    void start_begin(detail::any_handler<async_transaction> done);

    boost::asio::any_io_executor executor_;
    std::shared_ptr<detail::async_client_impl> impl_;
};

}  // namespace riverqueue
