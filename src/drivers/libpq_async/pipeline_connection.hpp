// One libpq connection in non-blocking pipeline mode, driven by Asio.
//
// Everything here runs on the connection's strand except submit() and
// shutdown(), which post to it. Operations wait in `pending_` until the
// connection is up and the pipeline has room; the ones that are waiting
// together are sent as one insert statement (a segment), each segment
// followed by a Sync so that an error aborts only that segment. When a
// segment of several operations is rejected by PostgreSQL, its operations
// are sent again one by one, so each gets its own outcome.
#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <riverqueue/async_client.hpp>

#include "core/insert_batch.hpp"
#include "core/insert_params.hpp"
#include "core/insert_sql.hpp"
#include "core/notify_limiter.hpp"
#include "core/ops/operation.hpp"
#include "drivers/libpq_async/conversation.hpp"

namespace riverqueue::libpq_async {

namespace asio = boost::asio;

// What the connections of one client share; immutable but for the limiter,
// which is thread-safe.
struct client_config {
    explicit client_config(client_options opts) : options(std::move(opts)), limiter(options.notify_cooldown) {}

    client_options options;
    mutable core::notify_limiter limiter;
};

// An operation waiting for, or running on, a pipeline connection.
struct operation {
    enum class type { insert, insert_many, statement, conversation };

    type what = type::insert;
    std::vector<core::resolved_job> jobs;  // insert, insert_many
    std::string sql;                       // statement
    std::unique_ptr<conversation> talk;    // conversation
    const core::ops::request* next = nullptr;  // conversation: the request to send next
    bool started = false;                      // conversation: talk->start() was called
    // Whether a connection lost after sending it leaves its outcome unknown
    // (false inside a transaction, except for COMMIT).
    bool may_commit = true;
    std::chrono::milliseconds timeout{0};

    detail::completion_ptr<insert_result> one;
    detail::completion_ptr<std::vector<insert_result>> many;
    detail::completion_ptr<> plain;

    // Strand state.
    bool sent = false;
    bool done = false;
    bool solo = false;                       // never batched with others
    bool resent_after_cancel = false;        // sent again once after a stray cancel (pipeline_connection.cpp)
    bool timed_out_after_send = false;       // its statement is to be cancelled on the server
    std::vector<std::string> forced_notify;  // queues to notify without the limiter (after a retry)
    std::unique_ptr<asio::steady_timer> timer;

    void install_cancellation(std::function<void(asio::cancellation_type_t)> on_cancel);
    void complete(std::exception_ptr error, std::vector<insert_result> rows);
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
    struct segment;

    void enqueue(operation_ptr op);
    void cancel(const operation_ptr& op, asio::cancellation_type_t type, bool timed_out);
    void finish(const operation_ptr& op, std::exception_ptr error, std::vector<insert_result> rows = {});
    void cancel_abandoned();
    bool stray_cancel(const segment& seg) const;
    void send_again(segment& seg, bool alone);

    void schedule_pump();
    void pump();
    void send_segment();
    bool send_conversation_step(segment& seg);
    bool send_query(std::string_view sql, std::span<const std::optional<std::string>> params, bool repeated,
                    segment& seg);
    void resume_conversation(segment& seg);
    void finish_segment(segment& seg);

    void start_connect();
    void connect_wait(PostgresPollingStatusType status);
    void connect_step(unsigned generation, const boost::system::error_code& ec);
    void connect_failed(const std::string& message);

    void start_read();
    void on_readable(unsigned generation, const boost::system::error_code& ec);
    void process_results();
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
    bool reading_ = false;
    bool writing_ = false;
    bool pump_scheduled_ = false;
    bool closed_ = false;
    bool cancel_sent_ = false;  // a cancel request went out on this connection
    core::duplicate_detection detection_ = core::duplicate_detection::xmax;
    int server_version_ = 0;
    std::deque<operation_ptr> pending_;
    std::deque<std::unique_ptr<segment>> in_flight_;
    struct prepared {
        std::string name;
        bool ready = false;
    };
    std::unordered_map<std::string, prepared> prepared_;  // SQL text -> statement
};

}  // namespace riverqueue::libpq_async
