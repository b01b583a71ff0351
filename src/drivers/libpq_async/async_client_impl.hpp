// What async_client and async_transaction share: the pipelined connections,
// the transaction connections kept between transactions, the schema version,
// and the ways an insert reaches a connection (gathered with others into one
// statement, or as a core operation run step by step: conversation.hpp).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include <riverqueue/async_client.hpp>

#include "core/insert_middleware_run.hpp"
#include "core/insert_params.hpp"
#include "core/ops/client_inserts.hpp"
#include "core/ops/own_transaction.hpp"
#include "drivers/libpq_async/conversation.hpp"
#include "drivers/libpq_async/pipeline_connection.hpp"

namespace riverqueue::detail {

using libpq_async::client_config;
using libpq_async::completion;
using libpq_async::operation;
using libpq_async::operation_ptr;
using libpq_async::pipeline_connection;

inline core::insert_defaults defaults_of(const client_options& options) {
    return core::insert_defaults{options.default_max_attempts};
}

// Begins the client's insert middleware for one call and makes `done` end
// it with the call's outcome, before the caller's handler runs. Throws what
// a middleware's begin_insert throws.
template <typename... Values>
std::shared_ptr<core::middleware_run> begin_middleware(const client_options& options, const insert_call& call,
                                                       completion<Values...>& done) {
    auto run = std::make_shared<core::middleware_run>(options.insert_middleware, call);
    if (!run->empty()) {
        done = completion<Values...>::after(std::move(done),
                                            [run](std::exception_ptr error) { run->finish(std::move(error)); });
    }
    return run;
}

// What a conversation's operation refers to, owned for its whole run.
struct insert_state {
    core::ops::insert_context context;
    std::vector<core::resolved_job> jobs;
    job_generator next;
    insert_result_handler on_result;
};

struct async_client_impl : std::enable_shared_from_this<async_client_impl> {
    async_client_impl(boost::asio::any_io_executor ex, client_options options);

    // The connection with the fewest operations waiting.
    pipeline_connection& pick();
    client& sync_client();
    std::shared_ptr<pipeline_connection> take_idle_transaction_connection();
    void give_back(std::shared_ptr<pipeline_connection> conn);
    void shutdown();

    // River's schema version: unknown (-1) until a probe read it.
    static constexpr int version_unknown = -1;
    int known_version() const noexcept { return schema_version.load(std::memory_order_acquire); }
    core::ops::insert_context context(int version) const;
    // Reads the version on `conn` (a conversation), then calls `then`.
    void probe_then(pipeline_connection& conn, std::function<void(std::exception_ptr)> then);
    // The version as known, or probed first inside the operation itself (on a
    // transaction's connection, where operations run in order).
    core::ops::op<int> version_within(core::ops::session_facts facts);

    // The inserts, routed on the schema version (known for the client's own
    // connections, probed within the operation on a transaction's): River's
    // current schema gathers them with others into one statement; old schemas
    // run the core's operations, in a transaction of their own where they need one.
    void insert_one(core::resolved_job job, completion<insert_result> done, const call_options& call);
    void insert_batch(std::vector<core::resolved_job> jobs, completion<std::vector<insert_result>> done,
                      const call_options& call);
    void insert_streamed(job_generator next, insert_result_handler on_result,
                         completion<insert_many_summary> done, const call_options& call);
    void insert_one_in(pipeline_connection& tx, core::resolved_job job, completion<insert_result> done,
                       const call_options& call);
    void insert_batch_in(pipeline_connection& tx, std::vector<core::resolved_job> jobs,
                         completion<std::vector<insert_result>> done);
    void insert_streamed_in(pipeline_connection& tx, job_generator next, insert_result_handler on_result,
                            completion<insert_many_summary> done);

    // Runs the operation `make` makes on `conn`, step by step.
    template <typename T>
    static void converse(pipeline_connection& conn, typename libpq_async::conversation_for<T>::factory make,
                         completion<T> done, std::chrono::milliseconds timeout = {}) {
        auto op = std::make_shared<operation>();
        op->what = operation::type::conversation;
        op->may_commit = false;  // until a step that commits is sent
        op->timeout = timeout;
        op->talk = std::make_unique<libpq_async::conversation_for<T>>(std::move(make), std::move(done));
        conn.submit(std::move(op));
    }

    // The same in a transaction of its own (BEGIN ... COMMIT) on a transaction
    // connection, which is kept for the next one when the transaction ended
    // cleanly, and closed otherwise (closing rolls back whatever is open).
    template <typename T>
    void converse_in_own_transaction(typename libpq_async::conversation_for<T>::factory make, completion<T> done,
                                     std::chrono::milliseconds timeout = {}) {
        auto conn = take_idle_transaction_connection();
        auto finished = completion<T>::after(
            std::move(done), [self = shared_from_this(), conn](std::exception_ptr error) {
                if (error && !ended_cleanly(error)) conn->shutdown("the transaction ended in error");
                else self->give_back(conn);
            });
        converse<T>(
            *conn,
            [make = std::move(make)](const core::ops::session_facts& facts) {
                return core::ops::in_own_transaction<T>(facts, make);
            },
            std::move(finished), timeout);
    }
    // Whether a transaction that failed with `error` was rolled back on a
    // connection still in a known state (a refused statement, a bad job).
    static bool ended_cleanly(std::exception_ptr error);

    boost::asio::any_io_executor executor;
    std::shared_ptr<client_config> config;
    std::vector<std::shared_ptr<pipeline_connection>> pool;
    boost::asio::thread_pool blocking;  // the COPY fast path
    std::once_flag sync_once;
    std::unique_ptr<client> sync;
    std::mutex idle_mutex;
    std::vector<std::shared_ptr<pipeline_connection>> idle;  // transaction connections, between transactions
    bool closed = false;
    std::atomic<int> schema_version{version_unknown};
};

struct async_transaction_state {
    ~async_transaction_state() {
        if (!finished.load()) conn->shutdown("the transaction was abandoned");
    }

    std::shared_ptr<async_client_impl> client;
    std::shared_ptr<pipeline_connection> conn;
    std::atomic<bool> finished{false};
};

}  // namespace riverqueue::detail
