// One libpq connection in non-blocking pipeline mode, driven by Asio: the
// socket waits and the libpq calls over the pipeline's logic, which is the
// multiplexer's (multiplexer.hpp: what is sent together, what each result
// means, retries, loss). Connecting is connect.hpp's.
//
// Everything here runs on the connection's strand except submit() and
// shutdown(), which post to it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <riverqueue/async_client.hpp>

#include "drivers/libpq/pg_result.hpp"
#include "drivers/libpq_async/completion.hpp"
#include "drivers/libpq_async/connect.hpp"
#include "drivers/libpq_async/conversation.hpp"
#include "drivers/libpq_async/multiplexer.hpp"

namespace riverqueue::libpq_async {

namespace asio = boost::asio;

// An operation waiting for, or running on, a pipeline connection, with the
// caller's completion: one of `one`, `many`, `plain` or `talk`.
struct operation final : pipeline_op {
    std::unique_ptr<conversation> talk;  // conversation
    std::chrono::milliseconds timeout{0};

    completion<insert_result> one;
    completion<std::vector<insert_result>> many;
    completion<> plain;

    std::unique_ptr<asio::steady_timer> timer;  // strand state

    void install_cancellation(std::function<void(asio::cancellation_type_t)> on_cancel);
    const core::ops::request* start(const core::ops::session_facts& facts) override { return talk->start(facts); }
    const core::ops::request* resume(core::ops::reply answer) override { return talk->resume(std::move(answer)); }
    void complete(std::exception_ptr error, std::vector<insert_result> rows) override;
};
using operation_ptr = std::shared_ptr<operation>;

class pipeline_connection : public std::enable_shared_from_this<pipeline_connection> {
public:
    // In a transaction connection every operation is sent on its own, a lost
    // connection is never reopened (the transaction is gone), and nothing is
    // batched.
    pipeline_connection(asio::any_io_executor executor, std::shared_ptr<const client_config> config,
                        bool for_transaction);
    ~pipeline_connection();
    pipeline_connection(const pipeline_connection&) = delete;
    pipeline_connection& operator=(const pipeline_connection&) = delete;

    // Thread-safe: queues the operation (installing its cancellation).
    void submit(operation_ptr op);
    // Thread-safe: fails every operation with connection_error and closes.
    void shutdown(std::string reason);

    // Operations submitted and not yet completed (for choosing a connection).
    std::size_t load() const noexcept { return load_.load(std::memory_order_relaxed); }
    // False once a transaction connection has been lost or shut down.
    bool usable() const noexcept { return !dead_.load(std::memory_order_acquire); }

private:
    void enqueue(operation_ptr op);
    void cancel(const operation_ptr& op, asio::cancellation_type_t type, bool timed_out);
    void cancel_abandoned();

    void schedule_pump();
    void pump();
    void send_segment();
    bool send(const multiplexer::outgoing& out);

    void start_connect();
    void connected(PGconn* conn, const std::string& error);
    void connect_failed(const std::string& message);

    void start_read();
    void on_readable(unsigned generation, const boost::system::error_code& ec);
    void process_results();
    pipeline_result as_pipeline_result(libpq::result_ptr result);
    void flush();
    void lost(const std::string& message);
    void close();
    std::string error_message() const;

    asio::strand<asio::any_io_executor> strand_;
    std::shared_ptr<const client_config> config_;
    const bool for_transaction_;
    std::atomic<std::size_t> load_{0};
    std::atomic<bool> dead_{false};

    // Strand state.
    PGconn* conn_ = nullptr;
    asio::posix::stream_descriptor socket_;
    unsigned generation_ = 0;  // bumped on each new connection; stale waits check it
    bool connecting_ = false;
    std::weak_ptr<connect_attempt> attempt_;  // while connecting (it keeps itself alive)
    bool reading_ = false;
    bool writing_ = false;
    bool pump_scheduled_ = false;
    bool closed_ = false;
    multiplexer mux_;
};

}  // namespace riverqueue::libpq_async
